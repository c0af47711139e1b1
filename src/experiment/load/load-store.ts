/**
 * The load scenario's part of a run folder. A platform × step is written as its request rows
 * (load-requests.jsonl, appended and fsynced), then its step row (load-steps.jsonl), which seals
 * it, then the rows as Parquet in `load/run=<id>/platform=<name>/step-NNNN.parquet` for DuckDB,
 * pandas or Athena. A crash or Ctrl-C loses at most the step in flight; on resume the log is cut
 * back to the sealed steps and the scenario goes on from there.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { appendDurably, replaceFileAtomically, writeFully } from '../../durable-files';
import { UserError } from '../../errors';
import type { LoadRequestRow, LoadStepRow } from '../../schema/load-records';
import { appendRows, copyToParquet, openDuckDb, type DuckDb } from '../request-store/duckdb';
import { PARQUET_CODEC } from '../request-store/parquet-schema';
import { isSafePartitionValue } from '../request-store/layout';
import { fileLines } from '../run-check';
import { LOAD_PARQUET_COLUMNS } from './load-parquet-schema';

/** shardSteps: a merged run's copy of every client's own step rows (merge/merge-load.ts). */
export const LOAD_FILES = { requests: 'load-requests.jsonl', steps: 'load-steps.jsonl', shardSteps: 'load-shard-steps.jsonl' } as const;
export const LOAD_DIR = 'load';

export const loadStepKey = (platform: string, step: number) => `${platform}#${step}`;

export function loadPartitionDir(runDir: string, runId: string, platform: string): string {
  return path.join(runDir, LOAD_DIR, `run=${runId}`, `platform=${platform}`);
}

export function loadStepFile(step: number): string {
  return step < 0 ? 'cold.parquet' : `step-${String(step).padStart(4, '0')}.parquet`;
}

/** The sealed step rows of a run folder, in file order ([] when it ran no load scenario); `which`: a merged run's per-client rows. */
export function readLoadSteps(dir: string, which: 'steps' | 'shardSteps' = 'steps'): LoadStepRow[] {
  const file = path.join(dir, LOAD_FILES[which]);
  if (!fs.existsSync(file)) return [];
  const rows: LoadStepRow[] = [];
  for (const { line, n, torn } of fileLines(file)) {
    if (line === '' || torn) continue;
    try {
      rows.push(JSON.parse(line) as LoadStepRow);
    } catch {
      throw new UserError(`${path.basename(dir)}: ${LOAD_FILES[which]} line ${n} is not JSON (the file was damaged)`);
    }
  }
  return rows;
}

/** Streams the request rows of sealed steps (optionally of one platform × step). */
export function* readLoadRequests(dir: string, only?: { platform: string; step: number }): Generator<LoadRequestRow> {
  const file = path.join(dir, LOAD_FILES.requests);
  if (!fs.existsSync(file)) return;
  const sealed = new Set(readLoadSteps(dir).map((s) => loadStepKey(s.platform, s.step)));
  for (const { line, n, torn } of fileLines(file)) {
    if (line === '' || torn) continue;
    let row: LoadRequestRow;
    try {
      row = JSON.parse(line) as LoadRequestRow;
    } catch {
      throw new UserError(`${path.basename(dir)}: ${LOAD_FILES.requests} line ${n} is not JSON (the file was damaged)`);
    }
    if (!sealed.has(loadStepKey(row.platform, row.step))) continue;
    if (only && (row.platform !== only.platform || row.step !== only.step)) continue;
    yield row;
  }
}

/**
 * Before resuming: keeps only rows of sealed steps (the step in flight when the run stopped is
 * measured again) and removes Parquet files no step row seals. Returns the sealed steps.
 */
