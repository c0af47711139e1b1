/**
 * Interrupts end a run cleanly everywhere: Ctrl-C in the CLI (once: after the requests in flight;
 * twice: at once) and a Jupyter kernel interrupt in a notebook. The run is marked interrupted,
 * its folder adds up, the notebook's local stack survives the interrupt, and the run resumes to
 * completion with every batch exactly once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import {readManifest } from '../src/experiment/run-store';
import { readRun } from '../src/experiment/run-reader';
import { writeKernelSpec, KERNEL_NAME } from '../src/notebook/kernelspec';
import { readyJupyterPython } from '../src/notebook/run-notebook';
import { isAlive, ROOT, runCli, spawnCli, waitUntil } from './helpers/cli';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-cache-'));
const env = { CLOUDBENCH_CACHE_DIR: cacheDir };
const BATCHES = 5;
const STEPS = BATCHES * 2;

function sealed(outDir: string): number {
  const runs = fs.existsSync(outDir) ? fs.readdirSync(outDir) : [];
  let n = 0;
  for (const r of runs) {
    const f = path.join(outDir, r, 'batches.csv');
    if (fs.existsSync(f)) n = Math.max(n, fs.readFileSync(f, 'utf8').split('\n').length - 2);
  }
  return n;
}

function onlyRun(outDir: string): string {
  const runs = fs.readdirSync(outDir).filter((d) => fs.existsSync(path.join(outDir, d, 'manifest.json')));
  assert.equal(runs.length, 1, `runs in ${outDir}: ${runs.join(', ')}`);
  return path.join(outDir, runs[0]);
}

/** The folder adds up (readRun would refuse it otherwise) and holds whole batches only. */
async function assertResumable(dir: string): Promise<number> {
  const run = await readRun(dir);
  assert.equal(run.manifest.status, 'interrupted');
  assert.ok(run.batchRows.length >= 1 && run.batchRows.length < STEPS, `${run.batchRows.length} batches`);
  return run.batchRows.length;
}

async function resumeToTheEnd(dir: string): Promise<void> {
  const r = runCli(['run', '--resume', dir, '--local'], env);
  assert.equal(r.status, 0, r.stderr);
  const run = await readRun(dir);
  assert.equal(run.manifest.status, 'complete');
  assert.deepEqual(run.batchRows.map((b) => `${b.platform}#${b.batch}`).sort(), ['aws', 'azure'].flatMap((p) => [0, 1, 2, 3, 4].map((b) => `${p}#${b}`)).sort());
  assert.equal(run.requestRows.length, STEPS * 3 * 3);
}

function writeConfig(outDir: string): string {
  const file = path.join(outDir, '..', `config-${path.basename(outDir)}.json`);
  fs.writeFileSync(file, JSON.stringify({
    platforms: { aws: 'local:aws', azure: 'local:azure' },
    dataset: { type: 'synthetic', count: 15, seed: 9 },
    batchSize: 3,
    batches: BATCHES,
    outDir,
  }));
  return file;
}

