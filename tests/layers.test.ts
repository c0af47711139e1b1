/**
 * The source layers import one way only (datasets → targets → experiment → analysis → report →
 * notebook/cli; schema, protocol and config below them): dependency-cruiser with the rules in
 * .dependency-cruiser.cjs, so a back-edge or an import cycle fails the test run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/cli';

test('no module imports from a layer above its own, and there are no import cycles', () => {
  const bin = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
  const r = spawnSync(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /no dependency violations found \(\d+ modules/);
});
