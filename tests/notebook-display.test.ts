/**
 * What a notebook shows, without a kernel: how errors print (tslab reports a cell's exception with
 * console.error, i.e. util.format), report tables with their CSS, caption numbers, batch numbers.
 * The same through a real kernel: tests/notebook.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { batchPoints } from '../src/analysis/figure-data';
import { createProgressRenderer, shardBatches } from '../src/cli/progress';
import { parseExperimentConfig } from '../src/config/experiment';
import { UserError } from '../src/errors';
import { readBatches } from '../src/experiment/run-store';
import { paragraphText, reportTableOutputHtml, tableHtml } from '../src/notebook/display';
import { REPORT_OUTPUT_CLASS } from '../src/notebook/report-style';
import { allFigures, allTables, batchSeriesSpec, defaultTemplateDir, renderReport, type RenderReportResult } from '../src/report';
import { allParagraphs, figureCaptionHtml } from '../src/report/html';
import type { BatchRow } from '../src/schema/records';
import { writeSyntheticRun } from './fixtures/synthetic-run';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-nbdisplay-'));
const fixture = path.join(tmp, 'run');
let report: RenderReportResult;
let reportHtml: string;
before(async () => {
  writeSyntheticRun(fixture, { batches: 6, batchSize: 4, retryRate: 0.05, failRate: 0.02 });
  report = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'report'), withStudy: true });
  reportHtml = fs.readFileSync(report.htmlPath, 'utf8');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SCOPE = `.${REPORT_OUTPUT_CLASS}.${REPORT_OUTPUT_CLASS}`;

/** The <style> of a notebook output, and the fragment it styles. */
function parts(output: string): { css: string; body: string } {
  const m = /^<div class="[^"]+"><style>\n([\s\S]*?)\n<\/style>\n([\s\S]*)\n<\/div>$/.exec(output);
  assert.ok(m, `not a styled output: ${output.slice(0, 200)}`);
  return { css: m[1], body: m[2] };
}

/** The number the rendered report gives each table and figure: id → "Table 3". */
function reportNumbers(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<div class="table-block" id="([^"]+)">\n<table[^>]*>\n<caption><span class="label">(Table \d+)\./g)) out.set(m[1], m[2]);
  for (const m of html.matchAll(/<figure class="figure" id="([^"]+)">[\s\S]*?<figcaption><span class="label">(Figure \d+)\./g)) out.set(m[1], m[2]);
  return out;
}

describe('errors in a notebook cell', () => {
  test('a UserError (and the config, dataset and stats errors) prints as one line; a bug keeps its trace', () => {
    assert.equal(format(new UserError('no run folder /nope: run `cloudbench run` first')), 'UserError: no run folder /nope: run `cloudbench run` first');
    assert.throws(
      () => parseExperimentConfig({ name: 'x', platforms: { aws: 'local:aws' }, dataset: { type: 'synthetic', count: 4 }, batches: -1 }),
      (err: Error) => {
        assert.equal(format(err), `ConfigError: ${err.message}`);
        assert.match(err.message, /batches/);
        // The trace is still there for whoever asks for it.
        assert.match(err.stack ?? '', /\n\s+at /);
        return true;
      },
    );
    const bug = format(new TypeError('Cannot read properties of undefined'));
    assert.match(bug, /^TypeError: Cannot read properties of undefined\n\s+at /);
  });
});

