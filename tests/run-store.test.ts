/**
 * The run folder's invariants: resume keeps exactly the batches that add up; every reader refuses
 * (or, asked to, leaves out and names) a batch whose files do not add up, naming file and line;
 * writes check every byte, and a failed write leaves no temp file behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { appendDurably, writeFileAtomically, writeFileAtomicallyOrInPlace } from '../src/durable-files';
import {readBatches, readManifest, readRequests, repairForResume, writeManifest } from '../src/experiment/run-store';
import { readRun } from '../src/experiment/run-reader';
import { writeSyntheticRun } from './fixtures/synthetic-run';

function fixture(opts: Parameters<typeof writeSyntheticRun>[1] = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-store-'));
  return writeSyntheticRun(dir, { batches: 3, batchSize: 4, ...opts });
}
const file = (dir: string, name: string) => path.join(dir, name);
const read = (dir: string, name: string) => fs.readFileSync(file(dir, name), 'utf8');

function setStatus(dir: string, status: 'running' | 'interrupted' | 'complete'): void {
  const m = readManifest(dir);
  m.status = status;
  writeManifest(dir, m);
}

test('resume repair keeps exactly the sealed batches that add up, verbatim, and drops torn lines', async () => {
  const dir = fixture();
  setStatus(dir, 'interrupted');
  const sealedRequests = read(dir, 'requests.jsonl');
  const sealedBatches = read(dir, 'batches.csv');
  const [first] = sealedRequests.split('\n');
  // A crash: rows of a batch in flight (no batch row), then half a line of each file.
  const inflight = JSON.stringify({ ...JSON.parse(first), batch: 3 });
  fs.appendFileSync(file(dir, 'requests.jsonl'), `${inflight}\n{"run":"r","platf`);
  fs.appendFileSync(file(dir, 'batches.csv'), `${sealedBatches.split('\n')[1].slice(0, 20)}`);

  const repair = repairForResume(dir, readManifest(dir));
  assert.equal(repair.done.size, 6);
  assert.equal(read(dir, 'requests.jsonl'), sealedRequests);
  assert.equal(read(dir, 'batches.csv'), sealedBatches);
  assert.ok(repair.dropped.some((d) => /batch 4, which has no batch row/.test(d)), repair.dropped.join('\n'));
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('resume repair drops a sealed batch whose request rows do not add up, so it is measured again', async () => {
  const dir = fixture();
  setStatus(dir, 'interrupted');
  const lines = read(dir, 'requests.jsonl').split('\n');
  const victim = JSON.parse(lines[0]) as { platform: string; batch: number };
  fs.writeFileSync(file(dir, 'requests.jsonl'), lines.slice(1).join('\n'));
  const repair = repairForResume(dir, readManifest(dir));
  assert.equal(repair.done.size, 5);
  assert.ok(!repair.done.has(`${victim.platform}#${victim.batch}`));
  assert.match(repair.dropped.join('\n'), /does not add up with requests\.jsonl: 4 upload rows expected, 3 found/);
  const rows = readRequests(dir);
  assert.ok(rows.every((r) => !(r.platform === victim.platform && r.batch === victim.batch)));
  assert.equal(rows.length, 5 * 12);
});

test('resume repair keeps only rows the check accepts, so the resumed run reads clean', async () => {
  const dir = fixture();
  setStatus(dir, 'interrupted');
  const [first] = read(dir, 'requests.jsonl').split('\n');
  // A stray row of another run, with this run's platform and batch: not counted, so not kept.
  fs.appendFileSync(file(dir, 'requests.jsonl'), `${JSON.stringify({ ...JSON.parse(first), run: 'OTHER' })}\n`);
  await assert.rejects(() => readRun(dir), /run is "OTHER", not this run/);
  const repair = repairForResume(dir, readManifest(dir));
  assert.equal(repair.done.size, 6);
  const run = await readRun(dir);
  assert.equal(run.requestRows.length, 72);
  assert.ok(run.requestRows.every((r) => r.run !== 'OTHER'));
});

/** Each damage, what the refusal must say, and what `exclude` keeps. */
const damages: Array<{ name: string; damage: (dir: string) => void; message: RegExp; keptBatches: number }> = [
  {
    name: 'a truncated requests.jsonl (complete run)',
    damage: (dir) => {
      const t = read(dir, 'requests.jsonl');
      fs.writeFileSync(file(dir, 'requests.jsonl'), t.slice(0, t.length - 40));
    },
    message: /requests\.jsonl line 72: is cut off \(the file was truncated\)/,
    keptBatches: 5,
  },
  {
    name: 'a line of requests.jsonl that is not JSON',
    damage: (dir) => {
      const lines = read(dir, 'requests.jsonl').split('\n');
      lines[9] = lines[9].replace('"ok":', '"ok"');
      fs.writeFileSync(file(dir, 'requests.jsonl'), lines.join('\n'));
    },
    message: /requests\.jsonl line 10: is not valid JSON/,
    keptBatches: 5,
  },
  {
    name: 'a request row with a wrong type',
    damage: (dir) => {
      const lines = read(dir, 'requests.jsonl').split('\n');
      lines[4] = lines[4].replace(/"durationMs":[0-9.]+/, '"durationMs":"slow"');
      fs.writeFileSync(file(dir, 'requests.jsonl'), lines.join('\n'));
    },
    message: /requests\.jsonl line 5: durationMs is not a number/,
    keptBatches: 5,
  },
  {
    name: 'a batches.csv cell that is not a number',
    damage: (dir) => {
      const lines = read(dir, 'batches.csv').split('\n');
      const cells = lines[3].split(',');
      cells[8] = 'fast';
      lines[3] = cells.join(',');
      fs.writeFileSync(file(dir, 'batches.csv'), lines.join('\n'));
    },
    message: /batches\.csv line 4: uploadS is "fast", not a number ≥ 0/,
    keptBatches: 5,
  },
  {
    name: 'a batches.csv row with a missing cell',
    damage: (dir) => {
      const lines = read(dir, 'batches.csv').split('\n');
      lines[2] = lines[2].split(',').slice(1).join(',');
      fs.writeFileSync(file(dir, 'batches.csv'), lines.join('\n'));
    },
    message: /batches\.csv line 3: has 18 cells, expected 19/,
    keptBatches: 5,
  },
  {
    name: 'a batch recorded twice',
    damage: (dir) => {
      const lines = read(dir, 'batches.csv').split('\n');
      fs.appendFileSync(file(dir, 'batches.csv'), `${lines[1]}\n`);
    },
    message: /batches\.csv line 8: .* is recorded twice \(also line 2\)/,
    keptBatches: 6,
  },
  {
    name: 'a batch row whose failure count disagrees with its rows',
    damage: (dir) => {
      const lines = read(dir, 'batches.csv').split('\n');
      const cells = lines[5].split(',');
      cells[16] = String(Number(cells[16]) + 1);
      lines[5] = cells.join(',');
      fs.writeFileSync(file(dir, 'batches.csv'), lines.join('\n'));
    },
    message: /batches\.csv line 6: \w+ batch \d does not add up with requests\.jsonl: failures says \d+, \d+ failed rows found/,
    keptBatches: 5,
  },
  {
    name: 'a header that is not the schema\'s',
    damage: (dir) => {
      const t = read(dir, 'batches.csv');
      fs.writeFileSync(file(dir, 'batches.csv'), t.replace('uploadSPerMiB', 'upload_s_per_mib'));
    },
    message: /batches\.csv line 1: the header is not run,platform,batch/,
    keptBatches: 0,
  },
];

