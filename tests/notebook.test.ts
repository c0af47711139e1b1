import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseParameterArgs } from '../src/notebook/parameters';
import { readyJupyterPython, runNotebook } from '../src/notebook/run-notebook';
import { writeSyntheticRun } from './fixtures/synthetic-run';
import { ROOT, runCli } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-nbtest-'));
process.env.CLOUDBENCH_CACHE_DIR ??= path.join(tmp, 'cache');

// The project's venv (scripts/run-tests.cjs makes it before the tests), else a system Jupyter.
const jupyterMissing: string | false = readyJupyterPython() ? false : 'no Jupyter: the project venv could not be made (see `npm run lab`) and no system nbclient';

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source: string;
  metadata: Record<string, unknown>;
  outputs?: Output[];
}

function notebook(cells: { source: string; tags?: string[] }[]): string {
  const file = path.join(tmp, `nb-${Math.random().toString(36).slice(2)}.ipynb`);
  fs.writeFileSync(file, JSON.stringify({
    cells: cells.map((c, i) => ({ cell_type: 'code', id: `c${i}`, metadata: c.tags ? { tags: c.tags } : {}, source: c.source, outputs: [], execution_count: null })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  }));
  return file;
}

function outputsOf(file: string): Output[][] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] };
  return nb.cells.map((c) => c.outputs ?? []);
}

function text(o: Output): string {
  return Array.isArray(o.text) ? o.text.join('') : (o.text ?? '');
}

describe('parameters', () => {
  test('values parse as JSON when they can, else as strings', () => {
    assert.deepEqual(parseParameterArgs(['a=3', 'b=true', 'c=eu-west-1', 'd="7"', 'e=']), { a: 3, b: true, c: 'eu-west-1', d: '7', e: '' });
    assert.throws(() => parseParameterArgs(['novalue']), /key=value/);
    assert.throws(() => parseParameterArgs(['1x=2']), /not a valid TypeScript identifier/);
  });
});

