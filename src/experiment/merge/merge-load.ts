/**
 * The load scenario of merged shards: each platform × step that every shard measured becomes one
 * step of the merged run. Its request rows are put on one clock (each shard's session origin from
 * its rows' wall-clock and monotonic send times) and replayed through the same StepRecorder a live
 * step uses, so the merged step's percentiles come from the union of the shards' latencies (equal
 * to adding their HDR histograms, never an average of percentiles), its offered rate is the sum of
 * the shards' rates, and its per-second series, achieved rate and goodput span all clients. The
 * shards' own step rows are kept beside it (load-shard-steps.jsonl) for the per-client figures.
 */
import path from 'node:path';
import { appendDurably } from '../../durable-files';
import type { LoadRequestRow, LoadStepRow } from '../../schema/load-records';
import { LOAD_FILES, loadStepKey, LoadStore, readLoadRequests } from '../load/load-store';
import { StepRecorder } from '../load/step-recorder';
import type { ShardFolder } from './shard-set';

/** A shard's own step row, as kept in a merged run. */
export type ShardStepRow = LoadStepRow & { shard: number };

export interface LoadMergeResult {
  steps: number;
  /** Steps left out because not every shard measured them (a capacity search stops each shard at its own first miss). */
  leftOut: string[];
}

/** The step's rows of every shard on one clock (ms from the earliest shard's session origin), in intended order. */
function rowsOnOneClock(perShard: LoadRequestRow[][], runId: string): { rows: LoadRequestRow[]; originEpochMs: number } {
  // A row's wall-clock send time minus its monotonic one is its session's origin (to the millisecond Date.now() keeps).
  const origins = perShard.map((rows) => (rows.length ? rows[0].startedAt - rows[0].sentMs : Infinity));
  const base = Math.min(...origins);
  const rows = perShard.flatMap((shardRows, s) => {
    const shift = origins[s] - base;
    return shardRows.map((r) => ({ ...r, run: runId, intendedMs: r.intendedMs + shift, sentMs: r.sentMs + shift }));
  });
  rows.sort((a, b) => a.intendedMs - b.intendedMs);
  rows.forEach((r, i) => (r.seq = i));
  return { rows, originEpochMs: base };
}

function mergeStep(runId: string, shardRows: LoadStepRow[], perShard: LoadRequestRow[][]): { row: LoadStepRow; rows: LoadRequestRow[] } {
  const first = shardRows[0];
  const cold = first.step < 0;
  const { rows, originEpochMs } = rowsOnOneClock(perShard, runId);
  const recorder = new StepRecorder(
    {
      run: runId, platform: first.platform, step: first.step,
      rateRps: shardRows.reduce((sum, s) => sum + s.rateRps, 0),
      arrival: first.arrival,
      startedAt: shardRows.map((s) => s.startedAt).sort()[0],
      counts: cold ? 'cold' : 'measured',
    },
    { percentile: first.slo.percentile, ms: first.slo.ms, errorTolerance: first.slo.errorTolerance },
    'packed',
  );
  const phase = cold ? 'cold' : 'measured';
  const measured = rows.filter((r) => r.phase === phase);
  if (measured.length) {
    const origin = measured[0].intendedMs;
    recorder.startMeasuring(origin, new Date(originEpochMs + origin));
  }
  for (const r of measured) recorder.noteSent(r, false);
  for (const r of rows) recorder.noteDone(r);
  const notComplete = shardRows.filter((s) => s.endedBy !== 'complete');
  const endedBy = notComplete[0]?.endedBy ?? 'complete';
  const endReason = notComplete.length ? notComplete.map((s) => `shard ${(s as ShardStepRow).shard}: ${s.endReason ?? s.endedBy}`).join('; ') : null;
  const row = recorder.finish(shardRows.reduce((sum, s) => sum + s.planned, 0), endedBy, endReason);
  // Which requests waited for an in-flight slot is known only to the client that held them.
  row.heldBack = shardRows.reduce((sum, s) => sum + s.heldBack, 0);
  row.lengthBy = first.lengthBy ?? null;
  const starts = shardRows.map((s) => Date.parse(s.startedAt));
  row.clients = { count: shardRows.length, startSpreadMs: Math.max(...starts) - Math.min(...starts) };
  return { row, rows };
}

/** Writes the merged run's load scenario into `dir`, step by step (one step's rows in memory at a time). */
export async function mergeLoad(dir: string, runId: string, shards: readonly ShardFolder[], warn: (message: string) => void): Promise<LoadMergeResult> {
  const groups = new Map<string, ShardStepRow[]>();
  for (const s of shards) {
    for (const step of s.loadSteps) {
      const key = loadStepKey(step.platform, step.step);
      const kept: ShardStepRow = { ...step, shard: s.manifest.shard.index };
      groups.set(key, [...(groups.get(key) ?? []), kept]);
      appendDurably(path.join(dir, LOAD_FILES.shardSteps), `${JSON.stringify(kept)}\n`);
    }
  }
  if (groups.size === 0) return { steps: 0, leftOut: [] };
  const leftOut: string[] = [];
  const store = await LoadStore.open(dir, runId, warn);
  let steps = 0;
  try {
    const ordered = [...groups.values()].sort((a, b) => a[0].step - b[0].step || a[0].platform.localeCompare(b[0].platform));
    for (const shardRows of ordered) {
      const { platform, step } = shardRows[0];
      // The cold-start probe is shard 0's alone (shard.ts); every rate step must come from every shard.
      if (shardRows.length < (step < 0 ? 1 : shards.length)) {
        const by = shardRows.map((s) => s.shard).join(', ');
        leftOut.push(`${platform} ${step < 0 ? 'cold-start probe' : `step ${step + 1}`}: measured by shard${shardRows.length > 1 ? 's' : ''} ${by} only`);
        continue;
      }
      const perShard = shards.filter((s) => shardRows.some((r) => r.shard === s.manifest.shard.index)).map((s) => [...readLoadRequests(s.dir, { platform, step })]);
      const merged = mergeStep(runId, shardRows, perShard);
      await store.sealStep(merged.rows, merged.row);
      steps += 1;
    }
  } finally {
    store.close();
  }
  return { steps, leftOut };
}
