import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readBatches, readManifest, readRequests } from '../src/experiment/run-store';
import { lastJsonLine, runCli, spawnCli, waitUntil } from './helpers/cli';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-cache-'));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-runs-'));
const env = { CLOUDBENCH_CACHE_DIR: cacheDir };

function writeConfig(name: string, overrides: Record<string, unknown> = {}): string {
  const file = path.join(outDir, name);
  fs.writeFileSync(file, JSON.stringify({
    platforms: { aws: 'local:aws', azure: 'local:azure' },
    dataset: { type: 'synthetic', count: 24, seed: 3 },
    batchSize: 8,
    batches: 3,
    outDir,
    ...overrides,
  }));
  return file;
}

function dataRows(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length - 1 : 0;
}

test('SIGKILL mid-batch, then --resume: every batch appears exactly once', async () => {
  const cfg = writeConfig('config.json');
  const child = spawnCli(['run', '--config', cfg, '--local', '--json'], env);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  let runDir = '';
  await waitUntil(() => {
    const dirs = fs.readdirSync(outDir).filter((d) => fs.existsSync(path.join(outDir, d, 'manifest.json')));
    if (dirs.length) runDir = path.join(outDir, dirs[0]);
    return runDir !== '' && dataRows(path.join(runDir, 'batches.csv')) >= 2;
  }, 120_000, `two completed batches (stderr so far: ${stderr})`);
  // Into the third platform-batch: requests are in flight when the process dies.
  await new Promise((r) => setTimeout(r, 700));
  child.kill('SIGKILL');
  await exited;
  const before = readBatches(runDir);
  assert.ok(before.length >= 2 && before.length < 6, `expected an interrupted run, found ${before.length} batches`);

  const differs = runCli(['run', '--resume', path.basename(runDir), '--out', outDir, '--config', writeConfig('other.json', { batchSize: 4 }), '--local'], env);
  assert.equal(differs.status, 1);
  assert.match(differs.stderr, /cannot resume .*config differs/);

  const resumed = runCli(['run', '--resume', path.basename(runDir), '--out', outDir, '--config', cfg, '--local', '--json'], env);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(lastJsonLine<{ dir: string }>(resumed.stdout).dir, runDir);

  const batches = readBatches(runDir);
  const steps = batches.map((b) => `${b.platform}#${b.batch}`).sort();
  assert.deepEqual(steps, ['aws#0', 'aws#1', 'aws#2', 'azure#0', 'azure#1', 'azure#2']);
  const requests = readRequests(runDir);
  const ids = requests.map((r) => `${r.platform}#${r.batch}#${r.phase}#${r.key}`);
  assert.equal(new Set(ids).size, ids.length, 'a request row appears twice');
  assert.equal(requests.length, 6 * 8 * 3);
  const manifest = readManifest(runDir);
  assert.equal(manifest.status, 'complete');
  assert.equal(manifest.sessions.length, 2);
  assert.equal(manifest.sessions[1].stepsDone, 6 - before.length);
});

test('the CLI reports bad input in one line, without a stack trace', () => {
  const bad = writeConfig('bad.json', { batchSize: 0 });
  const r = runCli(['run', '--config', bad, '--local'], env);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'cloudbench: config.batchSize: expected a whole number from 1 to 1000000, got 0');

  const missing = runCli(['run', '--config', path.join(outDir, 'nope.yaml')], env);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^cloudbench: config file .*nope\.yaml does not exist\n$/);

  const noTarget = runCli(['run'], env);
  assert.equal(noTarget.status, 1);
  assert.match(noTarget.stderr, /--config FILE, or --local/);
});