test('kernel-install writes a kernelspec of its own name whose command is this checkout\'s tslab, leaving a tslab kernel alone', () => {
  const dir = path.join(tmp, 'jupyter-data');
  const theirs = path.join(dir, 'kernels', 'tslab', 'kernel.json');
  fs.mkdirSync(path.dirname(theirs), { recursive: true });
  fs.writeFileSync(theirs, '{"argv": ["their-tslab"], "display_name": "TypeScript", "language": "typescript"}');
  const r = runCli(['notebook', 'kernel-install', '--dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(fs.readFileSync(theirs, 'utf8'), /their-tslab/, 'a user\'s tslab kernel was overwritten');
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernels', 'cloudbench-ts', 'kernel.json'), 'utf8')) as { argv: string[]; language: string };
  assert.equal(spec.argv[1], path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab'));
  assert.equal(spec.language, 'typescript');
  assert.ok(fs.existsSync(spec.argv[0]) && fs.existsSync(spec.argv[1]), spec.argv.join(' '));
  assert.deepEqual(spec.argv.slice(2), ['kernel', '--config-path', '{connection_file}']);
});

describe('headless notebook execution', { skip: jupyterMissing }, () => {
  test('injected parameters override the defaults; per-cell timing is recorded', async () => {
    const file = notebook([
      { source: 'let greeting = "hello";\nlet times = 1;', tags: ['parameters'] },
      { source: 'console.log(greeting.repeat(times));' },
    ]);
    const out = path.join(tmp, 'params.out.ipynb');
    const result = await runNotebook(file, { params: { greeting: 'hey', times: 2 }, out });
    const outputs = outputsOf(out);
    assert.equal(outputs.length, 3, 'an injected cell follows the parameters cell');
    assert.equal(text(outputs[2][0]).trim(), 'heyhey');
    assert.equal(result.cells.length, 3);
    const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as { cells: Cell[] };
    assert.deepEqual(nb.cells[1].metadata.tags, ['injected-parameters']);
    for (const c of nb.cells) assert.equal(typeof (c.metadata.cloudbench as { durationMs: number }).durationMs, 'number');

    // Without overrides the defaults stand.
    await runNotebook(file, { out });
    assert.equal(text(outputsOf(out)[1][0]).trim(), 'hello');

    await assert.rejects(runNotebook(file, { params: { nope: 1 }, out }), /unknown parameter "nope" \(the notebook's parameters: greeting, times\)/);
    // A value of the wrong type is caught by the type checker, in the injected cell.
    await assert.rejects(runNotebook(file, { params: { times: 'x' }, out }), /cell 2 failed[\s\S]*Type 'string' is not assignable to type 'number'/);
  });

  test('a type error fails with its cell number and message, through the CLI too', async () => {
    const file = notebook([
      { source: 'const ok = 1;' },
      { source: 'const n: number = "oops";' },
      { source: 'console.log("never");' },
    ]);
    await assert.rejects(runNotebook(file, { out: path.join(tmp, 'err.out.ipynb') }), (err: Error) => {
      assert.equal(err.name, 'NotebookError');
      assert.match(err.message, /cell 2 failed \(const n: number = "oops";\):\n.*Type 'string' is not assignable to type 'number'/);
      return true;
    });
    const cli = runCli(['notebook', 'run', file, '--out', path.join(tmp, 'err2.out.ipynb')]);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /^cloudbench: .*cell 2 failed/);
    // Progress: a line per code cell as it ends, the failing one marked.
    assert.match(cli.stdout, /^  cell 1\/3 +[\d.]+ m?s  const ok = 1;$/m, cli.stdout);
    assert.match(cli.stdout, /^  cell 2\/3 +FAILED  const n: number = "oops";$/m, cli.stdout);
    assert.doesNotMatch(cli.stdout, /cell 3\/3/);
    assert.doesNotMatch(cli.stderr, /at .*\.ts:\d+/, 'no stack trace of ours');
  });

  test('a UserError thrown in a cell shows as one line; a bug keeps its trace', async () => {
    // `import … from "cloudbench"` resolves from the notebook's folder, as in a user's project.
    const dir = path.join(tmp, 'cell-errors');
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'cloudbench'), 'dir');
    const stderrOf = async (source: string): Promise<string> => {
      const file = path.join(dir, `${Math.random().toString(36).slice(2)}.ipynb`);
      fs.renameSync(notebook([{ source }]), file);
      const out = file.replace(/\.ipynb$/, '.out.ipynb');
      await assert.rejects(runNotebook(file, { out }));
      return outputsOf(out)[0].filter((o) => o.output_type === 'stream').map(text).join('');
    };
    // Awaited: tslab reports it from the cell's promise (a config mistake is a ConfigError, a UserError).
    const user = await stderrOf('import { loadRun } from "cloudbench";\nawait loadRun("/nonexistent-run-folder");');
    assert.match(user, /^\w*Error: .*nonexistent-run-folder.*\n?$/, user);
    const config = await stderrOf('import { parseExperimentConfig } from "cloudbench";\nparseExperimentConfig({ name: "x", platforms: { aws: "local:aws" }, dataset: { type: "synthetic", count: 4 }, batches: -1 });');
    assert.match(config, /^ConfigError: config\.batches: [^\n]*\n?$/, config);
    const bug = await stderrOf('const o: any = undefined;\nconsole.log(o.x);');
    assert.match(bug, /TypeError: Cannot read properties of undefined[\s\S]*\n\s+at /, bug);
  });

  test('01-quickstart runs against the local stack and shows the table and the charts', async () => {
    const out = path.join(tmp, '01.out.ipynb');
    await runNotebook(path.join(ROOT, 'notebooks', '01-quickstart.ipynb'), { params: { batches: 2, batchSize: 8, outDir: path.join(tmp, 'runs') }, out });
    const all = outputsOf(out).flat();
    const html = all.map((o) => String(o.data?.['text/html'] ?? '')).join('');
    assert.match(html, /<table class="cloudbench"><caption>Per-batch metrics<\/caption>/);
    // Headers aligned over their values (JupyterLab would right-align every cell).
    assert.match(html, /<th style="text-align:right">throughputMiBps<\/th>/);
    assert.match(html, /<th style="text-align:left">platform<\/th>/);
    // nbformat may store multi-line strings as lists of lines.
    const svgs = all.map((o) => o.data?.['image/svg+xml']).filter((s) => s !== undefined).map((s) => (Array.isArray(s) ? s.join('') : String(s)));
    assert.ok(svgs.every((s) => s.startsWith('<svg')), 'SVG markup');
    assert.ok(svgs.length >= 2, 'charts as SVG');
    assert.ok(all.some((o) => o.data?.['application/vnd.vegalite.v5+json']), 'the Vega-Lite bundle for JupyterLab');
    assert.ok(all.some((o) => /stack stopped/.test(text(o))));
    assert.ok(!all.some((o) => /Warning/.test(text(o))), 'no warnings in the notebook');
  });
  test('02-compare-aws-azure runs the full protocol on the local stack with every table and figure inline', async () => {
    const out = path.join(tmp, '02.out.ipynb');
    await runNotebook(path.join(ROOT, 'notebooks', '02-compare-aws-azure.ipynb'), {
      params: { batches: 3, batchSize: 8, syntheticCount: 24, outDir: path.join(tmp, 'runs02') },
      out,
    });
    const all = outputsOf(out).flat();
    const html = all.map((o) => { const h = o.data?.['text/html']; return Array.isArray(h) ? h.join('') : String(h ?? ''); }).join('');
    for (const caption of ['Upload time per MiB per platform', 'Tests of the throughput', 'Per-request latency', 'Cost per platform', 'Best platform per criterion', 'per business requirement', 'capability matrix']) {
      assert.ok(html.toLowerCase().includes(caption.toLowerCase()), `missing "${caption}" table`);
    }
    assert.doesNotMatch(html, /\[\[(tab|fig)-/, 'unresolved cross-reference');
    assert.doesNotMatch(html, /NaN/);
    const svgs = all.filter((o) => o.data?.['image/svg+xml'] !== undefined);
    assert.ok(svgs.length >= 8, `expected the per-metric figures, got ${svgs.length} SVGs`);
  });

  test('04-load-and-scaling runs a sweep on the autoscaled local stack: capacity, the figures, a cold start', async () => {
    const out = path.join(tmp, '04.out.ipynb');
    await runNotebook(path.join(ROOT, 'notebooks', '04-load-and-scaling.ipynb'), {
      // A target loose enough for a machine busy with other tests: this checks the notebook works, not a capacity.
      params: { rates: '2,4', stepSeconds: 3, minRequests: 10, sloMs: 8000, coldIdleSeconds: 5, cooldownSeconds: 3, outDir: path.join(tmp, 'runs04') },
      out,
    });
    const all = outputsOf(out).flat();
    const printed = all.map(text).join('');
    assert.match(printed, /aws @ 4 req\/s: achieved [\d.]+ req\/s, p50 [\d.]+ ms, p99 [\d.]+ ms corrected/);
    assert.match(printed, /cold start: \d+ ms for the first request after idle/);
    const html = all.map((o) => { const h = o.data?.['text/html']; return Array.isArray(h) ? h.join('') : String(h ?? ''); }).join('');
    for (const caption of ['Latency under open-loop load', 'Capacity at the latency target', 'Where the time goes', 'generator’s own accuracy']) {
      assert.ok(html.includes(caption), `missing "${caption}" table`);
    }
    assert.doesNotMatch(html, /NaN/);
    const svgs = all.filter((o) => o.data?.['image/svg+xml'] !== undefined);
    assert.equal(svgs.length, 3, 'hockey stick, timeline, distribution');
    assert.ok(all.some((o) => /stack stopped/.test(text(o))));
  });

  test('03-regenerate-report picks the newest run by start time (never the shipped sample), writes only into a folder of its own', async () => {
    // A reports folder as a user has it: the shipped sample (made to look newest), an old run, and 02's run.
    const reports = path.join(tmp, 'reports03');
    const runs = path.join(tmp, 'runs02');
    const newest = fs.readdirSync(runs).find((d) => fs.existsSync(path.join(runs, d, 'manifest.json')))!;
    fs.cpSync(path.join(runs, newest), path.join(reports, newest), { recursive: true });
    fs.cpSync(path.join(ROOT, 'reports', 'sample'), path.join(reports, 'sample'), { recursive: true });
    const sampleManifest = path.join(reports, 'sample', 'manifest.json');
    fs.writeFileSync(sampleManifest, fs.readFileSync(sampleManifest, 'utf8').replace(/"startedAt": "[^"]+"/, '"startedAt": "2099-01-01T00:00:00.000Z"'));
    writeSyntheticRun(path.join(reports, 'zz-older-run'), { batches: 3, batchSize: 2 }); // sorts last by name, started 2025
    // Every file under the folder (the run's requests/ store included): name, size, modification time.
    const snapshot = (dir: string) =>
      (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort()
        .map((f) => `${f}:${fs.statSync(path.join(dir, f)).size}:${fs.statSync(path.join(dir, f)).mtimeMs}`);
    const sampleBefore = snapshot(path.join(reports, 'sample'));
    const runBefore = snapshot(path.join(reports, newest));

    const out = path.join(tmp, '03.out.ipynb');
    await runNotebook(path.join(ROOT, 'notebooks', '03-regenerate-report.ipynb'), { params: { reportsDir: reports, formats: 'html' }, out });
    const printed = outputsOf(out).flat().map(text).join('');
    assert.match(printed, new RegExp(`^${newest} \\(started `, 'm'), printed.slice(0, 400));
    assert.match(printed, /Cost effectiveness: \w+ \(was \w+\)|Cost effectiveness: tie \(was/, 'the weight change shows in the verdicts');
    const regenerated = path.join(reports, `regenerated-${newest}`);
    assert.ok(fs.existsSync(path.join(regenerated, 'report.html')));
    assert.match(fs.readFileSync(path.join(regenerated, 'templates', 'requirements.yaml'), 'utf8'), /\{ cost: runCost, weight: 0 \}/);
    assert.deepEqual(snapshot(path.join(reports, 'sample')), sampleBefore, 'the sample was written to');
    assert.deepEqual(snapshot(path.join(reports, newest)), runBefore, 'the run folder was written to');
    const html = outputsOf(out).flat().map((o) => { const h = o.data?.['text/html']; return Array.isArray(h) ? h.join('') : String(h ?? ''); }).join('');
    assert.match(html, /<iframe srcdoc=/, 'report preview');
  });
});
