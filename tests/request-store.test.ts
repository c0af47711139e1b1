/**
 * The columnar request store: sealed Parquet files give the analysis exactly what the append log
 * gives it; the files are standard Parquet that an independent reader (hyparquet; pandas/pyarrow
 * when installed) reads with the records' types and partition columns; a store that is incomplete,
 * corrupt or stale after a resume is never used silently.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { analyzeRun } from '../src/analysis/analyze-run';
import { LATENCY_PROBABILITIES } from '../src/analysis/request-stats';
import { sealedFiles, stepFileName } from '../src/experiment/request-store/layout';
import { RunSealing } from '../src/experiment/request-store/run-sealing';
import { sealRunFolder } from '../src/experiment/request-store/seal-run';
import { readRun, readRunSummary, type RunSummaryData } from '../src/experiment/run-reader';
import { readManifest, readRequests, repairForResume, writeManifest } from '../src/experiment/run-store';
import type { RequestRow } from '../src/schema/records';
import { writeSyntheticRun } from './fixtures/synthetic-run';
import { runCli } from './helpers/cli';

function fixture(opts: Parameters<typeof writeSyntheticRun>[1] = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-columnar-'));
  return writeSyntheticRun(dir, { batches: 8, batchSize: 40, retryRate: 0.05, failRate: 0.02, ...opts });
}

const NOW = new Date('2025-02-01T00:00:00Z');

/** A model's numbers to 12 significant digits: the stores sum latencies in different orders. */
function rounded(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v));
}

test('the sealed files give the analysis what the log gives it: same counts, same quantiles to the last bit', async () => {
  const dir = fixture();
  const fromLog = await readRunSummary(dir, LATENCY_PROBABILITIES);
  assert.equal(fromLog.store, 'jsonl');
  const sealed = await sealRunFolder(dir);
  assert.equal(sealed.rows, 8 * 2 * 40 * 3);
  const fromParquet = await readRunSummary(dir, LATENCY_PROBABILITIES);
  assert.equal(fromParquet.store, 'parquet');
  assert.deepEqual(fromParquet.notes, []);

  const key = (c: { platform: string; batch?: number; phase: string }) => `${c.platform}/${c.batch ?? ''}/${c.phase}`;
  const sortCells = (s: RunSummaryData) => [...s.cells].sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(rounded(sortCells(fromParquet)), rounded(sortCells(fromLog)));
  for (const d of fromLog.latency) {
    const p = fromParquet.latency.find((x) => key(x) === key(d))!;
    assert.equal(p.n, d.n);
    assert.deepEqual(p.quantilesMs, d.quantilesMs, `${key(d)} quantiles`);
    assert.deepEqual(p.ttfb, d.ttfb, `${key(d)} ttfb`);
    assert.equal(p.maxMs, d.maxMs);
    assert.ok(Math.abs(p.meanMs! - d.meanMs!) <= 1e-12 * d.meanMs!, `${key(d)} mean`);
  }
  assert.deepEqual(rounded(analyzeRun(fromParquet, { now: NOW })), rounded(analyzeRun(fromLog, { now: NOW })));
  // And the rows themselves, for a notebook's DataFrame.
  const byKey = (rows: RequestRow[]) => [...rows].sort((a, b) => `${a.phase}${a.key}`.localeCompare(`${b.phase}${b.key}`));
  assert.deepEqual(byKey((await readRun(dir)).requestRows), byKey(readRequests(dir)));
});

test('the files are standard Parquet: an independent reader sees the records\' types, one partition per run, platform and phase', async () => {
  const dir = fixture();
  await sealRunFolder(dir);
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const log = readRequests(dir);
  const { files } = sealedFiles(dir);
  assert.equal(files.length, 6);
  for (const f of files) {
    assert.match(path.relative(dir, f.file), /^requests\/run=20250101-120000-f1x7\/platform=(aws|azure)\/phase=(upload|download|inference)\/part-b00000-b00007\.parquet$/);
    const buffer = await asyncBufferFromFile(f.file);
    const metadata = await parquetMetadataAsync(buffer);
    const types = Object.fromEntries(metadata.schema.slice(1).map((s) => [s.name, `${s.type}${s.converted_type ? `/${s.converted_type}` : ''}`]));
    assert.deepEqual(types, {
      batch: 'INT32/INT_32', key: 'BYTE_ARRAY/UTF8', bytes: 'INT64/INT_64', startedAt: 'INT64/INT_64', monoStartMs: 'DOUBLE',
      durationMs: 'DOUBLE', ttfbMs: 'DOUBLE', attempts: 'INT32/INT_32', ok: 'BOOLEAN', errorCode: 'BYTE_ARRAY/UTF8', detections: 'INT32/INT_32',
    });
    const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    const expected = log.filter((r) => r.platform === f.platform && r.phase === f.phase);
    assert.equal(rows.length, expected.length);
    // INT64 columns come back as bigint; partition columns come from the path.
    const fromFile = rows
      .map((r) => ({ ...r, bytes: Number(r.bytes), startedAt: Number(r.startedAt), run: f.runId, platform: f.platform, phase: f.phase }) as unknown as RequestRow)
      .sort((a, b) => a.key.localeCompare(b.key));
    const fromLog = [...expected].sort((a, b) => a.key.localeCompare(b.key));
    assert.deepEqual(fromFile, fromLog);
  }
});

const python = ['python3'].find((p) => spawnSync(p, ['-c', 'import pandas, pyarrow'], { stdio: 'ignore' }).status === 0);

