import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { batchMetrics, type BatchRow, type RequestRow } from '../src/experiment/records';
import { appendBatch, initRunFiles, readBatches, readRequests, repairForResume } from '../src/experiment/run-store';

function request(platform: string, batch: number, i: number): RequestRow {
  return {
    run: 'r', platform, batch, phase: 'upload', key: `k/${platform}/${batch}/${i}`, bytes: 100, startedAt: 1_700_000_000_000 + i,
    monoStartMs: batch * 1000 + i * 10, durationMs: 5, ttfbMs: null, attempts: 1, ok: true, errorCode: null, detections: null,
  };
}

function batchRow(platform: string, batch: number, rows: RequestRow[]): BatchRow {
  return {
    run: 'r', platform, batch, warmup: false, status: 'ok', images: rows.length, bytes: 100 * rows.length,
    ...batchMetrics(rows, { images: rows.length, bytes: 100 * rows.length }), startedAt: '2026-11-23T00:00:00.000Z',
  };
}

test('resume repair keeps exactly the sealed batches, verbatim, and drops torn lines', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-store-'));
  initRunFiles(dir);
  for (const [platform, batch] of [['aws', 0], ['azure', 0]] as const) {
    const rows = [0, 1, 2].map((i) => request(platform, batch, i));
    appendBatch(dir, rows, batchRow(platform, batch, rows));
  }
  const sealed = fs.readFileSync(path.join(dir, 'requests.jsonl'), 'utf8');
  // A crash: requests of aws#1 written but not its batch row, then half a line of each file.
  fs.appendFileSync(path.join(dir, 'requests.jsonl'), [0, 1].map((i) => `${JSON.stringify(request('aws', 1, i))}\n`).join('') + '{"run":"r","platf');
  fs.appendFileSync(path.join(dir, 'batches.csv'), 'r,aws,1,false,o');

  const done = repairForResume(dir);
  assert.deepEqual([...done].sort(), ['aws#0', 'azure#0']);
  assert.equal(fs.readFileSync(path.join(dir, 'requests.jsonl'), 'utf8'), sealed);
  assert.deepEqual(readBatches(dir).map((b) => `${b.platform}#${b.batch}`), ['aws#0', 'azure#0']);
  assert.equal(readRequests(dir).length, 6);
  assert.ok(fs.readFileSync(path.join(dir, 'batches.csv'), 'utf8').endsWith('\n'));
});
