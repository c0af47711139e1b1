/**
 * What `cloudbench run` tells a user about the work it did: settings the dataset shrinks are
 * warned about, failed requests are named (file, phase, reason), and a run that could measure
 * nothing exits non-zero.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readRun } from '../src/experiment/run-reader';
import { ROOT, runCli } from './helpers/cli';

const env = { CLOUDBENCH_CACHE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-cache-')) };
const photo = path.join(ROOT, 'src/datasets/photos/dog.jpg');
/** JPEG magic bytes, then nothing a decoder can use: passes the dataset check, fails at the detector. */
const CORRUPT = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really an image'.repeat(20))]);

function dataset(files: Record<string, Buffer | string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-files-'));
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? fs.readFileSync(body) : body);
  return dir;
}

function config(dir: string, extra: Record<string, unknown>): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-summary-'));
  const file = path.join(out, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ platforms: { aws: 'local:aws', azure: 'local:azure' }, dataset: { type: 'folder', path: dir }, outDir: out, ...extra }));
  return file;
}

test('settings the dataset shrinks are warned about; failed files are named with their reason', async () => {
  const cfg = config(dataset({ 'bad.jpg': CORRUPT, 'good.jpg': photo, 'good2.jpg': photo }), { batchSize: 2, batches: 10 });
  const r = runCli(['run', '--config', cfg, '--local'], env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /warning: batches is 10 but 3 images make only 2 batches of 2: running 2/);
  assert.match(r.stdout, /warning: the last batch has 1 of 2 images/);
  // bad.jpg sorts first: batch 1 of each platform has it, and its inference fails.
  assert.match(r.stdout, /^2 requests failed:$/m);
  for (const platform of ['aws', 'azure']) {
    assert.match(r.stdout, new RegExp(`^  ${platform} batch 1 inference bad\\.jpg: \\w+ — .*(decode|InvalidImage)`, 'm'), r.stdout);
  }
  const runDir = fs.readdirSync(path.dirname(cfg)).find((d) => d !== 'config.json')!;
  const run = await readRun(path.join(path.dirname(cfg), runDir));
  assert.equal(run.batchRows.length, 4);
  assert.deepEqual(run.batchRows.filter((b) => b.status === 'failed').map((b) => `${b.platform}#${b.batch}`).sort(), ['aws#0', 'azure#0']);
});

test('a run where nothing could be measured exits 1 and says why', async () => {
  const cfg = config(dataset({ 'bad.jpg': CORRUPT, 'worse.jpg': CORRUPT }), { batchSize: 2 });
  const r = runCli(['run', '--config', cfg, '--local'], env);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^4 requests failed:$/m);
  assert.match(r.stdout, /azure batch 1 inference worse\.jpg: InvalidImage/);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^cloudbench: nothing could be measured: all 2 platform-batches failed \(see the failed requests above\)$/);
});
