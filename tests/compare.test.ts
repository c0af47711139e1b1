/**
 * Run versus run and the history of a configuration: changes injected into seeded runs are found
 * in the right direction, unchanged metrics read `~`, numbers match a computation from the run's
 * own batches.csv, and the commands say what they refuse in one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { analysisOf } from '../src/analysis/analyze-run';
import { compareRuns, type RunComparison } from '../src/analysis/compare';
import { runHistory, type RunHistory } from '../src/analysis/history';
import type { AnalysisModel } from '../src/analysis/model';
import { writeSyntheticRun, type SyntheticRunOptions } from './fixtures/synthetic-run';
import { runCli } from './helpers/cli';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-compare-'));
const DAY = 86_400_000;

function run(name: string, i: number, opts: SyntheticRunOptions = {}): string {
  return writeSyntheticRun(path.join(root, 'runs', name), {
    batches: 12,
    batchSize: 8,
    seed: 100 + i,
    runId: `2025010${i + 1}-120000-r${i}`,
    startedAt: new Date(Date.UTC(2025, 0, 1) + i * DAY),
    ...opts,
  });
}

// Days 0–2 as usual; from day 3 aws uploads take 1.5× as long; azure inference halves on day 3.
const dirs = [0, 1, 2, 3, 4].map((i) => run(`day-${i}`, i, i >= 3 ? { slowdown: { aws: { upload: 1.5 }, ...(i === 3 ? { azure: { inference: 0.5 } } : {}) } } : {}));
// Day 4 carries the azure speed-up back to normal: the history should see it both ways.
const other = run('other-config', 7, { configHash: 'e'.repeat(64), batches: 5 });
const models = new Map<string, AnalysisModel>();
/** Analysed once per folder (compareRuns and runHistory only read the model). */
const model = (dir: string): AnalysisModel => models.get(dir)!;
const otherData = writeSyntheticRun(path.join(root, 'elsewhere', 'other-data'), { batches: 6, seed: 8, datasetSha256: 'b'.repeat(64) });

before(async () => {
  for (const dir of [...dirs, other, otherData]) models.set(dir, (await analysisOf(dir)).model);
});

