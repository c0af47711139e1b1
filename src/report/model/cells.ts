/** Small constructors for table cells and columns, so table builders read like the table. */
import type { SourceRef } from '../../analysis/model';
import type { Align, Cell, Column, ReportTable } from '../report-model';
import { INSUFFICIENT, MISSING, num } from '../format';

export function text(t: string, opts: Omit<Cell, 'text'> = {}): Cell {
  return { text: t, ...opts };
}

/** A number with `digits` significant digits; missing values render as a muted dash. */
export function numCell(v: number | null | undefined, digits = 3, opts: Omit<Cell, 'text' | 'value'> = {}): Cell {
  const ok = v !== null && v !== undefined && Number.isFinite(v);
  return { text: num(v, digits), value: ok ? v : null, ...(ok ? {} : { muted: true }), ...opts };
}

export function missing(why: string = MISSING): Cell {
  return { text: why, muted: true };
}

export function insufficient(): Cell {
  return { text: INSUFFICIENT, muted: true };
}

export function col(label: string, align: Align = 'left', study = false): Column {
  return study ? { label, align, study } : { label, align };
}

export function table(id: string, caption: string, columns: Column[], rows: Cell[][], notes: string[] = []): ReportTable {
  return { id, caption, columns, rows, notes };
}

/** Two columns, label → value (methodology, manifest). */
export function keyValueTable(id: string, caption: string, labels: [string, string], rows: [string, string][], notes: string[] = []): ReportTable {
  return {
    id,
    caption,
    columns: [col(labels[0]), col(labels[1])],
    rows: rows.map(([k, v]) => [text(k, { strong: true }), text(v)]),
    notes,
    layout: 'keyvalue',
  };
}

/**
 * Sources cited in a table, numbered in order of first use and listed under it (paper style):
 * each with its URL, or the reason it has none, and the date it was read.
 */
export function sourceList(): { ref(source: SourceRef): string; notes(): string[] } {
  const sources: string[] = [];
  return {
    ref(source) {
      const s = `${source.label}, ${source.url ?? `no URL (${source.noUrl ?? 'none given'})`}${source.readOn ? ` (read ${source.readOn})` : ''}`;
      let i = sources.indexOf(s);
      if (i < 0) i = sources.push(s) - 1;
      return `[${i + 1}]`;
    },
    notes: () => sources.map((s, i) => `[${i + 1}] ${s}`),
  };
}
