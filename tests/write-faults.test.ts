/**
 * A run whose folder cannot be written stops with one line naming the folder and the cause, says
 * `failed` in its manifest, leaves no temp file, keeps every sealed batch whole, and resumes to
 * completion once there is room: on a real full disk (a small tmpfs, where this machine lets us
 * mount one) and with a short write injected everywhere else.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { parseExperimentConfig, type ExperimentConfig } from '../src/config/experiment';
import {readManifest } from '../src/experiment/run-store';
import { readRun } from '../src/experiment/run-reader';
import { runExperiment, RunStoppedError } from '../src/experiment/runner';
import { useLocalStack } from './helpers/local-stack';

process.env.CLOUDBENCH_CACHE_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-cache-'));
const stack = useLocalStack();
const BATCHES = 6;

function config(outDir: string): ExperimentConfig {
  return parseExperimentConfig({
    platforms: { aws: 'local:aws', azure: 'local:azure' },
    dataset: { type: 'synthetic', count: 12, seed: 4 },
    batchSize: 2,
    batches: BATCHES,
    phases: ['upload', 'download'], // the detector is not what this test is about
    outDir,
  });
}

/** What every write failure must leave: a failed, whole, resumable run folder. */
async function assertStoppedCleanly(err: unknown, outDir: string, cause: RegExp): Promise<string> {
  assert.ok(err instanceof RunStoppedError, `not a RunStoppedError: ${(err as Error)?.stack}`);
  assert.equal(err.status, 'failed');
  assert.ok(!err.message.includes('\n'), 'one line');
  assert.match(err.message, cause);
  assert.ok(err.message.includes(err.dir), 'names the folder');
  const tmp = fs.readdirSync(err.dir).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(tmp, [], 'temp files left');
  assert.equal(readManifest(err.dir).status, 'failed');
  const run = await readRun(err.dir); // refuses a folder that does not add up
  assert.ok(run.batchRows.length < BATCHES * 2, `${run.batchRows.length} batches`);
  assert.ok(path.dirname(err.dir) === path.resolve(outDir));
  return err.dir;
}

async function resumeToTheEnd(cfg: ExperimentConfig, dir: string): Promise<void> {
  const result = await runExperiment({ config: cfg, local: stack.get().config, resumeDir: dir, handleSignals: false });
  assert.equal(result.status, 'complete');
  const run = await readRun(dir);
  assert.equal(run.batchRows.length, BATCHES * 2);
  assert.equal(new Set(run.batchRows.map((b) => `${b.platform}#${b.batch}`)).size, BATCHES * 2);
  assert.equal(run.requestRows.length, BATCHES * 2 * 2 * 2);
}

/** Mounts a tmpfs of `kib` KiB, or says why it cannot. */
function mountTmpfs(kib: number): { dir: string; unmount(): void } | string {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `this machine does not allow mounting a tmpfs (${String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0]})`;
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('write failures in a run folder', () => {
  before(() => stack.start());
  after(() => stack.stop());

  const tmpfs = mountTmpfs(128);
  test('a full disk (tmpfs): the run stops failed with one line, resumes when there is room', { skip: typeof tmpfs === 'string' ? tmpfs : false }, async () => {
    const fsMount = tmpfs as Exclude<typeof tmpfs, string>;
    try {
      const outDir = path.join(fsMount.dir, 'runs');
      fs.mkdirSync(outDir);
      // Leave room for the manifest and a few batches, not for all of them.
      const filler = path.join(fsMount.dir, 'filler');
      const free = () => Number(execFileSync('df', ['--output=avail', '-k', fsMount.dir]).toString().trim().split('\n')[1]);
      fs.writeFileSync(filler, Buffer.alloc((free() - 20) * 1024));
      const cfg = config(outDir);
      const err = await runExperiment({ config: cfg, local: stack.get().config, handleSignals: false }).then(
        () => assert.fail('the run completed on a full disk'),
        (e: unknown) => e,
      );
      const dir = await assertStoppedCleanly(err, outDir, /no space left on the device \(ENOSPC\)|only \d+ of \d+ bytes were written/);
      fs.rmSync(filler);
      await resumeToTheEnd(cfg, dir);
    } finally {
      fsMount.unmount();
    }
  });

  test('a short write (simulated): the run stops failed with one line, resumes afterwards', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-short-'));
    const cfg = config(outDir);
    const real = fs.writeSync;
    let rows = 0;
    // From the third batch's request rows on, the device takes half of what it is given.
    mock.method(fs, 'writeSync', (fd: number, data: Buffer, offset: number, length: number) => {
      const isRows = Buffer.isBuffer(data) && data.subarray(0, 8).toString() === '{"run":"';
      if (isRows && ++rows >= 3) return real(fd, data, offset, Math.floor(length / 2));
      return real(fd, data, offset, length);
    });
    let err: unknown;
    try {
      await runExperiment({ config: cfg, local: stack.get().config, handleSignals: false });
    } catch (e) {
      err = e;
    } finally {
      mock.restoreAll();
    }
    const dir = await assertStoppedCleanly(err, outDir, /requests\.jsonl: only \d+ of \d+ bytes were written \(is the disk full\?\)/);
    assert.equal((await readRun(dir)).batchRows.length, 2);
    await resumeToTheEnd(cfg, dir);
  });

  test('a dataset file that disappears mid-run stops the run with one line naming it, resumable', async () => {
    const dataset = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-vanish-'));
    for (const n of ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']) fs.copyFileSync(path.join(__dirname, '..', 'src/datasets/photos/dog.jpg'), path.join(dataset, n));
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-vanish-runs-'));
    const cfg = parseExperimentConfig({ platforms: { aws: 'local:aws' }, dataset: { type: 'folder', path: dataset }, batchSize: 2, phases: ['upload', 'download'], outDir });
    const err = await runExperiment({
      config: cfg,
      local: stack.get().config,
      handleSignals: false,
      onEvent: (e) => { if (e.type === 'batch' && e.stepsDone === 1) fs.rmSync(path.join(dataset, 'd.jpg')); },
    }).then(() => assert.fail('the run completed without d.jpg'), (e: unknown) => e);
    assert.ok(err instanceof RunStoppedError, String(err));
    assert.equal(err.status, 'failed');
    assert.match(err.message, /cannot read .*d\.jpg \(ENOENT\): the dataset changed after it was hashed\?/);
    assert.equal(readManifest(err.dir).status, 'failed');
    assert.equal((await readRun(err.dir)).batchRows.length, 1);
  });

  test('a manifest that cannot record the end fails the command, after every batch is saved', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-eio-'));
    const real = fs.openSync;
    let broken = false;
    mock.method(fs, 'openSync', (p: fs.PathLike, flags: string, ...rest: unknown[]) => {
      if (broken && /manifest\.json(\.tmp)?$/.test(String(p))) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return (real as (...a: unknown[]) => number)(p, flags, ...rest);
    });
    let err: unknown;
    try {
      await runExperiment({
        config: { ...config(outDir), batches: 1 },
        local: stack.get().config,
        handleSignals: false,
        onEvent: (e) => { if (e.type === 'batch' && e.stepsDone === e.steps) broken = true; },
      });
    } catch (e) {
      err = e;
    } finally {
      mock.restoreAll();
    }
    assert.ok(err instanceof Error && err.name === 'UserError', String(err));
    assert.match((err as Error).message, /every batch is saved, but the manifest could not record the run's end \(cannot write .*manifest\.json: input\/output error on the device \(EIO\)\); it still says "running"/);
  });
});
