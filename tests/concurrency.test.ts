/**
 * The bounded pool under the runner's phases and the dataset code: never more than `limit` calls
 * in flight, results in input order, nothing new after a failure or an abort, and the promise
 * settles only when every call in flight has.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { mapLimit } from '../src/concurrency';

test('at most `limit` in flight; results in input order', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimit([30, 5, 20, 1, 10, 15, 2], 3, async (ms, i) => {
    peak = Math.max(peak, ++inFlight);
    await sleep(ms);
    inFlight -= 1;
    return i * 10;
  });
  assert.deepEqual(out, [0, 10, 20, 30, 40, 50, 60]);
  assert.equal(peak, 3);
});

test('after a failure nothing new starts, and the error comes only once the calls in flight are done', async () => {
  const started: number[] = [];
  let slowDone = false;
  await assert.rejects(
    mapLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 0) {
        await sleep(60);
        slowDone = true;
        return;
      }
      await sleep(5);
      if (i === 1) throw new Error('boom');
    }),
    (err: Error) => {
      assert.equal(err.message, 'boom');
      assert.ok(slowDone, 'rejected while a call was still in flight');
      return true;
    },
  );
  assert.deepEqual(started, [0, 1]);
});

test('an abort stops new calls, waits for those in flight, and rejects with the reason; an aborted signal starts none', async () => {
  const controller = new AbortController();
  const started: number[] = [];
  const finished: number[] = [];
  setTimeout(() => controller.abort(new Error('stop')), 15);
  await assert.rejects(
    mapLimit([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
      started.push(i);
      await sleep(10);
      finished.push(i);
    }, controller.signal),
    /stop/,
  );
  assert.ok(started.length < 8, `started ${started.join(',')}`);
  assert.deepEqual([...finished].sort(), [...started].sort(), 'every started call finished before the rejection');
  let called = false;
  await assert.rejects(mapLimit([1], 1, async () => { called = true; }, AbortSignal.abort(new Error('already'))), /already/);
  assert.equal(called, false);
});

test('items are taken as workers free up, not queued up front: a long list costs no memory per item', async () => {
  // A list that records which positions were read: with 2 workers, the first call in flight can
  // have seen at most 2 items of 100,000 (a pool that queues every item reads them all at once).
  const read = new Set<number>();
  const items = new Proxy(new Array<number>(100_000).fill(0), {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) read.add(Number(prop));
      return Reflect.get(target, prop, receiver);
    },
  });
  let readAtFirstCall = -1;
  await mapLimit(items, 2, async (_x, i) => {
    if (i === 0) readAtFirstCall = read.size;
    if (i >= 10) throw new Error('enough');
  }).catch(() => undefined);
  assert.ok(readAtFirstCall >= 1 && readAtFirstCall <= 2, `${readAtFirstCall} items read before the first call`);
  assert.ok(read.size <= 12, `${read.size} items read for 11 calls`);
});
