/**
 * One small snapshot file per thing (Observable Plot's style): a failing test names the one
 * figure or table that changed and shows where. UPDATE_SNAPSHOTS=1 rewrites them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ReportFigure, ReportTable } from '../../src/report';

export const SNAPSHOTS = path.join(__dirname, '..', 'snapshots');

export function assertSnapshot(name: string, actual: string): void {
  const file = path.join(SNAPSHOTS, name);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) assert.fail(`no snapshot ${path.relative(process.cwd(), file)}: write it with UPDATE_SNAPSHOTS=1 npm test -- ${process.argv.find((a) => a.endsWith('.test.ts')) ?? ''}`);
  const expected = fs.readFileSync(file, 'utf8');
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((l, i) => l !== e[i]);
  assert.fail(
    `${name} differs from its snapshot at line ${line + 1}:\n  expected: ${e[line] ?? '(end of file)'}\n  actual:   ${a[line] ?? '(end of file)'}\n` +
      'If the change is intended: UPDATE_SNAPSHOTS=1 npm test -- <this test file>',
  );
}

/** Floats to 6 significant digits: last-digit noise of another V8 does not fail a snapshot, any visible change does. */
function rounded(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v;
}

/**
 * A figure as its Vega-Lite spec, pretty-printed, each data row on one line (a latency curve is
 * 200 rows); the theme's config is left out (it has a snapshot of its own).
 */
export function figureSnapshot(f: ReportFigure): string {
  const { config: _config, data, ...rest } = (f.spec ?? {}) as Record<string, unknown> & { data?: { values?: unknown[] } };
  const values = data?.values ?? [];
  const MARK = '"@@values@@"';
  const spec = f.spec ? { ...(data ? { data: { values: '@@values@@' } } : {}), ...rest } : null;
  const text = JSON.stringify({ id: f.id, caption: f.caption, alt: f.alt, empty: f.empty, spec }, rounded, 2);
  const rows = values.map((v) => `        ${JSON.stringify(v, rounded)}`).join(',\n');
  return `${text.replace(MARK, values.length ? `[\n${rows}\n      ]` : '[]')}\n`;
}

/** A table as text: caption, one line per row with cells separated by " | ", notes. */
export function tableSnapshot(t: ReportTable): string {
  const mark = (c: { text: string; strong?: boolean; muted?: boolean }) => `${c.strong ? '**' : ''}${c.text}${c.strong ? '**' : ''}${c.muted ? ' (muted)' : ''}`;
  return [
    `# ${t.id}${t.layout ? ` (${t.layout})` : ''}`,
    t.caption,
    '',
    t.columns.map((c) => `${c.label}${c.study ? ' [study]' : ''} (${c.align})`).join(' | '),
    ...t.rows.map((r) => r.map(mark).join(' | ')),
    ...(t.notes.length ? ['', ...t.notes.map((n) => `note: ${n}`)] : []),
    '',
  ].join('\n');
}