export function repairLoadForResume(dir: string, runId: string): LoadStepRow[] {
  const steps = readLoadSteps(dir);
  const stepsFile = path.join(dir, LOAD_FILES.steps);
  // A step row cut off by the crash would have the next one appended to its fragment: rewrite the file with whole rows only.
  if (fs.existsSync(stepsFile) && [...fileLines(stepsFile)].some((l) => l.torn)) {
    replaceFileAtomically(stepsFile, (fd) => writeFully(fd, Buffer.from(steps.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8'), LOAD_FILES.steps));
  }
  const sealed = new Set(steps.map((s) => loadStepKey(s.platform, s.step)));
  const requests = path.join(dir, LOAD_FILES.requests);
  if (fs.existsSync(requests)) {
    replaceFileAtomically(requests, (fd) => {
      for (const { line, torn } of fileLines(requests)) {
        if (line === '' || torn) continue;
        let row: LoadRequestRow;
        try {
          row = JSON.parse(line) as LoadRequestRow;
        } catch {
          continue; // a line cut by the crash: its step is not sealed
        }
        if (sealed.has(loadStepKey(row.platform, row.step))) writeFully(fd, Buffer.from(`${line}\n`, 'utf8'), LOAD_FILES.requests);
      }
    });
  }
  const base = path.join(dir, LOAD_DIR, `run=${runId}`);
  if (fs.existsSync(base)) {
    for (const p of fs.readdirSync(base)) {
      const platform = p.replace(/^platform=/, '');
      for (const f of fs.readdirSync(path.join(base, p))) {
        const m = /^step-(\d+)\.parquet$/.exec(f);
        const step = f === 'cold.parquet' ? -1 : m ? Number(m[1]) : null;
        if (step === null || !sealed.has(loadStepKey(platform, step))) fs.rmSync(path.join(base, p, f), { force: true });
      }
    }
  }
  return steps;
}

function appendRow(a: DuckDBAppender, r: LoadRequestRow): void {
  for (const c of LOAD_PARQUET_COLUMNS) {
    const v = r[c.name];
    if (v === null) a.appendNull();
    else if (c.sql === 'VARCHAR') a.appendVarchar(String(v));
    else if (c.sql === 'INTEGER') a.appendInteger(Number(v));
    else if (c.sql === 'BIGINT') a.appendBigInt(BigInt(Math.round(Number(v))));
    else if (c.sql === 'BOOLEAN') a.appendBoolean(Boolean(v));
    else a.appendDouble(Number(v));
  }
  a.endRow();
}

export class LoadStore {
  private constructor(
    private readonly dir: string,
    private readonly runId: string,
    private readonly db: DuckDb | null,
    private readonly warn: (message: string) => void,
  ) {}

  /** Opens the store; without DuckDB (or with a run id unfit for a folder name) only the JSONL files are written. */
  static async open(dir: string, runId: string, warn: (message: string) => void): Promise<LoadStore> {
    let db: DuckDb | null = null;
    if (isSafePartitionValue(runId)) {
      try {
        db = await openDuckDb();
        const columns = LOAD_PARQUET_COLUMNS.map((c) => `"${c.name}" ${c.sql}`).join(', ');
        await db.connection.run(`CREATE TEMP TABLE load_rows (${columns})`);
      } catch (err) {
        warn(`load rows are kept in ${LOAD_FILES.requests} only: ${(err as Error).message}`);
        db = null;
      }
    }
    return new LoadStore(dir, runId, db, warn);
  }

  /** Seals one platform × step: rows durably, then the step row, then the Parquet file. */
  async sealStep(rows: readonly LoadRequestRow[], step: LoadStepRow): Promise<void> {
    appendDurably(path.join(this.dir, LOAD_FILES.requests), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    appendDurably(path.join(this.dir, LOAD_FILES.steps), `${JSON.stringify(step)}\n`);
    if (!this.db || !isSafePartitionValue(step.platform) || rows.length === 0) return;
    // The step is sealed in the log by now: a Parquet copy that cannot be written is a warning, not a failed run.
    try {
      await appendRows(this.db, 'load_rows', rows, appendRow);
      const out = loadPartitionDir(this.dir, this.runId, step.platform);
      fs.mkdirSync(out, { recursive: true });
      await copyToParquet(this.db, 'SELECT * FROM load_rows ORDER BY seq', path.join(out, loadStepFile(step.step)), PARQUET_CODEC);
    } catch (err) {
      this.warn(`${step.platform} load step ${step.step}: no Parquet copy (${(err as Error).message.split('\n')[0]}); its rows are in ${LOAD_FILES.requests}`);
    } finally {
      await this.db.connection.run('DELETE FROM load_rows').catch(() => {});
    }
  }

  close(): void {
    this.db?.close();
  }
}
