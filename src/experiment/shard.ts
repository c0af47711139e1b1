/**
 * One experiment from many client machines: shard I of N measures a fixed share of the work, and
 * `cloudbench merge` puts the shards' folders back together as one run.
 *
 * The split, fixed and documented so every batch is measured exactly once across shards:
 * - the batch protocol: batch b goes to shard b mod N (round robin, so every shard works through
 *   the whole batch range at the same time and drift over the run favours no shard); every client
 *   warms up on its own first `warmupBatches` batches, so batches b < warmupBatches × N are warm-up;
 * - a load scenario: every shard offers 1/N of every rate (warm-up and measured requests divided
 *   alike, so a shard's step lasts as long as the single-client step), Poisson arrivals from a seed
 *   of the shard's own (N independent Poisson streams of rate r/N add up to one of rate r), constant
 *   arrivals shifted by I/N of the shard's gap (together: the single client's even spacing), and
 *   1/N of the in-flight bound. No shard stops a step early or ends a capacity search on its own
 *   part: whether a step met the target is decided on the merged step. Only shard 0 sends the
 *   cold-start probe (one request, as from one client); the others stay idle in its slot.
 * A shared start (`--start-at`) anchors every shard's clock to the same instant.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { UserError } from '../errors';

export interface ShardSpec {
  /** 0-based, as Kubernetes' JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

/** What a shard's manifest records about the client that ran it. */
export interface ShardInfo extends ShardSpec {
  /** The id the shards share (the merged run's id); this shard's run id is shardRunId(group, spec). */
  group: string;
  /** The shared start, ISO 8601 (null: the shard started when it was launched). */
  startAt: string | null;
  /** How late the shard began measuring after the shared start, ms (null without one). */
  lagMs: number | null;
  host: string;
  /** From the environment when the launcher says (the Kubernetes Job sets them); null when unknown. */
  node: string | null;
  pod: string | null;
  region: string | null;
  zone: string | null;
}

export const MAX_SHARDS = 1000;

/**
 * `--shard I/N` (shard I of N, I from 0), or `--shard N` with the index from JOB_COMPLETION_INDEX,
 * which an Indexed Job sets in every pod.
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const m = /^\s*(?:(\d+)\s*\/\s*)?(\d+)\s*$/.exec(text);
  if (!m) throw new UserError(`--shard is "${text}": give I/N (shard I of N, I from 0) or N alone (the index from JOB_COMPLETION_INDEX)`);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UserError(`--shard: N is ${count}; it must be 1 to ${MAX_SHARDS}`);
  let indexText: string | undefined = m[1];
  if (indexText === undefined) {
    const fromEnv = env.JOB_COMPLETION_INDEX;
    if (fromEnv === undefined) throw new UserError(`--shard ${count} takes the index from JOB_COMPLETION_INDEX, which is not set: give it as --shard I/${count}`);
    if (!/^\d+$/.test(fromEnv.trim())) throw new UserError(`JOB_COMPLETION_INDEX is "${fromEnv}", not a whole number`);
    indexText = fromEnv.trim();
  }
  const index = Number(indexText);
  if (index >= count) throw new UserError(`--shard: index ${index} is not below the shard count ${count} (indices run 0 to ${count - 1})`);
  return { index, count };
}

/** `--start-at`: an ISO 8601 instant with a time zone, so every machine reads the same one. */
export function parseStartAt(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.exec(text.trim());
  const at = new Date(text.trim());
  // Date rolls 2026-02-30 over to March 2: a day or hour that does not exist is refused instead.
  const real = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDate() === +m[3] && +m[2] <= 12 && +m[4] < 24 && +m[5] < 60;
  if (!m || !real || Number.isNaN(at.getTime())) {
    throw new UserError(`--start-at is "${text}": give an ISO 8601 time with its zone, e.g. ${new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z')}`);
  }
  return at;
}

const GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/;

