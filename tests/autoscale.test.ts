/**
 * Autoscaling of the local endpoints: the policy's decisions exactly, then the real endpoint (real
 * detector workers, each paying its model load) scaling out under a burst and back in after the
 * cool-down, seen through the Azure ML protocol and GET /metrics.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Autoscaler, parseInstanceRange } from '../src/local/autoscale-policy';
import { startInferenceServer } from '../src/local/inference-server';
import { createInferenceEndpoint } from '../src/targets/factory';

test('policy: scale out to demand at once, scale in one instance per full cool-down, within bounds', () => {
  const a = new Autoscaler({ min: 1, max: 3, targetInFlight: 2, provisionMs: 100, cooldownMs: 1000 });
  assert.deepEqual(a.decide(0, 0, 1), null, 'at the minimum with no demand: nothing');
  assert.deepEqual(a.decide(10, 5, 1), { add: 2 }, '5 in flight / 2 per instance → 3');
  assert.deepEqual(a.decide(20, 50, 3), null, 'never above max');
  assert.equal(a.decide(100, 0, 3), null, 'low demand starts the cool-down');
  assert.equal(a.decide(1099, 0, 3), null, 'not before it has lasted');
  assert.deepEqual(a.decide(1100, 0, 3), { remove: 1 });
  assert.equal(a.decide(1500, 0, 2), null, 'the next removal waits a whole cool-down again');
  assert.deepEqual(a.decide(2100, 0, 2), { remove: 1 });
  assert.equal(a.decide(9000, 0, 1), null, 'never below min');
  assert.equal(a.decide(9100, 2, 2), null, 'demand met: the cool-down resets');
  assert.deepEqual(parseInstanceRange('0..4'), { min: 0, max: 4 });
  assert.match((parseInstanceRange('4..1') as { error: string }).error, /MIN \(4\) is above MAX \(1\)/);
});

interface Metrics {
  instances: number;
  provisioning: number;
  timeline: { t: number; instances: number }[];
}

test('endpoint: a burst adds an instance (after provisioning and a real model load), the cool-down removes it, scale to zero and back', { timeout: 90_000 }, async () => {
  const server = await startInferenceServer({
    region: 'us-east-1', accessKeyId: 'AK', secretAccessKey: 'SK', endpointName: 'ep', azureKey: 'key-1',
    autoscale: { min: 0, max: 2, targetInFlight: 1, provisionMs: 300, cooldownMs: 1500 },
  });
  const endpoint = createInferenceEndpoint({ type: 'azureml', scoringUri: server.scoringUri, key: 'key-1' }, {});
  const metrics = async () => (await (await fetch(`${server.sagemakerEndpoint}/metrics`)).json()) as Metrics;
  const waitFor = async (what: string, ok: (m: Metrics) => boolean, ms: number) => {
    const until = Date.now() + ms;
    for (;;) {
      const m = await metrics();
      if (ok(m)) return m;
      if (Date.now() > until) assert.fail(`${what}: still ${JSON.stringify(m)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    const image = fs.readFileSync(path.join(__dirname, '..', 'src', 'datasets', 'photos', 'horses.jpg'));
    // Started with one instance (a model that cannot load fails at start); with no traffic it goes to zero.
    await waitFor('scale to zero', (m) => m.instances === 0, 10_000);
    const t = performance.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => endpoint.invoke(image, 'image/jpeg')));
    const firstMs = performance.now() - t;
    assert.ok(results.every((r) => r.record.ok), JSON.stringify(results.map((r) => r.record.errorCode)));
    assert.ok(firstMs >= 300, `from zero, requests wait for provisioning (${firstMs.toFixed(0)} ms)`);
    assert.ok(results.some((r) => r.response?.instances === 2), `responses report the instance count: ${results.map((r) => r.response?.instances)}`);
    const scaled = await metrics();
    const counts = scaled.timeline.map((c) => c.instances);
    assert.deepEqual(counts.slice(0, 2), [1, 0], `start at 1, then to zero: ${counts}`);
    assert.ok(counts.includes(2), `scaled out to 2: ${counts}`);
    // Back in after the cool-down, one instance at a time, to zero.
    const idle = await waitFor('scale in', (m) => m.instances === 0, 15_000);
    const tail = idle.timeline.map((c) => c.instances).slice(-3);
    assert.deepEqual(tail, [2, 1, 0], `one instance per cool-down: ${idle.timeline.map((c) => c.instances)}`);
    const gap = idle.timeline[idle.timeline.length - 1].t - idle.timeline[idle.timeline.length - 2].t;
    assert.ok(gap >= 1400, `removals a cool-down apart (${gap.toFixed(0)} ms)`);
  } finally {
    await endpoint.close();
    await server.close();
  }
});

test('a request whose client hung up is dropped while it queues, not run for nobody', { timeout: 60_000 }, async () => {
  const server = await startInferenceServer({ region: 'us-east-1', accessKeyId: 'AK', secretAccessKey: 'SK', endpointName: 'ep', azureKey: 'key-2', instances: 1 });
  const endpoint = createInferenceEndpoint({ type: 'azureml', scoringUri: server.scoringUri, key: 'key-2' }, {});
  try {
    const image = fs.readFileSync(path.join(__dirname, '..', 'src', 'datasets', 'photos', 'horses.jpg'));
    const kept = endpoint.invoke(image, 'image/jpeg');
    const gaveUp = new AbortController();
    const abandoned = Array.from({ length: 4 }, () => endpoint.invoke(image, 'image/jpeg', { signal: gaveUp.signal }));
    await new Promise((r) => setTimeout(r, 100)); // all five have reached the server's queue
    gaveUp.abort();
    assert.ok((await kept).record.ok);
    assert.ok((await Promise.all(abandoned)).every((r) => !r.record.ok && r.record.errorCode === 'Aborted'));
    await new Promise((r) => setTimeout(r, 500));
    const m = (await (await fetch(`${server.sagemakerEndpoint}/metrics`)).json()) as { served: number[]; queued: number };
    assert.equal(m.queued, 0);
    assert.ok(m.served.reduce((a, b) => a + b, 0) <= 2, `served ${m.served}: the abandoned requests were run anyway`);
  } finally {
    await endpoint.close();
    await server.close();
  }
});
