/**
 * One rate step on one platform's endpoint, open loop: every request has an intended start from
 * the schedule and is sent then, whether or not earlier ones have answered. At most `maxInFlight`
 * are outstanding; an arrival beyond that waits for a slot (its wait counts in its corrected
 * latency and in the step's `heldBack`), it is never dropped. Rows go to `sink` as responses
 * arrive; statistics accumulate in a StepRecorder, so memory does not grow with the step.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { LoadConfig } from '../../config/load';
import type { LoadRequestRow, LoadStepRow, StepEnd } from '../../schema/load-records';
import type { InferenceEndpoint } from '../../targets/types';
import { arrivalOffsets } from './arrival-schedule';
import type { ImageFeed } from './image-feed';
import { percentileRank } from '../../schema/latency-histogram';
import { ABANDONED, StepRecorder } from './step-recorder';
import { detectionCount } from '../../protocol/scoring';

export interface StepProgress {
  platform: string;
  step: number;
  rateRps: number;
  planned: number;
  warmup: number;
  sent: number;
  done: number;
  failed: number;
  inFlight: number;
  /** Corrected latency over target so far (measured requests). */
  overTarget: number;
}

export interface LoadStepContext {
  runId: string;
  platform: string;
  step: number;
  rateRps: number;
  load: Pick<LoadConfig, 'arrival' | 'slo' | 'errorTolerance' | 'earlyStop' | 'maxInFlight'>;
  endpoint: InferenceEndpoint;
  feed: ImageFeed;
  seed: number;
  /** Monotonic origin of the run session: rows' times count from it. */
  t0: number;
  sink(row: LoadRequestRow): void;
  /** Send nothing more; wait for the requests in flight (first Ctrl-C). */
  stop: AbortSignal;
  /** End the requests in flight too (second Ctrl-C). */
  abort: AbortSignal;
  onProgress?(p: StepProgress): void;
  /** A cold-start probe: its one request's row says `cold`, not `measured`. */
  cold?: boolean;
  /** Constant arrivals start this part of a gap late (a shard's place among the others, shard.ts). */
  phase?: number;
}

interface Pending {
  seq: number;
  intended: number;
}

/** First-in first-out with O(1) take: under overload thousands of arrivals may wait for a slot. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
  /** From the oldest, while `take` holds: how many of those items `counts`. */
  countWhile(take: (item: T) => boolean, counts: (item: T) => boolean): number {
    let n = 0;
    for (let i = this.head; i < this.items.length && take(this.items[i]); i++) if (counts(this.items[i])) n++;
    return n;
  }
}

/** How often the early-stop rule and the progress line are looked at, ms. */
const TICK_MS = 250;
/** Within this long of a send the dispatcher polls the clock instead of sleeping on a timer. */
export const SPIN_MS = 1.5;
/** The schedule starts this long after the step is set up, so its first request is not born late. */
const LEAD_MS = 5;