/** `--run-id`: it names folders and object-store prefixes, so only letters, digits, '.', '_' and '-'. */
export function checkRunId(id: string, flag = '--run-id'): string {
  if (!GROUP_ID.test(id)) throw new UserError(`${flag} is "${id}": use 1 to 81 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return id;
}

export function shardRunId(group: string, spec: ShardSpec): string {
  return `${group}-shard-${spec.index}-of-${spec.count}`;
}

export function ownsBatch(spec: ShardSpec | undefined, batch: number): boolean {
  return !spec || batch % spec.count === spec.index;
}

/** A shard's part of a load step: 1/N of the rate and of its warm-up and measured requests. */
export function shardStep<C extends { warmup: number; measured: number }>(spec: ShardSpec | undefined, rate: number, counts: C): { rate: number; counts: C } {
  if (!spec || spec.count === 1) return { rate, counts };
  return {
    rate: rate / spec.count,
    counts: { ...counts, warmup: Math.ceil(counts.warmup / spec.count), measured: Math.ceil(counts.measured / spec.count) },
  };
}

/** Batches per platform that are warm-up: every client's own first `warmupBatches`. */
export function warmupBatchesOf(warmupBatches: number, spec: ShardSpec | undefined): number {
  return warmupBatches * (spec?.count ?? 1);
}

/** The shard's own arrival seed (Poisson) from the step's seed; shard 0 of any N keeps the step's own. */
export function shardSeed(spec: ShardSpec | undefined, seed: number): number {
  return !spec || spec.index === 0 ? seed : (Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b) + Math.imul(spec.index, 0x27d4eb2f)) >>> 0;
}

/**
 * The shards' common load timetable: every platform × step of the scenario gets a slot of its own,
 * back to back from the shared start, in the scenario's order (the same on every shard), so the
 * shards' parts of a step run at the same time and their offered rates really add up at the
 * endpoint. A slot lasts the step's planned length at the full rate (warm-up included; a shard's
 * 1/N of the requests at 1/N of the rate takes as long) or the cold probe's idle time, plus time
 * for the last responses: twice the latency target, at least DRAIN_MIN_MS. A shard whose step runs
 * over starts the next one late, and says so.
 */
export const DRAIN_MIN_MS = 2000;

export function slotDrainMs(sloMs: number): number {
  return Math.max(DRAIN_MIN_MS, 2 * sloMs);
}

/** The client as the environment describes it (a Kubernetes Job sets these; see the README). */
export function describeClient(env: NodeJS.ProcessEnv = process.env): Pick<ShardInfo, 'host' | 'node' | 'pod' | 'region' | 'zone'> {
  const v = (name: string) => (env[name]?.trim() ? env[name]!.trim() : null);
  return { host: os.hostname(), node: v('CLOUDBENCH_NODE'), pod: v('CLOUDBENCH_POD'), region: v('CLOUDBENCH_REGION'), zone: v('CLOUDBENCH_ZONE') };
}

/**
 * Waits for the shared start; resolves with how late this shard is (0 when it waited), ms, and
 * the monotonic time of the shared start (the session's origin: every shard's times count from
 * the same instant). Resolves early, with what it has, when `stop` aborts.
 */
export async function waitForStart(startAt: Date, stop: AbortSignal, onWait: (ms: number) => void): Promise<{ lagMs: number; originMono: number }> {
  const wait = startAt.getTime() - Date.now();
  if (wait > 0) {
    onWait(wait);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      };
      // Timers wait at most 2^31 − 1 ms (~24.8 days): a later start is waited for in steps.
      let timer = setTimeout(function tick() {
        const left = startAt.getTime() - Date.now();
        if (left > 0) timer = setTimeout(tick, Math.min(left, 2 ** 31 - 1));
        else done();
      }, Math.min(wait, 2 ** 31 - 1));
      stop.addEventListener('abort', done, { once: true });
    });
  }
  const lagMs = Math.max(0, Date.now() - startAt.getTime());
  // Never in the future (a timer can fire a millisecond early): no time of the run may be negative.
  return { lagMs, originMono: Math.min(performance.now(), performance.now() - (Date.now() - startAt.getTime())) };
}