describe('report tables in a notebook', () => {
  test('carry, scoped to the output, the report CSS rule of every class they use', () => {
    const reportCss = fs.readFileSync(path.join(defaultTemplateDir(), 'report.css'), 'utf8');
    let bold = 0;
    for (const t of allTables(report.report)) {
      const { css, body } = parts(reportTableOutputHtml(t));
      const classes = new Set([...body.matchAll(/class="([^"]+)"/g)].flatMap((m) => m[1].split(' ')));
      for (const c of classes) {
        const styled = new RegExp(`\\.${c}\\b`);
        if (styled.test(reportCss)) assert.match(css, styled, `${t.id}: the report styles .${c}, the notebook output does not`);
      }
      // Nothing outside the output is restyled: every selector starts with the scope.
      for (const rule of css.split('\n').filter((l) => !l.startsWith('@') && l !== '}')) {
        for (const sel of rule.slice(0, rule.indexOf('{')).split(',')) assert.ok(sel.trim().startsWith(`${SCOPE}`), `unscoped: ${sel}`);
      }
      assert.doesNotMatch(css, /@page|@media print|max-width: 170mm/, 'print and page-layout rules stay in the report');
      if (classes.has('right')) assert.match(css, new RegExp(`${SCOPE.replace(/\./g, '\\.')} \\.right \\{ text-align: right;`));
      if (classes.has('best')) {
        bold++;
        assert.match(css, /td\.best \{ font-weight: bold; \}/);
      }
      if (t.notes.length) assert.match(css, /\.table-notes \{ font-size: 7\.5pt;/);
    }
    assert.ok(bold > 0, 'some table emphasises a best value');
  });

  test('captions and cross-references carry the numbers the report gives them', () => {
    const numbers = reportNumbers(reportHtml);
    assert.ok(numbers.size > 20, `${numbers.size} numbered items in the report`);
    let refs = 0;
    for (const t of allTables(report.report)) {
      const n = numbers.get(t.id);
      assert.equal(t.number, n, t.id);
      if (n) assert.match(reportTableOutputHtml(t), new RegExp(`<caption><span class="label">${n}\\.</span>`), t.id);
      // A note's "[[tab-capabilities]]" reads "Table 18" as in the report.
      for (const [, id] of t.notes.join(' ').matchAll(/\[\[((?:tab|fig)-[A-Za-z0-9_-]+)\]\]/g)) {
        refs++;
        assert.ok(reportTableOutputHtml(t).includes(`${numbers.get(id)}`), `${t.id}: its note's reference to ${id}`);
      }
    }
    for (const f of allFigures(report.report)) {
      assert.equal(f.number, numbers.get(f.id), f.id);
      assert.match(figureCaptionHtml(f), new RegExp(`<figcaption><span class="label">${f.number}\\.</span>`), f.id);
    }
    assert.ok(refs > 0, 'some table note refers to another table');
    // "[[tab-stats-upload]]" reads "Table 3" in the report's text and in the notebook's.
    for (const { text } of allParagraphs(report.report)) {
      for (const [, id] of text.matchAll(/\[\[((?:tab|fig)-[A-Za-z0-9_-]+)\]\]/g)) {
        refs++;
        assert.match(reportHtml, new RegExp(`<a class="ref" href="#${id}">${numbers.get(id)}</a>`));
        assert.ok(paragraphText(text, report.report).includes(numbers.get(id)!), `${id} in "${paragraphText(text, report.report)}"`);
      }
    }
    assert.ok(refs > 5);
  });

  test('numbers follow the template the report is rendered with', async () => {
    const dir = path.join(tmp, 'template');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'report.md'), '# {{title}}\n\n{{figure:fig-box-upload}}\n\n{{table:tab-winners}}\n\n{{table:tab-stats-upload}}\n');
    fs.copyFileSync(path.join(defaultTemplateDir(), 'report.css'), path.join(dir, 'report.css'));
    const r = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'mine'), templateDir: dir });
    assert.deepEqual(reportNumbers(fs.readFileSync(r.htmlPath, 'utf8')), new Map([['fig-box-upload', 'Figure 1'], ['tab-winners', 'Table 1'], ['tab-stats-upload', 'Table 2']]));
    assert.equal(r.report.winners.table.number, 'Table 1');
    assert.equal(r.report.metrics[0].stats.number, 'Table 2');
    // Not in this report: no number, in the report or the notebook.
    assert.equal(r.report.resources.number, undefined);
    assert.match(reportTableOutputHtml(r.report.resources), /<caption><span class="label">Table\.<\/span>/);
  });
});

describe('batch numbering', () => {
  test('the stored batch 0 is batch 1 in progress lines, charts and notebook tables', () => {
    const rows: BatchRow[] = readBatches(fixture);
    const first = rows.find((r) => r.batch === 0)!;
    // Progress line of `cloudbench run`.
    let out = '';
    const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    const progress = createProgressRenderer(stream);
    progress.onEvent({ type: 'start', runId: 'r', dir: '/d', platforms: ['aws', 'azure'], batches: 6, steps: 4, stepsDone: 0, resumed: false, shard: { index: 0, count: 3 } });
    progress.onEvent({ type: 'batch', row: first, stepsDone: 1, steps: 4 });
    assert.match(out, new RegExp(`${first.platform} batch 1/6:`));
    assert.match(out, /shard 0 of 3: batches 1, 4; 2 per platform/);
    assert.equal(shardBatches(0, 2, 10), 'batches 1, 3, 5, …');
    assert.equal(shardBatches(2, 3, 3), 'batch 3');
    // Chart points and axis.
    const points = batchPoints(rows, 'uploadSPerMiB');
    assert.deepEqual([...new Set(points.map((p) => p.batch))].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    // Every batch axis of the chart starts at 1 (half a batch of room before it).
    const axes = [...JSON.stringify(batchSeriesSpec(points, { platforms: ['aws', 'azure'], valueTitle: 's/MiB' })).matchAll(/"x":\{"field":"batch".*?"domain":\[([\d.]+),[\d.]+\].*?"values":\[(\d+)/g)];
    assert.ok(axes.length >= 2, 'a batch axis per platform');
    for (const [, lo, firstTick] of axes) assert.deepEqual([lo, firstTick], ['0.5', '1']);
    // Notebook table of the run's rows (what showTable(run.batches) shows), and of chart points (already from 1).
    const html = tableHtml(rows, { columns: ['platform', 'batch', 'warmup'] });
    assert.match(html, new RegExp(`<tr><td style="text-align:left">${first.platform}</td><td style="text-align:right">1</td><td style="text-align:left">true</td></tr>`));
    assert.doesNotMatch(html, /<td style="text-align:right">0<\/td>/);
    assert.match(html, /batch: numbered from 1/);
    const pointsHtml = tableHtml(points, { columns: ['platform', 'batch'] });
    assert.match(pointsHtml, /<td style="text-align:right">1<\/td>/);
    assert.doesNotMatch(pointsHtml, /<td style="text-align:right">7<\/td>|numbered from 1/);
  });
});
