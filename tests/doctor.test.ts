/**
 * `cloudbench doctor` as a user runs it: each check says what it found or how to fix it. The
 * machine states are made with the environment: an empty PATH (no system browser), a venv folder
 * that does not exist yet, a user Jupyter folder with a kernel of our name that runs another
 * checkout's tslab.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { bundledChromiumPackage } from '../src/report/bundled-chromium';
import { runCli } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-doctor-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Check {
  what: string;
  ok: boolean;
  detail: string;
  optional?: boolean;
}

function doctor(env: NodeJS.ProcessEnv): Check[] {
  const r = runCli(['doctor', '--json'], { CLOUDBENCH_CACHE_DIR: path.join(tmp, 'cache'), ...env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Check[];
}

function find(checks: Check[], what: RegExp): Check {
  const c = checks.find((x) => what.test(x.what));
  assert.ok(c, `no check ${what} in ${checks.map((x) => x.what).join(', ')}`);
  return c;
}

test('no JupyterLab yet, a stale kernel in the user\'s Jupyter, no system browser: each says how to fix it', () => {
  const emptyPath = path.join(tmp, 'empty-path');
  fs.mkdirSync(emptyPath);
  const userJupyter = path.join(tmp, 'user-jupyter');
  const stale = path.join(userJupyter, 'kernels', 'cloudbench-ts', 'kernel.json');
  fs.mkdirSync(path.dirname(stale), { recursive: true });
  fs.writeFileSync(stale, JSON.stringify({ argv: [process.execPath, '/elsewhere/node_modules/tslab/bin/tslab', 'kernel', '--config-path', '{connection_file}'], display_name: 'x', language: 'typescript' }));
  const checks = doctor({ PATH: emptyPath, PUPPETEER_EXECUTABLE_PATH: '', CLOUDBENCH_VENV: path.join(tmp, 'no-venv'), JUPYTER_DATA_DIR: userJupyter });

  const lab = find(checks, /^JupyterLab/);
  assert.equal(lab.ok, false);
  assert.match(lab.detail, /npm run lab|python3-venv/);

  const kernel = find(checks, /kernel "cloudbench-ts" \(your Jupyter\)/);
  assert.equal(kernel.ok, false);
  assert.match(kernel.detail, /runs \/elsewhere\/node_modules\/tslab\/bin\/tslab, not this checkout's .*: `npx cloudbench notebook kernel-install` from this checkout rewrites it/);

  const browser = find(checks, /^Chromium/);
  if (bundledChromiumPackage()) {
    assert.equal(browser.ok, true);
    assert.match(browser.detail, /Chromium from npm \(@sparticuz\/chromium [\d.]+\).*unpacked on the first PDF/);
  } else {
    assert.equal(browser.ok, false);
    assert.match(browser.detail, /sudo apt-get install chromium/);
  }
});

test('a kernel registered from this checkout is reported as pointing here; a bad CLOUDBENCH_BROWSER is reported, not thrown', () => {
  const userJupyter = path.join(tmp, 'user-jupyter-2');
  const r = runCli(['notebook', 'kernel-install', '--dir', userJupyter]);
  assert.equal(r.status, 0, r.stderr);
  const checks = doctor({ JUPYTER_DATA_DIR: userJupyter, CLOUDBENCH_BROWSER: 'firefox' });
  const kernel = find(checks, /kernel "cloudbench-ts" \(your Jupyter\)/);
  assert.equal(kernel.ok, true, kernel.detail);
  assert.match(kernel.detail, /points at this checkout/);
  const browser = find(checks, /^Chromium/);
  assert.equal(browser.ok, false);
  assert.match(browser.detail, /CLOUDBENCH_BROWSER=firefox is not one of auto, system, bundled/);
});
