/**
 * The batch protocol of merged shards: every shard's request rows, in the order the single-client
 * run would have measured them (the shards' files are each in that order, so a k-way walk keeps
 * one batch in memory), relabelled with the merged run's id, and each batch row computed again
 * from its rows exactly as a live batch is (records.ts), then written and sealed with the run
 * store's own writers. A batch keeps its shard's start time.
 */
import type { ExperimentConfig } from '../../config/experiment';
import type { BatchRow, RequestRow } from '../../schema/records';
import { UserError } from '../../errors';
import { planSteps } from '../plan';
import { warmupBatchesOf, type ShardSpec } from '../shard';
import { batchMetrics } from '../records';
import { RunSealing } from '../request-store/run-sealing';
import { fileLines, FILES, parseRequestLine, stepKey } from '../run-check';
import { appendBatch } from '../run-store';
import type { ShardFolder } from './shard-set';
import path from 'node:path';

/** A shard's sealed batches as groups of request rows, in file order. */
function* batchGroups(shard: ShardFolder): Generator<{ key: string; rows: RequestRow[] }> {
  const sealed = shard.batchRows;
  let current: { key: string; rows: RequestRow[] } | null = null;
  for (const { line, torn } of fileLines(path.join(shard.dir, FILES.requests))) {
    if (torn || line === '') continue;
    const parsed = parseRequestLine(line, shard.manifest.runId);
    if ('error' in parsed) continue; // checked before the merge began (shard-set.ts)
    const key = stepKey(parsed.row.platform, parsed.row.batch);
    if (!sealed.has(key)) continue;
    if (current && current.key !== key) {
      yield current;
      current = null;
    }
    current ??= { key, rows: [] };
    current.rows.push(parsed.row);
  }
  if (current) yield current;
}

export function mergedBatchRow(runId: string, config: Pick<ExperimentConfig, 'warmupBatches' | 'failureTolerance'>, shard: ShardSpec, rows: RequestRow[], shardRow: BatchRow): BatchRow {
  const metrics = batchMetrics(rows, { images: shardRow.images, bytes: shardRow.bytes });
  return {
    run: runId,
    platform: shardRow.platform,
    batch: shardRow.batch,
    warmup: shardRow.batch < warmupBatchesOf(config.warmupBatches, shard),
    status: metrics.failures > config.failureTolerance * metrics.requests ? 'failed' : 'ok',
    images: shardRow.images,
    bytes: shardRow.bytes,
    ...metrics,
    startedAt: shardRow.startedAt,
  };
}

/** Writes every batch of the shards into the merged run folder `dir`; returns how many. */
export async function mergeBatches(dir: string, runId: string, shards: readonly ShardFolder[], warn: (message: string) => void, onBatch?: (done: number, total: number) => void): Promise<number> {
  const { manifest } = shards[0];
  const config = manifest.config;
  const plan = planSteps(Object.keys(config.platforms), manifest.plannedBatches, config.order, config.seed);
  const groups = shards.map((s) => batchGroups(s));
  const sealing = await RunSealing.start(dir, runId, false, warn);
  let done = 0;
  try {
    for (const step of plan) {
      const s = step.batch % shards.length;
      const key = stepKey(step.platform, step.batch);
      const next = groups[s].next();
      // The shards were checked to hold each of their batches once, in plan order.
      if (next.done || next.value.key !== key) {
        throw new UserError(`${shards[s].source}: ${FILES.requests} holds its batches out of the run's order (${key.replace('#', ' batch ')} expected, ${next.done ? 'the end' : next.value.key.replace('#', ' batch ')} found); it cannot be merged`);
      }
      const rows = next.value.rows.map((r) => ({ ...r, run: runId }));
      const row = mergedBatchRow(runId, config, shards[s].manifest.shard, rows, shards[s].batchRows.get(key)!);
      appendBatch(dir, rows, row);
      await sealing.sealStep(step.platform, step.batch, rows);
      done += 1;
      onBatch?.(done, plan.length);
    }
  } finally {
    await sealing.finish();
  }
  return done;
}
