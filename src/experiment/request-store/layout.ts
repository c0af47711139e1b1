/**
 * Where a run's sealed request rows live: Parquet files in a Hive-partitioned folder inside the
 * run folder, `requests/run=<run-id>/platform=<name>/phase=<phase>/`, so that copying `requests/`
 * of many runs under one prefix gives a table partitioned by run, platform and phase (DuckDB,
 * pandas/pyarrow, Athena, BigQuery read it as such). The partition columns are in the path only.
 *
 * A file's name says which batches it holds, and it holds every batch of its range:
 * `step-b00007.parquet` (one platform × batch, written as the batch is sealed) or
 * `part-b00000-b00115.parquet` (a compaction of a contiguous run of those). A compaction is renamed
 * into place before the step files it covers are removed, so after a crash both can exist: readers
 * take the widest ranges and ignore what they cover.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PHASES, type Phase } from '../../schema/phases';

export const REQUESTS_DIR = 'requests';

/** Partition values go into paths unescaped: run ids and platform names are checked to need no escaping. */
const SAFE_VALUE = /^[A-Za-z0-9._-]+$/;

export function isSafePartitionValue(v: string): boolean {
  return SAFE_VALUE.test(v) && v !== '.' && v !== '..';
}

export function partitionDir(runDir: string, runId: string, platform: string, phase: Phase): string {
  return path.join(runDir, REQUESTS_DIR, `run=${runId}`, `platform=${platform}`, `phase=${phase}`);
}

const pad = (batch: number) => String(batch).padStart(5, '0');

export function stepFileName(batch: number): string {
  return `step-b${pad(batch)}.parquet`;
}

export function partFileName(first: number, last: number): string {
  return `part-b${pad(first)}-b${pad(last)}.parquet`;
}

export interface SealedFile {
  file: string;
  runId: string;
  platform: string;
  phase: Phase;
  first: number;
  last: number;
}

const FILE_NAME = /^(?:step-b(\d+)|part-b(\d+)-b(\d+))\.parquet$/;

function parseName(name: string): { first: number; last: number } | null {
  const m = FILE_NAME.exec(name);
  if (!m) return null;
  const first = Number(m[1] ?? m[2]);
  const last = Number(m[1] ?? m[3]);
  return last >= first ? { first, last } : null;
}

function entries(dir: string, prefix: string): { name: string; value: string; dir: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
    .map((e) => ({ name: e.name, value: e.name.slice(prefix.length), dir: path.join(dir, e.name) }));
}

/**
 * The sealed files of a run folder, without overlaps: per partition the widest ranges first, and
 * any file whose batches another chosen file already holds is left out (a step file a compaction
 * covers, left behind by a crash before it was removed).
 */
export function sealedFiles(runDir: string): { files: SealedFile[]; superseded: string[] } {
  const files: SealedFile[] = [];
  const superseded: string[] = [];
  for (const run of entries(path.join(runDir, REQUESTS_DIR), 'run=')) {
    for (const platform of entries(run.dir, 'platform=')) {
      for (const phaseDir of entries(platform.dir, 'phase=')) {
        const phase = phaseDir.value as Phase;
        if (!PHASES.includes(phase)) continue;
        const found = fs
          .readdirSync(phaseDir.dir)
          .map((name) => ({ name, range: parseName(name) }))
          .filter((f): f is { name: string; range: { first: number; last: number } } => f.range !== null)
          .sort((a, b) => b.range.last - b.range.first - (a.range.last - a.range.first) || a.range.first - b.range.first);
        const taken: { first: number; last: number }[] = [];
        for (const f of found) {
          const file = path.join(phaseDir.dir, f.name);
          if (taken.some((t) => f.range.first <= t.last && t.first <= f.range.last)) {
            superseded.push(file);
            continue;
          }
          taken.push(f.range);
          files.push({ file, runId: run.value, platform: platform.value, phase, ...f.range });
        }
      }
    }
  }
  return { files, superseded };
}

/** Sorted batch numbers as runs of consecutive numbers: [0,1,2,5,6] → [0–2], [5–6]. */
export function contiguousRanges(batches: readonly number[]): { first: number; last: number }[] {
  const sorted = [...new Set(batches)].sort((a, b) => a - b);
  const out: { first: number; last: number }[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && b === last.last + 1) last.last = b;
    else out.push({ first: b, last: b });
  }
  return out;
}
