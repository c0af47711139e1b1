/**
 * What a notebook shows, without a kernel: how errors print (tslab reports a cell's exception with
 * console.error, i.e. util.format), report tables with their CSS, caption numbers, batch numbers.
 * The same through a real kernel: tests/notebook.test.ts.
 */
import assert from 'node:assert/strict';
import { format } from 'node:util';
import { describe, test } from 'node:test';
import { parseExperimentConfig } from '../src/config/experiment';
import { UserError } from '../src/errors';

describe('errors in a notebook cell', () => {
  test('a UserError (and the config, dataset and stats errors) prints as one line; a bug keeps its trace', () => {
    assert.equal(format(new UserError('no run folder /nope: run `cloudbench run` first')), 'UserError: no run folder /nope: run `cloudbench run` first');
    assert.throws(
      () => parseExperimentConfig({ name: 'x', platforms: { aws: 'local:aws' }, dataset: { type: 'synthetic', count: 4 }, batches: -1 }),
      (err: Error) => {
        assert.equal(format(err), `ConfigError: ${err.message}`);
        assert.match(err.message, /batches/);
        // The trace is still there for whoever asks for it.
        assert.match(err.stack ?? '', /\n\s+at /);
        return true;
      },
    );
    const bug = format(new TypeError('Cannot read properties of undefined'));
    assert.match(bug, /^TypeError: Cannot read properties of undefined\n\s+at /);
  });
});
