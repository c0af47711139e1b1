/**
 * The load scenario of a run: cold-start probes, then rate steps — a sweep over the configured
 * rates or a step-up capacity search that stops a platform at its first rate that misses the
 * target — interleaved across platforms the way batches are (every platform runs rate k, in a
 * seeded order, before any runs rate k + 1), so drift over time favours no platform. Every
 * platform sees the same arrival schedule and the same images at a given step.
 */
import { performance } from 'node:perf_hooks';
import { searchRates, stepRequestCounts, type CapacitySearch, type LoadConfig } from '../../config/load';
import type { ImageItem } from '../../datasets/types';
import type { LoadRequestRow, LoadStepRow } from '../../schema/load-records';
import type { InferenceEndpoint } from '../../targets/types';
import { planSteps } from '../plan';
import { shardSeed, shardStep, slotDrainMs, type ShardSpec } from '../shard';
import { stepSeed } from './arrival-schedule';
import { ImageFeed } from './image-feed';
import { runLoadStep, type StepProgress } from './load-step';
import { loadStepKey, LoadStore } from './load-store';

export type LoadEvent =
  | { type: 'load-start'; platforms: string[]; rates: number[]; mode: 'sweep' | 'search'; stepsDone: number; /** A shard's share: it offers 1/shareOf of every rate. */ shareOf?: number }
  | { type: 'load-idle'; platform: string; seconds: number }
  | { type: 'load-progress'; progress: StepProgress }
  | { type: 'load-step'; row: LoadStepRow }
  | { type: 'load-end'; capacity: Record<string, number | null>; /** Platforms that met the target at every rate tried: their capacity is at least that. */ atLeast: string[] };

export interface LoadScenarioContext {
  runId: string;
  dir: string;
  load: LoadConfig;
  seed: number;
  items: readonly ImageItem[];
  endpoints: Record<string, InferenceEndpoint>;
  /** Steps sealed by an earlier session of this run (resume): not measured again. */
  sealed: readonly LoadStepRow[];
  t0: number;
  stop: AbortSignal;
  abort: AbortSignal;
  /** This client's share of every rate step (shard.ts); only shard 0 sends the cold-start probe. */
  shard?: ShardSpec;
  /** Begin each step in its slot of the shards' common timetable, counted from `t0` (the shared start; shard.ts). */
  timetable?: boolean;
  emit(event: LoadEvent): void;
  warn(message: string): void;
}

/** The highest rate that met the target with every lower rate meeting it too; null when the first missed. */
export function capacityOf(steps: readonly Pick<LoadStepRow, 'step' | 'rateRps' | 'meetsSlo'>[]): number | null {
  let capacity: number | null = null;
  for (const s of [...steps].filter((x) => x.step >= 0).sort((a, b) => a.rateRps - b.rateRps)) {
    if (!s.meetsSlo) break;
    capacity = s.rateRps;
  }
  return capacity;
}

function idle(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}

/** A step slower than its slot by this much makes the next one start late: said as a warning. */
const LATE_SLOT_MS = 250;

/** When each platform × step may begin (monotonic ms), from the shared start: see slotDrainMs in shard.ts. */
function timetable(load: LoadConfig, rates: readonly number[], orderOf: (round: number) => string[], t0: number): Map<string, number> {
  const drain = slotDrainMs(load.slo.ms);
  const slots = new Map<string, number>();
  let at = t0;
  if (load.coldStart) {
    for (const platform of orderOf(rates.length)) {
      slots.set(loadStepKey(platform, -1), at);
      at += load.coldStart.idleS * 1000 + drain;
    }
  }
  rates.forEach((rate, k) => {
    const c = stepRequestCounts(load, rate);
    for (const platform of orderOf(k)) {
      slots.set(loadStepKey(platform, k), at);
      at += ((c.warmup + c.measured) / rate) * 1000 + drain;
    }
  });
  return slots;
}

