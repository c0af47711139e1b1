/**
 * Wasm threads in the local detector (src/local/detector-threads.ts, wasm-threads.ts): the threaded
 * build answers exactly what the single-threaded one does, the setting is checked before anything
 * starts, and instances × threads never exceeds the cores.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { demoInstances } from '../src/cli/demo-command';
import { UserError } from '../src/errors';
import { availableCores, parseDetectorThreads, planDetectorThreads } from '../src/local/detector-threads';
import { createInferencePool } from '../src/local/inference-pool';
import { startLocalStack } from '../src/local/stack';
import { ROOT, runCli } from './helpers/cli';

const PHOTOS = ['dog.jpg', 'horses.jpg', 'person.jpg'].map((name) => fs.readFileSync(path.join(ROOT, 'src/datasets/photos', name)));
const CORES = availableCores();
const TIMEOUT = { timeout: 120_000 };

describe('the setting', () => {
  test('is auto or a whole number from 1 to 8', () => {
    assert.equal(parseDetectorThreads('auto'), 'auto');
    assert.equal(parseDetectorThreads(' AUTO '), 'auto');
    assert.equal(parseDetectorThreads('1'), 1);
    assert.equal(parseDetectorThreads(' 8 '), 8);
    for (const bad of ['0', '9', '1.5', '-1', '2x', 'two', '', ' ']) {
      assert.throws(
        () => parseDetectorThreads(bad),
        (err: Error) => err instanceof UserError && /^CLOUDBENCH_DETECTOR_THREADS must be a whole number from 1 to 8, or auto; got ".*"$/.test(err.message),
        `accepted ${JSON.stringify(bad)}`,
      );
    }
  });

  test('a bad value stops the CLI with one line before the stack starts', () => {
    const r = runCli(['stack', 'up'], { CLOUDBENCH_DETECTOR_THREADS: 'lots' }, 60_000);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('cloudbench: note:'));
    assert.deepEqual(lines, ['cloudbench: CLOUDBENCH_DETECTOR_THREADS must be a whole number from 1 to 8, or auto; got "lots"']);
    assert.equal(r.stdout, '');
  });
});

describe('instances × threads', () => {
  test('never exceeds the cores (unless the instances alone do)', () => {
    for (let cores = 1; cores <= 16; cores++) {
      for (let instances = 1; instances <= 10; instances++) {
        for (const setting of ['auto', 1, 2, 3, 4, 8] as const) {
          const { threads, note } = planDetectorThreads(setting, instances, cores);
          const at = `${setting} with ${instances} instances on ${cores} cores → ${threads}`;
          assert.ok(threads >= 1 && threads <= 8, at);
          assert.ok(instances * threads <= Math.max(cores, instances), at);
          if (setting !== 'auto') assert.ok(threads <= setting, at);
          assert.equal(note !== undefined, setting !== 'auto' && threads < setting, at);
        }
      }
    }
  });

  test('auto shares the cores out; an explicit count is lowered to the share, never raised', () => {
    assert.equal(planDetectorThreads('auto', 1, 2).threads, 2);
    assert.equal(planDetectorThreads('auto', 2, 2).threads, 1);
    assert.equal(planDetectorThreads('auto', 2, 8).threads, 4);
    assert.equal(planDetectorThreads('auto', 1, 64).threads, 8);
    assert.equal(planDetectorThreads(1, 1, 8).threads, 1);
    const lowered = planDetectorThreads(4, 2, 4);
    assert.equal(lowered.threads, 2);
    assert.match(lowered.note ?? '', /detector threads 4 lowered to 2: 2 instances × 4 threads would exceed the 4 cores/);
    assert.throws(() => planDetectorThreads(0, 1, 2), RangeError);
  });

  test('the demo scales to the instances the cores hold at 2 threads (or at the set count), at most 2', () => {
    const withEnv = <T>(value: string | undefined, fn: () => T): T => {
      const before = process.env.CLOUDBENCH_DETECTOR_THREADS;
      if (value === undefined) delete process.env.CLOUDBENCH_DETECTOR_THREADS;
      else process.env.CLOUDBENCH_DETECTOR_THREADS = value;
      try {
        return fn();
      } finally {
        if (before === undefined) delete process.env.CLOUDBENCH_DETECTOR_THREADS;
        else process.env.CLOUDBENCH_DETECTOR_THREADS = before;
      }
    };
    withEnv(undefined, () => {
      assert.deepEqual(demoInstances(1), { max: 1, threads: 1 });
      assert.deepEqual(demoInstances(2), { max: 1, threads: 2 });
      assert.deepEqual(demoInstances(4), { max: 2, threads: 2 });
      assert.deepEqual(demoInstances(16), { max: 2, threads: 8 });
    });
    withEnv('1', () => assert.deepEqual(demoInstances(2), { max: 2, threads: 1 }));
    withEnv('3', () => assert.deepEqual(demoInstances(4), { max: 1, threads: 3 }));
    withEnv('0', () => assert.throws(() => demoInstances(2), UserError));
  });

  test('the pool sizes its instances by the most it may run', TIMEOUT, async () => {
    const pool = await createInferencePool({ threads: 8, autoscale: { min: 1, max: 2, targetInFlight: 1, provisionMs: 0, cooldownMs: 60_000 } });
    try {
      assert.equal(pool.threads, Math.max(1, Math.floor(CORES / 2)), 'threads each instance reported');
    } finally {
      await pool.close();
    }
  });
});

describe('the threaded detector', () => {
  test('finds exactly what the single-threaded one finds', { ...TIMEOUT, skip: CORES < 2 ? 'one core: nothing to thread' : false }, async () => {
    const detections = async (threads: number) => {
      const pool = await createInferencePool({ threads });
      try {
        const out = [];
        for (const photo of PHOTOS) out.push((await pool.detect(photo)).detections);
        return { threads: pool.threads, out };
      } finally {
        await pool.close();
      }
    };
    const one = await detections(1);
    const two = await detections(2);
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2, 'the threaded backend runs 2 threads');
    assert.ok(one.out.every((d) => d.length > 0), 'every photo has detections');
    assert.deepEqual(two.out, one.out);
  });

  test('the stack takes the setting from the environment and says what it runs', TIMEOUT, async () => {
    const before = process.env.CLOUDBENCH_DETECTOR_THREADS;
    process.env.CLOUDBENCH_DETECTOR_THREADS = '1';
    let stack;
    try {
      stack = await startLocalStack();
    } finally {
      if (before === undefined) delete process.env.CLOUDBENCH_DETECTOR_THREADS;
      else process.env.CLOUDBENCH_DETECTOR_THREADS = before;
    }
    try {
      assert.deepEqual(stack.config.detector, { model: 'mb3-centernet-coco80', threadsPerInstance: 1, cores: CORES });
    } finally {
      await stack.stop();
    }
  });
});