test('pandas reads the requests folder as one table partitioned by run, platform and phase', { skip: python ? false : 'pandas and pyarrow are not installed for python3' }, async () => {
  const dir = fixture();
  await sealRunFolder(dir);
  const script = [
    'import sys, pandas as pd',
    "df = pd.read_parquet(sys.argv[1])",
    "ok = df[df['ok']]",
    "g = ok.groupby(['platform', 'phase'], observed=True)['durationMs'].median()",
    "print(len(df), sorted(set(df['run'].astype(str))), g.round(6).to_dict())",
  ].join('\n');
  const r = spawnSync(python!, ['-c', script, path.join(dir, 'requests')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^1920 \['20250101-120000-f1x7'\] /);
  // The same medians as the log, over every batch (warm-up included).
  const log = readRequests(dir).filter((x) => x.ok);
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const m = median(log.filter((x) => x.platform === 'aws' && x.phase === 'upload').map((x) => x.durationMs));
  assert.ok(r.stdout.includes(`('aws', 'upload'): ${Number(m.toFixed(6))}`), `${r.stdout} (expected aws upload ${m})`);
});

test('a store that lacks a sealed batch, or cannot be read, is not used: the log is, and a note says why', async () => {
  const dir = fixture();
  await sealRunFolder(dir);
  const { files } = sealedFiles(dir);
  // Corrupt one file: not Parquet any more.
  fs.writeFileSync(files[0].file, 'not parquet');
  const corrupt = await readRunSummary(dir, LATENCY_PROBABILITIES);
  assert.equal(corrupt.store, 'jsonl');
  assert.match(corrupt.notes.join('\n'), /requests\/ could not be read .*read requests\.jsonl instead/);
  // Remove it: the store no longer covers every batch.
  fs.rmSync(files[0].file);
  const partial = await readRunSummary(dir, LATENCY_PROBABILITIES);
  assert.equal(partial.store, 'jsonl');
  assert.match(partial.notes.join('\n'), /requests\/ lacks (aws|azure) batch 1 \w+, .* and \d+ more: read requests\.jsonl instead \(`cloudbench seal .*` rebuilds requests\/\)/);
  // `cloudbench seal` rebuilds it.
  const r = runCli(['seal', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1,920 request rows → 6 Parquet files, [\d.]+ KiB, in /);
  assert.equal((await readRunSummary(dir, LATENCY_PROBABILITIES)).store, 'parquet');
});

test('step files a compaction already covers (a crash between its rename and their removal) are ignored, then removed', async () => {
  const dir = fixture();
  await sealRunFolder(dir);
  const { files } = sealedFiles(dir);
  // A stale step file beside the part that covers its batch: its rows must not count twice.
  fs.copyFileSync(files[0].file, path.join(path.dirname(files[0].file), stepFileName(3)));
  const summary = await readRunSummary(dir, LATENCY_PROBABILITIES);
  assert.equal(summary.store, 'parquet');
  assert.deepEqual(summary.notes, []);
  assert.equal(sealedFiles(dir).superseded.length, 1);
  const sealing = await RunSealing.start(dir, readManifest(dir).runId, false, (m) => assert.fail(m));
  await sealing.finish();
  assert.deepEqual(sealedFiles(dir).superseded, []);
});

test('resuming rebuilds the store from the repaired log, so a batch measured again is never read from old files', async () => {
  const dir = fixture();
  await sealRunFolder(dir);
  // A crash that damaged aws batch 4's rows (0-based) in the log: the repair drops it, to be measured again.
  const m = readManifest(dir);
  m.status = 'interrupted';
  writeManifest(dir, m);
  const lines = fs.readFileSync(path.join(dir, 'requests.jsonl'), 'utf8').split('\n');
  const victim = lines.findIndex((l) => l.includes('"platform":"aws","batch":4'));
  assert.ok(victim >= 0, 'a row of aws batch 4 to damage');
  fs.writeFileSync(path.join(dir, 'requests.jsonl'), [...lines.slice(0, victim), ...lines.slice(victim + 1)].join('\n'));
  const repair = repairForResume(dir, m);
  assert.equal(repair.done.size, 15);
  const warnings: string[] = [];
  const sealing = await RunSealing.start(dir, m.runId, true, (w) => warnings.push(w));
  await sealing.finish();
  assert.deepEqual(warnings, []);
  const summary = await readRunSummary(dir, LATENCY_PROBABILITIES);
  assert.equal(summary.store, 'parquet');
  assert.deepEqual(summary.notes, []);
  assert.equal(summary.batchRows.length, 15);
  // Batches 0–3 and 5–7 of aws: two files, each holding every batch of its range.
  const aws = sealedFiles(dir).files.filter((f) => f.platform === 'aws' && f.phase === 'upload').map((f) => path.basename(f.file)).sort();
  assert.deepEqual(aws, ['part-b00000-b00003.parquet', 'part-b00005-b00007.parquet']);
});

test('cloudbench seal refuses a folder that does not add up, in one line', () => {
  const dir = fixture();
  fs.appendFileSync(path.join(dir, 'requests.jsonl'), 'garbage\n');
  const r = runCli(['seal', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^cloudbench: cannot seal .*: requests\.jsonl line 1921: is not valid JSON; its analysis still works from requests\.jsonl with --exclude-invalid\n$/);
  assert.ok(!fs.existsSync(path.join(dir, 'requests')));
});

test('a summary computed at other probabilities than the analysis reads is refused, not misread', async () => {
  const dir = fixture({ batches: 3, batchSize: 10 });
  const summary = await readRunSummary(dir, [0.5, 0.99]);
  assert.throws(() => analyzeRun(summary, { now: NOW }), /latency summary has 2 quantiles, the analysis needs LATENCY_PROBABILITIES \(101\)/);
});