/** Runs the scenario; steps are sealed in the run folder as they finish. Resolves with every sealed step row. */
export async function runLoadScenario(ctx: LoadScenarioContext): Promise<LoadStepRow[]> {
  const { load } = ctx;
  const platforms = Object.keys(ctx.endpoints);
  const rates = load.rates ?? searchRates(load.search as CapacitySearch);
  const mode = load.rates ? 'sweep' : 'search';
  const rows: LoadStepRow[] = [...ctx.sealed];
  const sealed = new Set(rows.map((r) => loadStepKey(r.platform, r.step)));
  ctx.emit({ type: 'load-start', platforms, rates, mode, stepsDone: rows.length, ...(ctx.shard && ctx.shard.count > 1 ? { shareOf: ctx.shard.count } : {}) });
  const store = await LoadStore.open(ctx.dir, ctx.runId, ctx.warn);
  // The same per-round platform shuffle as batches, from its own stream of the run's seed.
  const orders = planSteps(platforms, rates.length + 1, 'interleaved', (ctx.seed ^ 0x10ad) >>> 0);
  const orderOf = (round: number) => orders.filter((s) => s.batch === round).map((s) => s.platform);
  const slots = ctx.timetable ? timetable(load, rates, orderOf, ctx.t0) : null;
  const sharded = Boolean(ctx.shard && ctx.shard.count > 1);
  /** Waits for the step's slot; false when stopped meanwhile. */
  const inSlot = async (platform: string, step: number): Promise<boolean> => {
    const at = slots?.get(loadStepKey(platform, step));
    if (at === undefined) return !ctx.stop.aborted;
    const wait = at - performance.now();
    if (wait > 0) await idle(wait, ctx.stop);
    else if (-wait > LATE_SLOT_MS) ctx.warn(`${platform} ${step < 0 ? 'cold-start probe' : `step ${step + 1}`} starts ${(-wait / 1000).toFixed(1)} s after its slot in the shards' timetable (the step before ran over)`);
    return !ctx.stop.aborted;
  };

  const measure = async (platform: string, step: number, fullRate: number, fullCounts: { warmup: number; measured: number; lengthBy: LoadStepRow['lengthBy'] }) => {
    const { rate, counts } = step < 0 ? { rate: fullRate, counts: fullCounts } : shardStep(ctx.shard, fullRate, fullCounts);
    // A shard judges nothing on its own part: no early stop (the merged step decides), 1/N of the in-flight bound.
    const stepLoad = step < 0 || sharded ? { ...load, earlyStop: false, maxInFlight: sharded ? Math.ceil(load.maxInFlight / ctx.shard!.count) : load.maxInFlight } : load;
    const seed = shardSeed(ctx.shard, stepSeed(ctx.seed, step));
    const requestRows: LoadRequestRow[] = [];
    const measured = await runLoadStep(
      {
        // A cold probe is one request timed to its end, whatever it takes: never stopped early.
        runId: ctx.runId, platform, step, rateRps: rate, load: stepLoad, endpoint: ctx.endpoints[platform],
        feed: new ImageFeed(ctx.items, seed), seed, t0: ctx.t0, sink: (r) => requestRows.push(r),
        stop: ctx.stop, abort: ctx.abort, onProgress: (progress) => ctx.emit({ type: 'load-progress', progress }), cold: step < 0,
        phase: ctx.shard ? ctx.shard.index / ctx.shard.count : 0,
      },
      counts,
    );
    // An interrupted step is not sealed: a resumed run measures it again from the start.
    if (measured.endedBy === 'interrupted') return;
    const row: LoadStepRow = { ...measured, lengthBy: counts.lengthBy };
    await store.sealStep(requestRows, row);
    rows.push(row);
    sealed.add(loadStepKey(platform, step));
    ctx.emit({ type: 'load-step', row });
  };

  try {
    if (load.coldStart) {
      for (const platform of orderOf(rates.length)) {
        if (ctx.stop.aborted) break;
        if (sealed.has(loadStepKey(platform, -1))) continue;
        // One cold request, as from one client: shard 0 sends it, the others keep the endpoint idle.
        if (sharded && ctx.shard!.index !== 0) continue;
        if (!(await inSlot(platform, -1))) break;
        ctx.emit({ type: 'load-idle', platform, seconds: load.coldStart.idleS });
        await idle(load.coldStart.idleS * 1000, ctx.stop);
        if (ctx.stop.aborted) break;
        await measure(platform, -1, 0, { warmup: 0, measured: 1, lengthBy: 'count' });
      }
    }
    for (let k = 0; k < rates.length && !ctx.stop.aborted; k++) {
      for (const platform of orderOf(k)) {
        if (ctx.stop.aborted) break;
        if (sealed.has(loadStepKey(platform, k))) continue;
        // A search is over for a platform at its first rate that misses the target.
        // (A shard's part never ends a search: the merged steps decide, and capacity is read from them.)
        if (mode === 'search' && !sharded && rows.some((r) => r.platform === platform && r.step >= 0 && r.step < k && !r.meetsSlo)) continue;
        if (!(await inSlot(platform, k))) break;
        await measure(platform, k, rates[k], stepRequestCounts(load, rates[k]));
      }
    }
  } finally {
    store.close();
  }
  if (!ctx.stop.aborted) {
    const missed = (p: string) => rows.some((r) => r.platform === p && r.step >= 0 && !r.meetsSlo);
    ctx.emit({
      type: 'load-end',
      capacity: Object.fromEntries(platforms.map((p) => [p, capacityOf(rows.filter((r) => r.platform === p))])),
      atLeast: platforms.filter((p) => !missed(p)),
    });
  }
  return rows;
}
