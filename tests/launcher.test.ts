/**
 * The launchers run compiled JavaScript when dist/ is current, the TypeScript sources through tsx
 * when it is missing or older than a source (and say so), never a stale build.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli } from './helpers/cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { entry } = require(path.join(ROOT, 'scripts', 'entry.cjs')) as {
  entry(name: string, root?: string, env?: NodeJS.ProcessEnv): { file: string; fromSource: boolean; stale: boolean };
};

function pkg(files: Record<string, number>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-launcher-'));
  for (const [file, mtime] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), '');
    fs.utimesSync(path.join(root, file), mtime, mtime);
  }
  return root;
}

test('dist/ when it is newer than every source; src/ through tsx, flagged stale, when a source changed since', () => {
  const current = pkg({ 'src/cli.ts': 1000, 'src/a/b.ts': 1000, 'dist/cli.js': 2000, 'dist/.built': 2000 });
  assert.deepEqual(entry('cli', current, {}), { file: path.join(current, 'dist', 'cli.js'), fromSource: false, stale: false });
  assert.equal(entry('cli', current, { CLOUDBENCH_FROM_SOURCE: '1' }).fromSource, true);
  const stale = pkg({ 'src/cli.ts': 1000, 'src/a/b.ts': 3000, 'dist/cli.js': 2000, 'dist/.built': 2000 });
  assert.deepEqual(entry('cli', stale, {}), { file: path.join(stale, 'src', 'cli.ts'), fromSource: true, stale: true });
  const unbuilt = pkg({ 'src/cli.ts': 1000 });
  assert.deepEqual(entry('cli', unbuilt, {}), { file: path.join(unbuilt, 'src', 'cli.ts'), fromSource: true, stale: false });
  // An installed package has no sources: dist/ always.
  const installed = pkg({ 'dist/cli.js': 2000, 'dist/.built': 2000 });
  assert.equal(entry('cli', installed, {}).fromSource, false);
});

test('after the build (npm ci, npm test) the command runs compiled JavaScript, without loading tsx', () => {
  assert.equal(entry('cli').fromSource, false, 'dist/ is stale or missing: npm test builds it first');
  const r = runCli(['--version'], { NODE_OPTIONS: '--require=' + path.join(ROOT, 'tests', 'helpers', 'report-tsx.cjs') });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.doesNotMatch(r.stderr, /tsx loaded/);
  // The probe does see tsx when it is loaded: the same command from the sources.
  const fromSource = runCli(['--version'], { NODE_OPTIONS: '--require=' + path.join(ROOT, 'tests', 'helpers', 'report-tsx.cjs'), CLOUDBENCH_FROM_SOURCE: '1' });
  assert.equal(fromSource.status, 0, fromSource.stderr);
  assert.match(fromSource.stderr, /tsx loaded/);
});
