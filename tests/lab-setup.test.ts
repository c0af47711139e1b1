/**
 * `npm run lab` where JupyterLab cannot be installed: one line saying what to install, exit 1, and
 * no half-made venv left behind. The faults are injected: a python3 without the venv module (a
 * wrapper that fails `-m venv` the way Debian's python3 without python3-venv does), and a pip with
 * no index (PIP_NO_INDEX; the environment outranks pip's config files) and an empty links folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from './helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-lab-setup-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const realPython = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
const skip = realPython ? false : 'no python3 on this machine';

test('python3 without the venv module: says to install python3-venv', { skip }, () => {
  const bin = path.join(tmp, 'bin-novenv');
  fs.mkdirSync(bin);
  // What Debian's python3 prints without python3-venv, then exit 1; anything else goes to the real one.
  fs.writeFileSync(
    path.join(bin, 'python3'),
    `#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n  echo "The virtual environment was not created successfully because ensurepip is not available." >&2\n  exit 1\nfi\nexec ${realPython} "$@"\n`,
    { mode: 0o755 },
  );
  const venv = path.join(tmp, 'venv-novenv');
  const r = runCli(['lab', '--install-only'], { PATH: `${bin}${path.delimiter}${process.env.PATH}`, CLOUDBENCH_VENV: venv });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('cloudbench: ') && !l.includes('note:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], /cannot set up JupyterLab: .*cannot make a virtual environment .*sudo apt-get install python3-venv/);
  assert.ok(!fs.existsSync(venv), 'a half-made venv was left behind');
});

test('no reachable pip index: one line, and the venv it made is removed', { skip, timeout: 180_000 }, () => {
  const venv = path.join(tmp, 'venv-noindex');
  const links = path.join(tmp, 'empty-links');
  fs.mkdirSync(links);
  const r = runCli(['lab', '--install-only'], { CLOUDBENCH_VENV: venv, PIP_NO_INDEX: '1', PIP_FIND_LINKS: links, PIP_RETRIES: '0' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /Installing JupyterLab into .* with pip/);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('cloudbench: ') && !l.includes('note:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], /cannot set up JupyterLab: pip could not get JupyterLab \(no package index reachable: .*\)\. Install it where pip can reach PyPI or a mirror/);
  assert.doesNotMatch(r.stderr, /Traceback|at .*\.ts:\d+/);
  assert.ok(!fs.existsSync(venv), 'the venv of a failed install was left behind');
});

test('a venv folder that cannot be made fails at once, in one line (not after minutes of lock retries)', () => {
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, '');
  const started = Date.now();
  const r = runCli(['lab', '--install-only'], { CLOUDBENCH_VENV: path.join(file, 'venv') });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^cloudbench: cannot set up JupyterLab: cannot make .*a-file for the JupyterLab venv: a file is in the way$/m);
  assert.ok(Date.now() - started < 30_000, 'it waited');
});

test('a folder in the way that is not a venv is refused, not deleted', { skip }, () => {
  const folder = path.join(tmp, 'not-a-venv');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'precious.txt'), 'keep me');
  const r = runCli(['lab', '--install-only'], { CLOUDBENCH_VENV: folder });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /not-a-venv exists and is not a Python virtual environment: remove it, or set CLOUDBENCH_VENV to another folder/);
  assert.equal(fs.readFileSync(path.join(folder, 'precious.txt'), 'utf8'), 'keep me');
});
