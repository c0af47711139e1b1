/**
 * The open-loop load engine against real HTTP endpoints on loopback (the Azure ML protocol
 * handler in front of a scorer with a known service time, through the official-protocol adapter):
 * the generator keeps its rate, a stall shows in the corrected latency and not in the naive one,
 * a capacity search finds a known capacity, and the HDR percentiles agree with the exact ones.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseExperimentConfig } from '../src/config/experiment';
import { LOAD_DEFAULTS, type LoadConfig } from '../src/config/load';
import type { ImageItem } from '../src/datasets/types';
import { analyzeLoad } from '../src/analysis/load-analysis';
import { fisherExactTwoSided } from '../src/analysis/fisher-exact';
import { ImageFeed } from '../src/experiment/load/image-feed';
import { runLoadScenario } from '../src/experiment/load/load-scenario';
import { runLoadStep } from '../src/experiment/load/load-step';
import { readLoadRequests, readLoadSteps, repairLoadForResume } from '../src/experiment/load/load-store';
import { LatencyHistogram } from '../src/schema/latency-histogram';
import type { LoadRequestRow } from '../src/schema/load-records';
import { createInferenceEndpoint } from '../src/targets/factory';
import type { InferenceEndpoint } from '../src/targets/types';
import { FIXED_KEY, startFixedServiceEndpoint, type FixedServiceEndpoint } from './helpers/fixed-service-endpoint';

const IMAGE: ImageItem = {
  name: 'tiny.jpg', size: 16, contentType: 'image/jpeg', path: '/nowhere/tiny.jpg',
  open: () => { throw new Error('not used'); },
  read: async () => Buffer.alloc(16, 7),
};

function endpointFor(ep: FixedServiceEndpoint): InferenceEndpoint {
  return createInferenceEndpoint({ type: 'azureml', scoringUri: ep.scoringUri, key: FIXED_KEY }, {});
}

function loadConfig(over: Partial<LoadConfig>): LoadConfig {
  return { ...LOAD_DEFAULTS, rates: [1], search: null, coldStart: null, ...over } as LoadConfig;
}

async function step(endpoint: InferenceEndpoint, rate: number, counts: { warmup: number; measured: number }, over: Partial<LoadConfig>, rows: LoadRequestRow[] = []) {
  const never = new AbortController().signal;
  return runLoadStep(
    { runId: 'r', platform: 'p', step: 0, rateRps: rate, load: loadConfig(over), endpoint, feed: new ImageFeed([IMAGE], 1), seed: 7, t0: 0, sink: (r) => rows.push(r), stop: never, abort: never },
    counts,
  );
}

describe('open-loop load against a loopback endpoint', { timeout: 120_000 }, () => {
  let fast: FixedServiceEndpoint;
  before(async () => {
    fast = await startFixedServiceEndpoint({ serviceMs: 2, instances: 16 });
  });
  after(() => fast.close());

  test('the generator keeps a rate the machine sustains: achieved within 3 % of scheduled, every request sent and answered', async () => {
    const endpoint = endpointFor(fast);
    try {
      const row = await step(endpoint, 200, { warmup: 50, measured: 600 }, { arrival: 'constant', earlyStop: false });
      assert.equal(row.endedBy, 'complete');
      assert.equal(row.sent, 600);
      assert.equal(row.completed, 600);
      assert.equal(row.failed, 0);
      assert.equal(row.warmup, 50);
      assert.ok(row.achievedRps !== null && Math.abs(row.achievedRps / 200 - 1) < 0.03, `achieved ${row.achievedRps} req/s for 200`);
      assert.ok(row.scheduledRps !== null && Math.abs(row.scheduledRps / 200 - 1) < 1e-6, 'a constant schedule realises its rate exactly');
      assert.ok(row.lag!.p50 < 5, `lag p50 ${row.lag!.p50} ms`);
    } finally {
      await endpoint.close();
    }
  });

  test('a 1 s stall: the corrected p99 includes it, the naive p99 does not', async () => {
    const slow = await startFixedServiceEndpoint({ serviceMs: 10, instances: 1 });
    const endpoint = endpointFor(slow);
    try {
      setTimeout(() => slow.stall(1000), 1500);
      const rows: LoadRequestRow[] = [];
      // One request in flight, like a closed-loop client: arrivals during the stall wait at the client.
      const row = await step(endpoint, 20, { warmup: 0, measured: 120 }, { arrival: 'constant', maxInFlight: 1, earlyStop: false }, rows);
      assert.equal(row.sent, 120, 'held arrivals are sent late, never dropped');
      assert.ok(row.heldBack >= 15, `${row.heldBack} arrivals waited for the stalled request`);
      assert.ok(row.corrected!.p99 >= 800, `corrected p99 ${row.corrected!.p99} ms must include the stall`);
      assert.ok(row.naive!.p99 < 200, `naive p99 ${row.naive!.p99} ms must not`);
      const stalled = rows.filter((r) => r.correctedMs > 500);
      assert.ok(stalled.every((r) => r.sentMs >= r.intendedMs), 'no request is sent before its time');
      assert.ok(stalled.length >= 10 && stalled.filter((r) => r.latencyMs > 500).length <= 1, `only the request caught in the stall is slow from its send: ${JSON.stringify(stalled.map((r) => [r.seq, Math.round(r.intendedMs), Math.round(r.sentMs), Math.round(r.latencyMs)]))}`);
    } finally {
      await endpoint.close();
      await slow.close();
    }
  });

  test('an overloaded step with arrivals still held when the schedule ends stops early, or on Ctrl-C, and never hangs', async () => {
    const slow = await startFixedServiceEndpoint({ serviceMs: 100, instances: 1 });
    const endpoint = endpointFor(slow);
    try {
      // 10 arrivals per service time, one in flight: the held queue grows; the target breaks after the schedule is spent.
      const stopped = await step(endpoint, 100, { warmup: 0, measured: 20 }, { arrival: 'constant', maxInFlight: 1, slo: { percentile: 50, ms: 900 } });
      assert.equal(stopped.endedBy, 'early-stop');
      assert.ok(stopped.sent < 20, `held arrivals are not sent after the stop (${stopped.sent} sent)`);
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 300);
      const rows: LoadRequestRow[] = [];
      const row = await runLoadStep(
        { runId: 'r', platform: 'p', step: 0, rateRps: 100, load: loadConfig({ arrival: 'constant', maxInFlight: 1, earlyStop: false }), endpoint, feed: new ImageFeed([IMAGE], 1), seed: 7, t0: 0, sink: (r) => rows.push(r), stop: stop.signal, abort: new AbortController().signal },
        { warmup: 0, measured: 20 },
      );
      assert.equal(row.endedBy, 'interrupted');
      assert.equal(rows.length, row.sent, 'every request sent has its row');
    } finally {
      await endpoint.close();
      await slow.close();
    }
  });

  test('HDR percentiles match the exact order statistics of the rows within 0.1 %', async () => {
    const endpoint = endpointFor(fast);
    try {
      const rows: LoadRequestRow[] = [];
      const row = await step(endpoint, 150, { warmup: 0, measured: 400 }, { arrival: 'poisson', earlyStop: false }, rows);
      const corrected = rows.filter((r) => r.ok).map((r) => r.correctedMs).sort((a, b) => a - b);
      // HdrHistogram's percentile: the value at rank ceil(p/100 · n) (nearest rank), to its resolution.
      for (const p of [50, 90, 99] as const) {
        const exact = corrected[Math.ceil((p / 100) * corrected.length) - 1];
        const hdr = row.corrected![`p${p}`];
        assert.ok(Math.abs(hdr - exact) <= exact * 0.001 + 0.001, `p${p}: HDR ${hdr} vs exact ${exact}`);
      }
      assert.equal(row.corrected!.max, corrected[corrected.length - 1], 'max is the exact maximum');
      const decoded = LatencyHistogram.decode(row.corrected!.histogram);
      assert.equal(decoded.count, corrected.length);
    } finally {
      await endpoint.close();
    }
  });
});

describe('capacity search', { timeout: 180_000 }, () => {
  test('finds the capacity of 2 instances × 50 ms (40 req/s) within one step, sealed in the run folder', async (t) => {
    const ep = await startFixedServiceEndpoint({ serviceMs: 50, instances: 2 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-capacity-'));
    const endpoint = endpointFor(ep);
    const never = new AbortController().signal;
    try {
      const config = parseExperimentConfig({
        platforms: { fixed: { storage: { type: 's3', bucket: 'bucket-x', region: 'us-east-1' }, inference: { type: 'azureml', scoringUri: ep.scoringUri, key: FIXED_KEY } } },
        dataset: { type: 'synthetic', count: 1 },
        load: {
          arrival: 'constant', search: { start: 10, step: 10, max: 70 }, slo: { percentile: 99, ms: 150 },
          step: { minDurationS: 3, minRequests: 30, warmupS: 0.5 },
        },
      });
      const steps = await runLoadScenario({
        runId: 'cap', dir, load: config.load!, seed: 1, items: [IMAGE], endpoints: { fixed: endpoint }, sealed: [],
        t0: 0, stop: never, abort: never, emit: () => {}, warn: (m) => assert.fail(m),
      });
      const byRate = steps.map((s) => `${s.rateRps}:${s.meetsSlo ? 'pass' : 'fail'}`).join(' ');
      const passed = steps.filter((s) => s.meetsSlo).map((s) => s.rateRps);
      const capacity = Math.max(...passed);
      t.diagnostic(`capacity found: ${capacity} req/s (steps ${byRate})`);
      assert.ok(capacity === 30 || capacity === 40, `capacity ${capacity} req/s (steps ${byRate})`);
      assert.equal(steps[steps.length - 1].meetsSlo, false, 'the search stops at its first miss');
      assert.ok(steps.length <= 5, `no rate after the first miss is tried (${byRate})`);
      // Sealed: step rows and their request rows agree, and a Parquet file per step exists.
      const sealed = readLoadSteps(dir);
      assert.equal(sealed.length, steps.length);
      for (const s of sealed) {
        const rows = [...readLoadRequests(dir, { platform: 'fixed', step: s.step })];
        assert.equal(rows.filter((r) => r.phase === 'measured').length, s.sent);
        assert.ok(fs.existsSync(path.join(dir, 'load', 'run=cap', 'platform=fixed', `step-${String(s.step).padStart(4, '0')}.parquet`)));
      }
      const analysis = analyzeLoad({ steps: sealed, platforms: ['fixed'], config: config.load!, costs: { bytesPerGB: 1e9, hoursPerDay: 24, pricingFile: 'x', platforms: [], cheapest: { per1000: null, run: null } }, alpha: 0.05 });
      assert.equal(analysis!.capacity[0].capacityRps, capacity);
      assert.equal(analysis!.capacity[0].failing!.rateRps, capacity + 10);
    } finally {
      await endpoint.close();
      await ep.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('an interrupted scenario resumes after its last sealed step: each step once, the step in flight measured again', { timeout: 120_000 }, async () => {
  const ep = await startFixedServiceEndpoint({ serviceMs: 2, instances: 8 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-load-resume-'));
  const endpoint = endpointFor(ep);
  const load = loadConfig({ rates: [40, 80, 120], arrival: 'constant', step: { minDurationS: 0, minRequests: 40, warmupS: 0 }, earlyStop: false });
  const run = (sealed: ReturnType<typeof readLoadSteps>, stop: AbortSignal) =>
    runLoadScenario({ runId: 'res', dir, load, seed: 3, items: [IMAGE], endpoints: { a: endpoint, b: endpoint }, sealed, t0: 0, stop, abort: new AbortController().signal, emit: onEvent, warn: () => {} });
  const stopper = new AbortController();
  let sealedSoFar = 0;
  const onEvent = (e: { type: string }) => {
    if (e.type === 'load-step' && ++sealedSoFar === 3) setTimeout(() => stopper.abort(), 300); // mid-way through the 4th step
  };
  try {
    const first = await run([], stopper.signal);
    assert.equal(first.length, 3, 'three steps sealed before the stop');
    const lines = () => fs.readFileSync(path.join(dir, 'load-requests.jsonl'), 'utf8').trim().split('\n').length;
    assert.equal(lines(), 3 * 40, 'the interrupted step left no rows');
    const resumed = await run(repairLoadForResume(dir, 'res'), new AbortController().signal);
    const keys = resumed.map((s) => `${s.platform}@${s.rateRps}`).sort();
    assert.deepEqual(keys, ['a@120', 'a@40', 'a@80', 'b@120', 'b@40', 'b@80']);
    assert.equal(readLoadSteps(dir).length, 6);
    assert.equal(lines(), 6 * 40, 'every sealed step has exactly its rows');
  } finally {
    await endpoint.close();
    await ep.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("Fisher's exact test matches scipy.stats.fisher_exact (two-sided)", () => {
  // Reference values: scipy 1.17.1, fisher_exact(table).pvalue.
  const cases: [number[], number][] = [
    [[8, 2, 1, 5], 0.034965034965034975],
    [[3, 1, 1, 3], 0.48571428571428565],
    [[0, 50, 5, 45], 0.05628449442882433],
    [[2, 48, 12, 38], 0.007576692753160587],
    [[0, 300, 9, 291], 0.0036755896752916173],
    [[1, 99, 1, 99], 1],
  ];
  for (const [[a, b, c, d], p] of cases) {
    const got = fisherExactTwoSided(a, b, c, d);
    assert.ok(Math.abs(got - p) <= 1e-9 * Math.max(1, p), `[[${a},${b}],[${c},${d}]]: ${got} vs ${p}`);
  }
});