/** Median of a platform's measured batch values, straight from batches.csv (an independent reading of the run). */
function csvMedian(dir: string, platform: string, column: string): number {
  const rows = parse(fs.readFileSync(path.join(dir, 'batches.csv')), { columns: true }) as Record<string, string>[];
  const values = rows
    .filter((r) => r.platform === platform && r.warmup === 'false' && r.status === 'ok')
    .map((r) => Number(r[column]))
    .sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

function row(c: RunComparison, platform: string, metric: string, against = 1) {
  const r = c.rows.find((x) => x.platform === platform && x.metric === metric && x.against === against);
  assert.ok(r, `${platform} ${metric} row`);
  return r;
}

test('an injected slowdown is "worse", a speed-up "better", everything else "~"', () => {
  const c = compareRuns([model(dirs[2]), model(dirs[3])]);
  assert.equal(row(c, 'aws', 'uploadSPerMiB').verdict, 'worse');
  assert.equal(row(c, 'azure', 'inferenceSPerMiB').verdict, 'better');
  // Throughput is higher-is-better: faster inference raises it.
  assert.equal(row(c, 'azure', 'throughputMiBps').verdict, 'better');
  for (const r of c.rows) {
    const injected = (r.platform === 'aws' && r.metric === 'uploadSPerMiB') || (r.platform === 'azure' && r.metric !== 'uploadSPerMiB' && r.metric !== 'downloadSPerMiB');
    if (!injected) assert.equal(r.verdict, '~', `${r.platform} ${r.metric}: ${r.verdict} (p ${r.pHolm})`);
  }
});

test('medians, change and interval agree with the runs\' own batch rows', () => {
  const c = compareRuns([model(dirs[2]), model(dirs[3])]);
  const r = row(c, 'aws', 'uploadSPerMiB');
  const old = csvMedian(dirs[2], 'aws', 'uploadSPerMiB');
  const now = csvMedian(dirs[3], 'aws', 'uploadSPerMiB');
  assert.ok(Math.abs(r.old!.median - old) < 1e-12 && Math.abs(r.new!.median - now) < 1e-12);
  assert.equal(r.old!.n, 11); // 12 batches, 1 warm-up
  assert.ok(Math.abs(r.changePct! - ((now - old) / old) * 100) < 1e-9);
  assert.ok(Math.abs(r.difference!.estimate - (now - old)) < 1e-12);
  assert.ok(r.difference!.lower < r.difference!.estimate && r.difference!.estimate < r.difference!.upper);
  // Holm never lowers a p-value, and the correction covers every tested row.
  for (const x of c.rows) if (x.pValue !== null) assert.ok(x.pHolm! >= x.pValue);
  assert.equal(c.rows.length, 8);
});

test('a run compared with itself changes nothing', () => {
  const m = model(dirs[1]);
  const c = compareRuns([m, m]);
  for (const r of c.rows) {
    assert.equal(r.verdict, '~');
    assert.equal(r.changePct, 0);
  }
  assert.deepEqual(c.configDifferences, []);
});

test('runs of different datasets are refused unless asked; different configs are named', () => {
  const a = model(dirs[0]);
  const b = model(otherData);
  assert.throws(() => compareRuns([a, b]), /measured different datasets .*--allow-different-datasets/);
  assert.equal(compareRuns([a, b], { allowDifferentDatasets: true }).sameDataset, false);
  const c = compareRuns([a, model(other)]);
  assert.deepEqual(c.configDifferences.map((d) => d.field), ['batches', 'dataset']);
});

test('history groups runs by config and names the changes between consecutive runs', () => {
  const h: RunHistory = runHistory([...dirs, other].map(model));
  assert.equal(h.groups.length, 2);
  const g = h.groups.find((x) => x.configHash === 'f'.repeat(64))!;
  assert.deepEqual(g.runs.map((r) => r.runId), dirs.map((_, i) => `2025010${i + 1}-120000-r${i}`));
  const changed = g.series.flatMap((s) => s.points.filter((p) => p.change?.verdict === 'better' || p.change?.verdict === 'worse').map((p) => `${p.runId} ${s.platform} ${s.metric} ${p.change!.verdict}`));
  assert.ok(changed.includes('20250104-120000-r3 aws uploadSPerMiB worse'), changed.join('\n'));
  assert.ok(changed.includes('20250104-120000-r3 azure inferenceSPerMiB better'), changed.join('\n'));
  assert.ok(changed.includes('20250105-120000-r4 azure inferenceSPerMiB worse'), changed.join('\n'));
  // Nothing was injected between days 0, 1 and 2.
  assert.ok(!changed.some((c) => /r[12] /.test(c)), changed.join('\n'));
  const aws = g.series.find((s) => s.platform === 'aws' && s.metric === 'uploadSPerMiB')!;
  assert.equal(aws.points[0].change, null);
  assert.ok(Math.abs(aws.points[2].median - csvMedian(dirs[2], 'aws', 'uploadSPerMiB')) < 1e-12);
  for (const p of aws.points) assert.ok(p.lower! <= p.median && p.median <= p.upper!);
});

test('cloudbench compare prints the table and writes an HTML comparison', () => {
  const out = path.join(root, 'compare-out');
  const r = runCli(['compare', dirs[2], dirs[3], '--out', out, '--format', 'html']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}upload \(s\/MiB\) +aws +11 \/ 11 .* worse$/m);
  assert.match(r.stdout, /aws upload got worse: median \d/);
  const html = fs.readFileSync(path.join(out, 'compare.html'), 'utf8');
  assert.match(html, /<svg/);
  assert.match(html, /Table 1\.<\/span> Run 20250104-120000-r3 against the baseline 20250103-120000-r2/);
  const json = runCli(['compare', dirs[2], dirs[3], '--json']);
  assert.equal((JSON.parse(json.stdout) as RunComparison).rows.length, 8);
});

test('cloudbench history shows the repeated configuration and lists the rest', () => {
  const out = path.join(root, 'history-out');
  const r = runCli(['history', path.join(root, 'runs'), '--out', out, '--format', 'html']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /20250104-120000-r3: aws upload got worse/);
  assert.match(r.stderr, /not shown, run once so far: eeeeeeeeeeee/);
  assert.ok(fs.readFileSync(path.join(out, 'history.html'), 'utf8').includes('Rings mark significant changes'));
  const one = runCli(['history', path.join(root, 'runs'), '--config', 'eeee', '--json']);
  assert.equal(one.status, 0, one.stderr);
  assert.equal((JSON.parse(one.stdout) as RunHistory).groups[0].runs.length, 1);
});

test('compare and history refuse bad input in one line', () => {
  const cases: [string[], RegExp][] = [
    [['compare', dirs[0]], /compare needs at least two runs/],
    [['compare', dirs[0], path.join(root, 'nope')], /nope does not exist/],
    [['compare', dirs[0], dirs[1], dirs[0]], /are the same run \(20250101-120000-r0\): compare needs different runs/],
    [['compare', dirs[0], dirs[1], '--format', 'html'], /--format needs --out/],
    [['compare', dirs[0], dirs[1], '--alpha', '2'], /--alpha takes a number between 0 and 1/],
    [['history', path.join(root, 'empty-dir-that-is-not-there')], /has no run folders with completed batches/],
    [['history', path.join(root, 'runs'), '--config', '1234'], /no run in .* has a config hash starting with 1234/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
