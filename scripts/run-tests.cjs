#!/usr/bin/env node
// Builds dist/, then runs every tests/**/*.test.ts with node's built-in test runner (TypeScript through tsx).
// Node 20's --test takes no globs, so the files are listed here. Extra args pass through
// (e.g. `npm test -- tests/stack.test.ts` runs one file).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const explicit = args.filter((a) => a.endsWith('.ts'));
const flags = args.filter((a) => !a.endsWith('.ts'));

function findTests(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out.sort();
}

// The CLI the tests run is the compiled one users get: build it first (incremental: seconds when unchanged).
const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.cjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const files = explicit.length ? explicit : findTests(path.join(root, 'tests'));
if (files.length === 0) {
  console.error('No test files found under tests/.');
  process.exit(1);
}

// The notebook tests use the project's Jupyter (`npm run lab`'s .venv): made here, once, before
// test files run in parallel. Where pip cannot make it, those tests skip and say why.
if (files.some((f) => /notebook|interrupts|jupyter/.test(f))) {
  const lab = spawnSync(process.execPath, [path.join(root, 'bin', 'cloudbench.cjs'), 'lab', '--install-only'], { cwd: root, stdio: 'inherit' });
  if (lab.status !== 0) console.error('run-tests: the project JupyterLab could not be set up (see above): the notebook tests will be skipped.');
}
// Two test files at a time: the machine has 2 cores and the detector tests are CPU-bound.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...flags, ...files],
  // One detector thread unless asked: two files at a time on 2 cores already share the cores out
  // (tests/detector-threads.test.ts sets its own counts).
  { cwd: root, stdio: 'inherit', env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CLOUDBENCH_DETECTOR_THREADS: '1', ...process.env, CLOUDBENCH_TEST: '1' } },
);
process.exit(result.status ?? 1);
