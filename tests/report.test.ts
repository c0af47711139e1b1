import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import * as vl from 'vega-lite';
import { registerReportCommand } from '../src/cli/report-command';
import { UserError } from '../src/errors';
import { batchPoints } from '../src/analysis/figure-data';
import { readBatches } from '../src/experiment/run-store';
import {
  allFigures,
  allTables,
  BrowserNotFoundError,
  figureHtml,
  tableHtml,
  batchOverlaySpec,
  batchSeriesSpec,
  boxplotSpec,
  defaultTemplateDir,
  findBrowser,
  renderReport,
  renderSvg,
} from '../src/report';
import { writeSyntheticRun } from './fixtures/synthetic-run';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-report-test-'));
const fixture = path.join(tmp, 'fixture');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(() => {
  writeSyntheticRun(fixture, { batches: 10, batchSize: 6, retryRate: 0.03, failRate: 0.01 });
});

/** Caption lines of the HTML: "Table 3. Upload time per MiB per platform (s/MiB)." */
function captions(html: string): string[] {
  const decode = (s: string) => s.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
  return [...html.matchAll(/<(?:caption|figcaption)><span class="label">((?:Table|Figure) \d+)\.<\/span> ([\s\S]*?)<\/(?:caption|figcaption)>/g)].map((m) => decode(`${m[1]}. ${m[2]}`));
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

describe('report HTML', () => {
  test('is byte-identical across renders (figures and tables: tests/report-snapshots.test.ts)', async () => {
    const a = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'a'), withStudy: true });
    const b = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'b'), withStudy: true });
    assert.equal(fs.readFileSync(a.htmlPath, 'utf8'), fs.readFileSync(b.htmlPath, 'utf8'), 'two renders of the same run differ');
  });

  test('is self-contained and paper-ordered', async () => {
    const r = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'order') });
    const html = fs.readFileSync(r.htmlPath, 'utf8');
    // Nothing to fetch: no external scripts, stylesheets, images or fonts.
    assert.doesNotMatch(html, /<script|<link|<img|@import|url\(http/i);
    assert.match(html, /<style>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 15, '4 metrics × 3 figures + 3 latency figures');
    const order = ['id="tab-resources"', 'id="tab-method"', 'id="metric-upload"', 'id="metric-download"', 'id="metric-inference"', 'id="metric-throughput"', 'id="tab-latency"', 'id="tab-failures"', 'id="tab-cost-summary"', 'id="tab-winners"', 'id="tab-requirements"', 'id="tab-capabilities"', 'id="tab-manifest"'];
    const at = order.map((s) => html.indexOf(s));
    assert.ok(at.every((i) => i > 0), `missing: ${order.filter((_, i) => at[i] < 0).join(', ')}`);
    assert.deepEqual([...at].sort((x, y) => x - y), at, 'sections out of order');
    // Numbered in document order, every reference resolved.
    const caps = captions(html);
    const tables = caps.filter((c) => c.startsWith('Table')).map((c) => Number(/Table (\d+)/.exec(c)![1]));
    assert.deepEqual(tables, tables.map((_, i) => i + 1));
    assert.doesNotMatch(html, /\uE100|\[\[(tab|fig)-|not in this report|NaN|undefined/);
    // No study columns unless asked for.
    assert.doesNotMatch(html, /Study \(2023\)/);
    // Times come from the manifest.
    assert.match(html, /2025-01-01 12:00:00 UTC/);
  });

  test('--with-study adds columns labelled as the study’s', async () => {
    const r = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'study'), withStudy: true });
    const html = fs.readFileSync(r.htmlPath, 'utf8');
    assert.match(html, /<th class="right study" scope="col">Study \(2023\) mean ± SD \(s\/MB\)<\/th>/);
    assert.match(html, /<td class="right study">1\.84 ± 0\.12<\/td>/, 'the study’s Table 3 value for aws, as printed');
  });

  test('a tiny run (1 batch per platform) says "insufficient data" and never prints NaN', async () => {
    const dir = writeSyntheticRun(path.join(tmp, 'tiny'), { batches: 1, batchSize: 3, warmupBatches: 0 });
    const r = await renderReport(dir, { formats: ['html'] });
    const html = fs.readFileSync(r.htmlPath, 'utf8');
    assert.match(html, /insufficient data/i);
    assert.doesNotMatch(html, /NaN|Infinity|undefined/);
    // Even with every batch a warm-up (nothing measured), the report renders and says why charts are empty.
    const none = writeSyntheticRun(path.join(tmp, 'none'), { batches: 1, batchSize: 3, warmupBatches: 1 });
    const html2 = fs.readFileSync((await renderReport(none, { formats: ['html'] })).htmlPath, 'utf8');
    assert.match(html2, /No measured batch has a value/);
    assert.doesNotMatch(html2, /NaN|Infinity|undefined/);
  });

  test('three platforms render (the third has no pricing)', async () => {
    const dir = writeSyntheticRun(path.join(tmp, 'three'), { batches: 6, batchSize: 4, platforms: ['aws', 'azure', 'oci'] });
    const r = await renderReport(dir, { formats: ['html'] });
    const html = fs.readFileSync(r.htmlPath, 'utf8');
    assert.doesNotMatch(html, /NaN|Infinity|undefined/);
    assert.match(html, /<td class="left">aws vs oci<\/td>/);
    assert.match(html, /<td class="left">azure vs oci<\/td>/);
    assert.match(html, /not priced/);
    // Three panels in each per-platform series figure (one title per platform).
    const series = /<figure class="figure" id="fig-series-upload">[\s\S]*?<\/figure>/.exec(html)![0];
    for (const p of ['aws', 'azure', 'oci']) assert.match(series, new RegExp(`>${p}</text>`));
  });

  test('a user template replaces the default; placeholders are checked', async () => {
    const dir = path.join(tmp, 'my-template');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'report.md'), '# Mine: {{run.id}}\n\n{{table:tab-winners}}\n\n{{figure:fig-box-upload}}\n\nSee [[tab-winners]].\n');
    fs.writeFileSync(path.join(dir, 'report.css'), 'body { color: black; }\n');
    const r = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'mine'), templateDir: dir });
    const html = fs.readFileSync(r.htmlPath, 'utf8');
    assert.match(html, /<h1>Mine: 20250101-120000-f1x7<\/h1>/);
    assert.deepEqual(captions(html).map((c) => c.split('.')[0]), ['Table 1', 'Figure 1']);
    assert.match(html, /body \{ color: black; \}/);

    fs.writeFileSync(path.join(dir, 'report.md'), '# x\n\n{{sumary}}\n');
    await assert.rejects(renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'mine'), templateDir: dir }), (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /report\.md:3: unknown placeholder \{\{sumary\}\}; known: summary/);
      return true;
    });
    fs.rmSync(path.join(dir, 'report.css'));
    await assert.rejects(renderReport(fixture, { templateDir: dir }), /report\.css not found/);
  });

  test('tables and figures render on their own (notebooks), without document markers, numbered as in the report', async () => {
    const r = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'parts') });
    for (const t of allTables(r.report)) {
      const html = tableHtml(t);
      assert.match(html, new RegExp(`<caption><span class="label">${t.number ?? 'Table'}\\.</span>`));
      assert.doesNotMatch(html, /[\uE000-\uF8FF]|\[\[/);
    }
    const f = allFigures(r.report)[0];
    assert.match(figureHtml(f, (await renderSvg(f.spec!, f.id)).svg), /<figcaption><span class="label">Figure 1\.<\/span>/);
  });

  test('a report regenerated from analysis.json alone is the same report', async () => {
    const fromRun = await renderReport(fixture, { formats: ['html'], outDir: path.join(tmp, 'from-run') });
    const alone = path.join(tmp, 'alone');
    fs.mkdirSync(alone);
    fs.copyFileSync(path.join(tmp, 'from-run', 'analysis.json'), path.join(alone, 'analysis.json'));
    const fromModel = await renderReport(path.join(alone, 'analysis.json'), { formats: ['html'] });
    assert.equal(fromModel.htmlPath, path.join(alone, 'report.html'));
    assert.equal(fs.readFileSync(fromModel.htmlPath, 'utf8'), fs.readFileSync(fromRun.htmlPath, 'utf8'));
    // An analysis.json from before the model carried the report's data is refused in words.
    const old = path.join(tmp, 'old-analysis.json');
    fs.writeFileSync(old, JSON.stringify({ schema: 1, runId: 'x' }));
    await assert.rejects(renderReport(old, { formats: ['html'] }), /schema 1, expected 2\): run `cloudbench analyze` on its run folder again/);
  });

  test('the chart specs are plain Vega-Lite with inline data (usable in notebooks)', async () => {
    const rows = readBatches(fixture);
    const points = batchPoints(rows, 'uploadSPerMiB');
    const opts = { platforms: ['aws', 'azure'], valueTitle: 's/MiB' };
    for (const spec of [batchSeriesSpec(points, opts), batchOverlaySpec(points, opts), boxplotSpec(points, opts)]) {
      const json = JSON.parse(JSON.stringify(spec)) as vl.TopLevelSpec;
      assert.doesNotMatch(JSON.stringify(json), /"url"/);
      assert.ok(vl.compile(json).spec);
      const { svg } = await renderSvg(json, 'x');
      assert.match(svg, /^<svg /);
      assert.doesNotMatch(svg, /NaN/);
    }
  });
});