describe('Ctrl-C in the CLI', () => {
  test('once: the requests in flight finish, the run is interrupted and resumes to completion', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-sigint-'));
    const cfg = writeConfig(outDir);
    const cli = spawnCli(['run', '--config', cfg, '--local'], env);
    let stdout = '';
    let stderr = '';
    cli.stdout!.on('data', (d) => (stdout += d));
    cli.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    await waitUntil(() => sealed(outDir) >= 1, 120_000, `a sealed batch (stderr: ${stderr})`);
    cli.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 1);
    assert.match(stdout, /Interrupted: finishing the requests in flight/);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], new RegExp(`^cloudbench: run \\S+ interrupted; \\d+ of ${STEPS} platform-batches are saved in .*\\. Continue with: cloudbench run --resume \\S+ --local --config `));
    const dir = onlyRun(outDir);
    await assertResumable(dir);
    // The printed hint works as printed: the run is found by its id in the config's outDir.
    const hint = /Continue with: cloudbench (.*)$/.exec(lines[0])![1].split(' ');
    const resumed = runCli(hint, env);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal((await readRun(dir)).manifest.status, 'complete');
    assert.equal((await readRun(dir)).batchRows.length, STEPS);
  });

  test('twice: the run ends at once, resumable, whenever the second one lands', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-sigint2-'));
    const cli = spawnCli(['run', '--config', writeConfig(outDir), '--local'], env);
    let stdout = '';
    let stderr = '';
    cli.stdout!.on('data', (d) => (stdout += d));
    cli.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => cli.once('exit', (code, signal) => r({ code, signal })));
    await waitUntil(() => sealed(outDir) >= 1, 120_000, 'a sealed batch');
    cli.kill('SIGINT');
    await waitUntil(() => stdout.includes('Interrupted:'), 10_000, 'the first interrupt to be seen');
    const second = Date.now();
    cli.kill('SIGINT');
    const { code, signal } = await exited;
    // Exit code 1, except in the process's last ~20 ms: after its final line, Node tears down its
    // worker threads with signal handling already given back to the default, so a Ctrl-C landing
    // there ends it by SIGINT (exit status 130 in a shell). Its work is done by then; the line that
    // says how to resume must already be out.
    if (code !== 1) {
      assert.equal(signal, 'SIGINT', `exit code ${code}, signal ${signal}; stderr: ${stderr}`);
      assert.match(stderr, /interrupted; .* Continue with: cloudbench run --resume /, `killed by SIGINT before its last line; stderr: ${stderr}`);
    }
    assert.ok(Date.now() - second < 5000, `exit took ${Date.now() - second} ms after the second Ctrl-C`);
    const dir = onlyRun(outDir);
    await assertResumable(dir);
  });
});

describe('a Jupyter kernel interrupt', () => {
  // The project's venv (scripts/run-tests.cjs makes it before the tests), else a system Jupyter.
  const python = readyJupyterPython();

  test('stops the experiment after the requests in flight, marks it interrupted, and leaves the notebook\'s stack running', { skip: python ? false : 'no Jupyter: the project venv could not be made (see `npm run lab`) and no system jupyter_client' }, async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-kernel-'));
    const outDir = path.join(work, 'runs');
    writeKernelSpec(work);
    const cells = {
      setup: [
        'import { startLocalStack, runExperiment, localDemoConfig } from "cloudbench";',
        'import * as fs from "fs";',
        'const stack = await startLocalStack();',
        `const config = localDemoConfig({ batches: ${BATCHES}, batchSize: 3, outDir: ${JSON.stringify(outDir)}, dataset: { type: "synthetic", count: 15, seed: 9 } });`,
        'console.log("stack", stack.pid);',
      ].join('\n'),
      run: 'const result = await runExperiment({ config: config, local: stack.config });\nconsole.log("finished", result.status);',
      after: [
        `const runDir = ${JSON.stringify(outDir)} + "/" + fs.readdirSync(${JSON.stringify(outDir)})[0];`,
        'const status = () => JSON.parse(fs.readFileSync(runDir + "/manifest.json", "utf8")).status;',
        'for (let i = 0; i < 600 && status() === "running"; i++) await new Promise((r) => setTimeout(r, 100));',
        'console.log("status", status());',
        'const ping = await fetch(stack.config.sagemaker.endpoint + "/ping");',
        'console.log("ping", ping.status);',
        'await stack.stop();',
        'console.log("stopped");',
      ].join('\n'),
    };
    const cellsFile = path.join(work, 'cells.json');
    fs.writeFileSync(cellsFile, JSON.stringify(cells));
    const r = spawnSync(python!, [path.join(ROOT, 'tests/helpers/interrupt-kernel.py'), KERNEL_NAME, cellsFile, outDir, ROOT], {
      env: { ...process.env, ...env, JUPYTER_PATH: work },
      encoding: 'utf8',
      timeout: 400_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>;
    assert.equal(out.runReply, 'error', out.runOutput);
    assert.match(out.runOutput, /Interrupted/);
    assert.equal(out.afterReply, 'ok', out.afterOutput);
    assert.match(out.afterOutput, /status interrupted/);
    assert.match(out.afterOutput, /ping 200/, 'the local stack was taken down by the interrupt');
    assert.match(out.afterOutput, /stopped/);
    const dir = onlyRun(outDir);
    await assertResumable(dir);
    const stackPid = Number(/stack (\d+)/.exec(out.setupOutput)?.[1]);
    assert.ok(stackPid > 0, out.setupOutput);
    assert.ok(!isAlive(stackPid), 'the stack outlived its stop()');
    assert.equal(readManifest(dir).sessions.length, 1);
    await resumeToTheEnd(dir);
  });
});