export async function runLoadStep(ctx: LoadStepContext, counts: { warmup: number; measured: number }): Promise<LoadStepRow> {
  const { load } = ctx;
  const total = counts.warmup + counts.measured;
  const measuredPhase = ctx.cold ? 'cold' : 'measured';
  // A cold probe is one request at the origin: any rate draws that first offset (0).
  const offset = arrivalOffsets(load.arrival, ctx.cold ? 1 : ctx.rateRps, ctx.seed, ctx.cold ? 0 : (ctx.phase ?? 0));
  // The first images are read before the clock starts: a cold disk read must not make the first sends late.
  await ctx.feed.ready();
  const origin = performance.now() + LEAD_MS;
  // Drawn one at a time as the schedule advances: a long step holds none of them.
  let nextOffset = offset();
  const recorder = new StepRecorder(
    { run: ctx.runId, platform: ctx.platform, step: ctx.step, rateRps: ctx.rateRps, arrival: load.arrival, startedAt: new Date().toISOString(), counts: measuredPhase },
    { ...load.slo, errorTolerance: load.errorTolerance },
  );
  const requestAbort = new AbortController();
  setMaxListeners(0, requestAbort.signal); // every request in flight listens to it
  const onAbort = () => requestAbort.abort();
  ctx.abort.addEventListener('abort', onAbort, { once: true });

  const held = new Fifo<Pending>();
  const inFlight = new Set<Pending>();
  let next = 0;
  let sentTotal = 0;
  // In an object: TypeScript does not see the closures below assign a plain `let`.
  const state: { ended: { by: StepEnd; reason: string | null } | null } = { ended: null };
  let wake: (() => void) | null = null;
  let drained: (() => void) | null = null;
  const end = (by: StepEnd, reason: string | null) => {
    if (state.ended) return;
    state.ended = { by, reason };
    // Arrivals still waiting for a slot are never sent (counted as planned − sent).
    held.clear();
    if (by === 'early-stop') requestAbort.abort();
    wake?.();
    if (inFlight.size === 0) drained?.();
  };

  /** Fails for certain once over-target + failed + overdue-pending exceed what the target allows (see README "Load scenario"). */
  const checkEarlyStop = () => {
    if (!load.earlyStop || state.ended) return;
    const planned = counts.measured;
    const allowedFailures = Math.floor(load.errorTolerance * planned);
    if (recorder.failed > allowedFailures) {
      return end('early-stop', `${recorder.failed} of ${planned} requests failed, more than the ${allowedFailures} the tolerance allows`);
    }
    const now = performance.now();
    const isOverdue = (p: Pending) => now - p.intended > load.slo.ms;
    let overdue = 0;
    for (const p of inFlight) if (p.seq >= counts.warmup && isOverdue(p)) overdue += 1;
    // Held arrivals are in schedule order: the overdue ones are at the front.
    overdue += held.countWhile(isOverdue, (p) => p.seq >= counts.warmup);
    const allowed = planned - percentileRank(load.slo.percentile, planned) + allowedFailures;
    const bad = recorder.overTarget + overdue + recorder.failed;
    if (bad > allowed) {
      end('early-stop', `${bad} of ${planned} requests are over ${load.slo.ms} ms or failed (${overdue} still waiting); p${load.slo.percentile} can no longer be within target`);
    }
  };

  const send = async (p: Pending, wasHeld: boolean) => {
    inFlight.add(p);
    sentTotal += 1;
    let row: LoadRequestRow;
    const phase = p.seq < counts.warmup ? 'warmup' : measuredPhase;
    try {
      // Taken at the send, not at the arrival: a held arrival holds no image. Sends leave in schedule order, so the seeded order holds.
      const { item, body } = await ctx.feed.take();
      const result = await ctx.endpoint.invoke(body, item.contentType, { signal: requestAbort.signal });
      const r = result.record;
      // Ended by our own early stop, not by the endpoint: abandoned, not failed.
      const abandoned = !r.ok && state.ended?.by === 'early-stop' && r.errorCode === 'Aborted';
      const modelMs = result.response && Number.isFinite(result.response.inferenceMs) ? result.response.inferenceMs : null;
      row = {
        run: ctx.runId, platform: ctx.platform, step: ctx.step, rateRps: ctx.rateRps, phase, seq: p.seq,
        key: item.name, bytes: r.bytes,
        intendedMs: p.intended - ctx.t0, sentMs: r.startedMono - ctx.t0, startedAt: r.startedAt,
        latencyMs: r.durationMs, correctedMs: r.startedMono + r.durationMs - p.intended,
        attempts: r.attempts, ok: r.ok, errorCode: r.ok ? null : abandoned ? ABANDONED : (r.errorCode ?? 'Error'),
        modelMs, instances: result.response?.instances ?? null, detections: detectionCount(result.response),
      };
    } catch (err) {
      // The dataset file could not be read: a failed request of the step, never a crash mid-run.
      const now = performance.now();
      row = {
        run: ctx.runId, platform: ctx.platform, step: ctx.step, rateRps: ctx.rateRps, phase, seq: p.seq,
        key: '', bytes: 0, intendedMs: p.intended - ctx.t0, sentMs: now - ctx.t0, startedAt: Date.now(),
        latencyMs: 0, correctedMs: now - p.intended, attempts: 0, ok: false,
        errorCode: (err as NodeJS.ErrnoException).code ?? 'DatasetReadError', modelMs: null, instances: null, detections: null,
      };
    }
    inFlight.delete(p);
    if (phase === measuredPhase) recorder.noteSent(row, wasHeld);
    recorder.noteDone(row);
    ctx.sink(row);
    checkEarlyStop();
    // A freed slot goes to the oldest held arrival first.
    const waiting = state.ended ? undefined : held.shift();
    if (waiting) void send(waiting, true);
    if (inFlight.size === 0 && (held.length === 0 || state.ended)) drained?.();
  };

  const progress = () =>
    ctx.onProgress?.({
      platform: ctx.platform, step: ctx.step, rateRps: ctx.rateRps, planned: counts.measured, warmup: counts.warmup,
      sent: sentTotal, done: recorder.completed + recorder.warmup, failed: recorder.failed, inFlight: inFlight.size, overTarget: recorder.overTarget,
    });
  const ticker = setInterval(() => {
    checkEarlyStop();
    progress();
  }, TICK_MS);
  const onStop = () => end('interrupted', 'interrupted');
  ctx.stop.addEventListener('abort', onStop, { once: true });
  if (ctx.stop.aborted) onStop();

  try {
    while (next < total && !state.ended) {
      const due = origin + nextOffset;
      const wait = due - performance.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          // Timers fire on whole milliseconds and late: sleep to just before the due time, then
          // yield to the event loop (setImmediate) until it comes, so responses keep being read.
          const coarse = wait > SPIN_MS;
          const timer = coarse ? setTimeout(done, wait - SPIN_MS) : undefined;
          const immediate = coarse ? undefined : setImmediate(done);
          function done() {
            clearTimeout(timer);
            clearImmediate(immediate);
            wake = null;
            resolve();
          }
          wake = done;
        });
        continue;
      }
      const now = performance.now();
      while (next < total && origin + nextOffset <= now) {
        if (next === counts.warmup) recorder.startMeasuring(origin + nextOffset - ctx.t0);
        const p: Pending = { seq: next, intended: origin + nextOffset };
        next += 1;
        nextOffset = offset();
        if (inFlight.size < load.maxInFlight && held.length === 0) void send(p, false);
        else held.push(p);
      }
    }
    if (inFlight.size > 0 || held.length > 0) await new Promise<void>((resolve) => (drained = resolve));
  } finally {
    clearInterval(ticker);
    ctx.stop.removeEventListener('abort', onStop);
    ctx.abort.removeEventListener('abort', onAbort);
  }
  progress();
  return recorder.finish(counts.measured, state.ended?.by ?? 'complete', state.ended?.reason ?? null);
}
