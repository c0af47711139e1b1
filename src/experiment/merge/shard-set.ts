/**
 * The shards a merge is given, checked before anything is written: one `run --shard` group, every
 * shard present once and complete, the same config and dataset, each folder adding up, and every
 * platform × batch measured by exactly one shard. Each refusal is one line naming the folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors';
import type { RunManifest } from '../manifest';
import { readLoadSteps } from '../load/load-store';
import type { LoadStepRow } from '../../schema/load-records';
import { shownBatch, type BatchRow } from '../../schema/records';
import { checkRun, describeProblem, stepKey } from '../run-check';
import { FILES, readManifest } from '../run-folder';
import { ownsBatch } from '../shard';

export interface ShardFolder {
  dir: string;
  /** Where it came from, for messages and the merged manifest (a path or an object-store URL). */
  source: string;
  manifest: RunManifest & { shard: NonNullable<RunManifest['shard']> };
  loadSteps: LoadStepRow[];
  /** The batch rows its folder holds (sealed and adding up), by step (platform#batch): read once, by the check. */
  batchRows: Map<string, BatchRow>;
}

/** The run folders a path names: itself, or (a downloaded prefix, a folder of shards) the run folders inside it. */
export function runFoldersIn(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new UserError(`${dir} does not exist`);
  if (fs.existsSync(path.join(dir, FILES.manifest))) return [path.resolve(dir)];
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${dir} is not a run folder`);
  const inside = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => runFoldersIn(path.join(dir, e.name)))
    .sort();
  return inside;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** Reads and checks the shards; returns them in index order. */
export function checkShardSet(folders: Array<{ dir: string; source: string }>): ShardFolder[] {
  if (folders.length === 0) throw new UserError('no shard run folders found to merge');
  const shards: ShardFolder[] = [];
  for (const { dir, source } of folders) {
    const manifest = readManifest(dir);
    if (!manifest.shard) throw new UserError(`${source} is not a shard (it was run without --shard): merge takes the folders of one "run --shard I/N" group`);
    shards.push({ dir, source, manifest: manifest as ShardFolder['manifest'], loadSteps: [], batchRows: new Map() });
  }
  const [first] = shards;
  const n = first.manifest.shard.count;
  for (const s of shards.slice(1)) {
    const { shard } = s.manifest;
    if (shard.count !== n) throw new UserError(`shards of different splits: ${first.source} is shard ${first.manifest.shard.index} of ${n}, ${s.source} is shard ${shard.index} of ${shard.count}`);
    if (s.manifest.configHash !== first.manifest.configHash) {
      throw new UserError(`shards of different configs: ${first.source} (config hash ${short(first.manifest.configHash)}) and ${s.source} (${short(s.manifest.configHash)})`);
    }
    if (s.manifest.shard.group !== first.manifest.shard.group || s.manifest.shard.startAt !== first.manifest.shard.startAt) {
      throw new UserError(`shards of different runs: ${first.source} is of run ${first.manifest.shard.group} (start ${first.manifest.shard.startAt ?? 'none'}), ${s.source} of run ${s.manifest.shard.group} (start ${s.manifest.shard.startAt ?? 'none'})`);
    }
    if (s.manifest.dataset.sha256 !== first.manifest.dataset.sha256) {
      throw new UserError(`shards of different datasets: ${first.source} (sha256 ${short(first.manifest.dataset.sha256)}) and ${s.source} (${short(s.manifest.dataset.sha256)})`);
    }
  }
  const byIndex = new Map<number, ShardFolder>();
  for (const s of shards) {
    const twin = byIndex.get(s.manifest.shard.index);
    if (twin) throw new UserError(`shard ${s.manifest.shard.index} of ${n} is given twice (${twin.source} and ${s.source}): its batches would be measured twice`);
    byIndex.set(s.manifest.shard.index, s);
  }
  const missing = [...Array(n).keys()].filter((i) => !byIndex.has(i));
  if (missing.length) {
    throw new UserError(`shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${n} ${missing.length > 1 ? 'are' : 'is'} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`);
  }
  for (const s of shards) {
    if (s.manifest.status !== 'complete') {
      throw new UserError(`shard ${s.manifest.shard.index} of ${n} (${s.source}) is ${s.manifest.status}: finish it where it ran (cloudbench run --resume ${s.manifest.runId}), upload or copy its folder again, and merge again`);
    }
  }
  const ordered = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
  checkCoverage(ordered);
  for (const s of ordered) s.loadSteps = readLoadSteps(s.dir);
  return ordered;
}

/** Every platform × batch once, by the shard the split gives it to; each folder adds up. */
function checkCoverage(shards: ShardFolder[]): void {
  const measuredBy = new Map<string, ShardFolder>();
  for (const s of shards) {
    const check = checkRun(s.dir, s.manifest);
    if (check.problems.length) throw new UserError(`${s.source} does not add up: ${describeProblem(check.problems[0])}`);
    for (const b of check.batches) {
      const key = stepKey(b.platform, b.batch);
      s.batchRows.set(key, b);
      const other = measuredBy.get(key);
      if (other) throw new UserError(`${b.platform} batch ${shownBatch(b.batch)} is measured twice: by ${other.source} and by ${s.source}`);
      if (!ownsBatch(s.manifest.shard, b.batch)) {
        throw new UserError(`${s.source} measured ${b.platform} batch ${shownBatch(b.batch)}, which the split gives to shard ${b.batch % s.manifest.shard.count}`);
      }
      measuredBy.set(key, s);
    }
  }
  const { manifest } = shards[0];
  for (const platform of Object.keys(manifest.config.platforms)) {
    for (let batch = 0; batch < manifest.plannedBatches; batch++) {
      if (!measuredBy.has(stepKey(platform, batch))) {
        throw new UserError(`${platform} batch ${shownBatch(batch)} of ${manifest.plannedBatches} was measured by no shard (shard ${batch % shards.length} should have)`);
      }
    }
  }
}
