/**
 * `cloudbench merge`: shard run folders (local, or downloaded from where `--results-to` put them)
 * into one run folder that analyze, report and the app read like any other. Checked first
 * (shard-set.ts); then the batches (merge-batches.ts) and the load steps (merge-load.ts), written
 * with the run store's own writers; the manifest lists the shards. A merge that fails leaves no
 * merged folder behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureWritableDir } from '../../durable-files';
import { UserError } from '../../errors';
import type { MergedFrom, RunManifest } from '../manifest';
import { isResultsUrl, parseResultsUrl } from '../results-location';
import { downloadRunFolders } from '../results-store';
import { initRunFiles, writeManifest } from '../run-store';
import { mergeBatches } from './merge-batches';
import { mergeLoad } from './merge-load';
import { checkShardSet, runFoldersIn, type ShardFolder } from './shard-set';

export interface MergeOptions {
  /** Shard run folders, folders holding them, or object-store URLs they were uploaded under. */
  inputs: string[];
  /** Where the merged run folder goes. */
  outDir: string;
  onProgress?: (message: string) => void;
}

export interface MergeResult {
  runId: string;
  dir: string;
  shards: number;
  batches: number;
  loadSteps: number;
  /** Load steps not every shard measured, in words (left out of the merged run). */
  leftOut: string[];
}

async function collectFolders(inputs: string[], scratch: string, say: (m: string) => void): Promise<Array<{ dir: string; source: string }>> {
  const out: Array<{ dir: string; source: string }> = [];
  for (const [i, input] of inputs.entries()) {
    if (!isResultsUrl(input)) {
      for (const dir of runFoldersIn(input)) out.push({ dir, source: path.relative(process.cwd(), dir) || dir });
      continue;
    }
    const loc = parseResultsUrl(input, process.env, 'merge');
    const to = path.join(scratch, String(i));
    say(`Downloading the shard folders under ${input}…`);
    const got = await downloadRunFolders(loc, to);
    for (const u of got.unfinished) say(`warning: ${u} has files but no manifest.json (an upload that never finished): left out`);
    if (got.dirs.length === 0) throw new UserError(`no run folders under ${input}${got.unfinished.length ? ' (only unfinished uploads)' : ''}`);
    for (const dir of got.dirs) out.push({ dir, source: `${loc.root}${loc.prefix}${path.relative(to, dir).split(path.sep).join('/')}/` });
  }
  return out;
}

function mergedManifest(runId: string, shards: readonly ShardFolder[], status: RunManifest['status']): RunManifest {
  const first = shards[0].manifest;
  const startedAt = shards.map((s) => s.manifest.startedAt).sort()[0];
  const ends = shards.map((s) => s.manifest.endedAt);
  const endedAt = ends.every((e) => e !== null) ? (ends as string[]).sort().at(-1)! : null;
  const merged: MergedFrom = {
    mergedAt: new Date().toISOString(),
    shards: shards.map((s) => ({
      ...s.manifest.shard,
      runId: s.manifest.runId,
      source: s.source,
      batches: s.batchRows.size,
      loadSteps: s.loadSteps.length,
      startedAt: s.manifest.startedAt,
      endedAt: s.manifest.endedAt,
      cloudbench: s.manifest.versions.cloudbench,
      hostDescription: s.manifest.host,
    })),
  };
  const { shard: _shard, ...rest } = first;
  return {
    ...rest,
    runId,
    status,
    startedAt,
    endedAt: status === 'complete' ? endedAt : null,
    sessions: [{ startedAt, endedAt: status === 'complete' ? endedAt : null, stepsDone: merged.shards.reduce((sum, s) => sum + s.batches, 0) }],
    merged,
  };
}

export async function mergeShards(o: MergeOptions): Promise<MergeResult> {
  const say = o.onProgress ?? (() => {});
  if (o.inputs.length === 0) throw new UserError('merge: name the shard run folders (or the s3://, az://, gs:// prefix they were uploaded to)');
  ensureWritableDir(o.outDir, '--out');
  const scratch = fs.mkdtempSync(path.join(path.resolve(o.outDir), '.merge-'));
  let dir: string | undefined;
  try {
    const shards = checkShardSet(await collectFolders(o.inputs, scratch, say));
    // One group (checked): the merged run takes its id.
    const runId = shards[0].manifest.shard.group;
    dir = path.resolve(o.outDir, runId);
    if (fs.existsSync(dir)) {
      const existing = dir;
      dir = undefined; // not ours to remove
      throw new UserError(`${existing} already exists (merged before?): remove it or merge into another --out`);
    }
    say(`Merging ${shards.length} shard${shards.length > 1 ? 's' : ''} of run ${runId} into ${dir}…`);
    initRunFiles(dir);
    writeManifest(dir, mergedManifest(runId, shards, 'running'));
    const warn = (m: string) => say(`warning: ${m}`);
    const batches = await mergeBatches(dir, runId, shards, warn);
    const load = await mergeLoad(dir, runId, shards, warn);
    for (const l of load.leftOut) say(`warning: load ${l}: left out of the merged run (a shard stopped before it)`);
    writeManifest(dir, mergedManifest(runId, shards, 'complete'));
    return { runId, dir, shards: shards.length, batches, loadSteps: load.steps, leftOut: load.leftOut };
  } catch (err) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