for (const d of damages) {
  test(`readers refuse ${d.name}, naming the file and line; exclude leaves the batch out and says so`, async () => {
    const dir = fixture({ retryRate: 0.2, failRate: 0.1 });
    d.damage(dir);
    await assert.rejects(() => readRun(dir), (err: Error) => {
      assert.equal(err.name, 'RunIntegrityError');
      assert.match(err.message, d.message);
      assert.match(err.message, /--exclude-invalid/);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
    const run = await readRun(dir, { invalid: 'exclude' });
    assert.equal(run.batchRows.length, d.keptBatches);
    assert.ok(run.notes.some((n) => d.message.test(n)), run.notes.join('\n'));
    const kept = new Set(run.batchRows.map((b) => `${b.platform}#${b.batch}`));
    assert.ok(run.requestRows.every((r) => kept.has(`${r.platform}#${r.batch}`)));
    assert.equal(run.requestRows.length, d.keptBatches * 12);
  });
}

test('a stopped run\'s batch in flight and torn tail are notes, not problems; the same in a complete run is refused', async () => {
  const dir = fixture();
  const [first] = read(dir, 'requests.jsonl').split('\n');
  fs.appendFileSync(file(dir, 'requests.jsonl'), `${JSON.stringify({ ...JSON.parse(first), batch: 3 })}\n{"run":`);
  await assert.rejects(() => readRun(dir), /requests\.jsonl line 74: is cut off \(the file was truncated\) \(and 1 more problem\)/);
  assert.match((await readRun(dir, { invalid: 'exclude' })).notes.join('\n'), /request row\(s\) of \w+ batch 4, which has no batch row \(the run is marked complete\)/);
  setStatus(dir, 'interrupted');
  const run = await readRun(dir);
  assert.equal(run.batchRows.length, 6);
  assert.equal(run.requestRows.length, 72);
  assert.match(run.notes.join('\n'), /batch 4, which has no batch row: the batch was in flight/);
  assert.match(run.notes.join('\n'), /requests\.jsonl line 74 was cut off when the run stopped/);
  assert.equal(readBatches(dir).length, 6);
});

test('a short write is an error, and a failed atomic write leaves no temp file', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-write-'));
  const real = fs.writeSync;
  // The device takes half of what it is given: what a full disk does before ENOSPC.
  t.mock.method(fs, 'writeSync', (fd: number, data: Buffer, offset: number, length: number) => real(fd, data, offset, Math.max(0, Math.floor(length / 2))));
  assert.throws(() => appendDurably(path.join(dir, 'a.log'), 'twelve bytes'), /cannot write .*a\.log: only 6 of 12 bytes were written \(is the disk full\?\)/);
  assert.throws(() => writeFileAtomically(path.join(dir, 'm.json'), '{"x":1}'), /only 3 of 7 bytes were written/);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  t.mock.restoreAll();
});

test('on a full disk the manifest is rewritten in place rather than left saying "running"', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-write-'));
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, `${JSON.stringify({ status: 'running', pad: 'x'.repeat(200) })}\n`);
  const real = fs.openSync;
  // No room for a new file (the temp copy), but the existing one can be overwritten.
  t.mock.method(fs, 'openSync', (p: fs.PathLike, flags: string, ...rest: unknown[]) => {
    if (String(p).endsWith('.tmp')) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    return (real as (...a: unknown[]) => number)(p, flags, ...rest);
  });
  writeFileAtomicallyOrInPlace(manifest, `${JSON.stringify({ status: 'failed' })}\n`);
  t.mock.restoreAll();
  assert.deepEqual(JSON.parse(fs.readFileSync(manifest, 'utf8')), { status: 'failed' });
  assert.deepEqual(fs.readdirSync(dir), ['manifest.json']);
});