describe('report PDF', () => {
  const browser = findBrowser();
  const skip = !browser ? 'no Chrome/Chromium: none on the system and no @sparticuz/chromium (not Linux x64, or optional dependencies omitted)' : !hasCommand('pdftotext') ? 'no pdftotext (poppler-utils)' : false;

  test('is A4 with page numbers and contains every table and figure caption', { skip, timeout: 120_000 }, async () => {
    const out = path.join(tmp, 'pdf');
    const r = await renderReport(fixture, { outDir: out, requirePdf: true });
    assert.ok(r.pdfPath && fs.existsSync(r.pdfPath));
    const info = spawnSync('pdfinfo', [r.pdfPath!], { encoding: 'utf8' }).stdout;
    assert.match(info, /Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    const text = spawnSync('pdftotext', ['-enc', 'UTF-8', r.pdfPath!, '-'], { encoding: 'utf8' }).stdout;
    // Line breaks (and hyphenation at them) differ between HTML and PDF text: compare words only.
    const flat = (s: string) => s.replace(/-\s+/g, '-').replace(/\s+/g, ' ').trim();
    const pdfText = flat(text);
    const caps = captions(fs.readFileSync(r.htmlPath, 'utf8'));
    assert.ok(caps.length >= 30, `expected many captions, got ${caps.length}`);
    for (const c of caps) assert.ok(pdfText.includes(flat(c)), `caption missing from the PDF text: ${c}`);
    assert.ok(pdfText.includes(`Page 1 of ${pages}`) && pdfText.includes(`Page ${pages} of ${pages}`), 'page numbers in the footer');
  });

  test('without a browser: a clear message, and the HTML is still written', async () => {
    const emptyPath = fs.mkdtempSync(path.join(tmp, 'path-'));
    // 'system': the npm Chromium would otherwise be found (tests/pdf-bundled.test.ts covers that one).
    const env = { PUPPETEER_EXECUTABLE_PATH: path.join(tmp, 'no-such-chrome'), PATH: emptyPath, CLOUDBENCH_BROWSER: 'system' };
    assert.equal(findBrowser(env), null);
    const finder = () => findBrowser(env);

    // PDF explicitly required: HTML written, then a UserError that says how to get a browser.
    const out = path.join(tmp, 'nobrowser');
    await assert.rejects(renderReport(fixture, { outDir: out, requirePdf: true, findBrowser: finder }), (err: Error) => {
      assert.ok(err instanceof BrowserNotFoundError && err instanceof UserError);
      assert.match(err.message, /sudo apt-get install chromium/);
      assert.match(err.message, /PUPPETEER_EXECUTABLE_PATH/);
      assert.match(err.message, /HTML report was written/);
      return true;
    });
    assert.ok(fs.existsSync(path.join(out, 'report.html')));
    assert.ok(!fs.existsSync(path.join(out, 'report.pdf')));

    // PDF only by default: a warning, no failure.
    const r = await renderReport(fixture, { outDir: path.join(tmp, 'nobrowser2'), findBrowser: finder });
    assert.equal(r.pdfPath, undefined);
    assert.match(r.warnings.join('\n'), /PDF not written: .*sudo apt-get install chromium/);

    // Through the command, with the environment a user would have: --format pdf fails, the default does not.
    const saved = { PATH: process.env.PATH, PUPPETEER_EXECUTABLE_PATH: process.env.PUPPETEER_EXECUTABLE_PATH, CLOUDBENCH_BROWSER: process.env.CLOUDBENCH_BROWSER };
    const errors: string[] = [];
    const origError = console.error;
    const origLog = console.log;
    Object.assign(process.env, env);
    console.error = (...a: unknown[]) => void errors.push(a.join(' '));
    console.log = () => undefined;
    try {
      const program = () => {
        const p = new Command().exitOverride();
        registerReportCommand(p);
        return p;
      };
      const cliOut = path.join(tmp, 'nobrowser-cli');
      await assert.rejects(program().parseAsync(['node', 'cloudbench', 'report', fixture, '--format', 'html,pdf', '--out', cliOut]), BrowserNotFoundError);
      assert.ok(fs.existsSync(path.join(cliOut, 'report.html')));
      await program().parseAsync(['node', 'cloudbench', 'report', fixture, '--out', cliOut]);
      assert.match(errors.join('\n'), /warning: PDF not written: no Chrome\/Chromium found/);
    } finally {
      console.error = origError;
      console.log = origLog;
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

test('the bundled template folder has both files', () => {
  for (const f of ['report.md', 'report.css']) assert.ok(fs.existsSync(path.join(defaultTemplateDir(), f)));
});
