/**
 * Writes a run's request rows into the columnar store: each platform × batch as it is sealed in
 * the append log (one small file per phase), and at the end of a session one file per partition
 * (compaction). requests.jsonl stays the crash-safe log; these files are what readers use when
 * present. Every file is written to a temp name, fsynced and renamed: a reader never sees half.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBAppender } from '@duckdb/node-api';
import { PHASES } from '../../schema/phases';
import type { RequestRow } from '../../schema/records';
import { appendRows, copyToParquet, openDuckDb, sqlFileList, sqlString, type DuckDb } from './duckdb';
import { isSafePartitionValue, partFileName, partitionDir, sealedFiles, stepFileName } from './layout';
import { PARQUET_CODEC, PARQUET_COLUMNS, readParquetSql } from './parquet-schema';

const TABLE = 'step_rows';
const COLUMN_LIST = PARQUET_COLUMNS.map((c) => c.name).join(', ');

function appendRow(a: DuckDBAppender, r: RequestRow): void {
  a.appendVarchar(r.phase);
  a.appendInteger(r.batch);
  a.appendVarchar(r.key);
  a.appendBigInt(BigInt(Math.round(r.bytes)));
  a.appendBigInt(BigInt(Math.round(r.startedAt)));
  a.appendDouble(r.monoStartMs);
  a.appendDouble(r.durationMs);
  if (r.ttfbMs === null) a.appendNull();
  else a.appendDouble(r.ttfbMs);
  a.appendInteger(r.attempts);
  a.appendBoolean(r.ok);
  if (r.errorCode === null) a.appendNull();
  else a.appendVarchar(r.errorCode);
  if (r.detections === null) a.appendNull();
  else a.appendInteger(r.detections);
  a.endRow();
}

const copyTo = (db: DuckDb, select: string, file: string) => copyToParquet(db, select, file, PARQUET_CODEC);

export class RequestSealer {
  private constructor(
    private readonly db: DuckDb,
    private readonly runDir: string,
    private readonly runId: string,
  ) {}

  /** A sealer for a run folder, or why there is none (no DuckDB here, or ids that cannot name a folder). */
  static async open(runDir: string, runId: string): Promise<RequestSealer | { unavailable: string }> {
    if (!isSafePartitionValue(runId)) return { unavailable: `the run id ${JSON.stringify(runId)} cannot name a partition folder` };
    let db: DuckDb;
    try {
      db = await openDuckDb();
    } catch (err) {
      return { unavailable: (err as Error).message };
    }
    const columns = [{ name: 'phase', sql: 'VARCHAR' }, ...PARQUET_COLUMNS].map((c) => `${c.name} ${c.sql}`).join(', ');
    await db.connection.run(`CREATE TEMP TABLE ${TABLE} (${columns})`);
    return new RequestSealer(db, runDir, runId);
  }

  /** Seals one platform × batch (its rows of every phase), after its batch row is in batches.csv. */
  async sealStep(platform: string, batch: number, rows: readonly RequestRow[]): Promise<void> {
    if (!isSafePartitionValue(platform)) return;
    await appendRows(this.db, TABLE, rows, appendRow);
    try {
      for (const phase of PHASES) {
        if (!rows.some((r) => r.phase === phase)) continue;
        const dir = partitionDir(this.runDir, this.runId, platform, phase);
        fs.mkdirSync(dir, { recursive: true });
        await copyTo(this.db, `SELECT ${COLUMN_LIST} FROM ${TABLE} WHERE phase = ${sqlString(phase)}`, path.join(dir, stepFileName(batch)));
      }
    } finally {
      await this.db.connection.run(`DELETE FROM ${TABLE}`);
    }
  }

  /**
   * One file per partition from its step files (and an earlier compaction, after a resume): written
   * and renamed into place first, then the files it covers are removed.
   */
  async compact(): Promise<{ partitions: number; files: number }> {
    const { files, superseded } = sealedFiles(this.runDir);
    let partitions = 0;
    let merged = 0;
    const groups = new Map<string, typeof files>();
    for (const f of files.filter((x) => x.runId === this.runId)) {
      const key = `${f.platform}/${f.phase}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(f);
    }
    for (const group of groups.values()) {
      group.sort((a, b) => a.first - b.first);
      // Only a contiguous chain becomes one file: a file holds every batch of its range.
      const chains: (typeof files)[] = [];
      for (const f of group) {
        const chain = chains[chains.length - 1];
        if (chain && f.first === chain[chain.length - 1].last + 1) chain.push(f);
        else chains.push([f]);
      }
      for (const chain of chains.filter((c) => c.length > 1)) {
        const dir = path.dirname(chain[0].file);
        const select = `SELECT ${COLUMN_LIST} FROM ${readParquetSql(sqlFileList(chain.map((g) => g.file)))} ORDER BY batch, monoStartMs`;
        await copyTo(this.db, select, path.join(dir, partFileName(chain[0].first, chain[chain.length - 1].last)));
        for (const g of chain) fs.rmSync(g.file, { force: true });
        partitions += 1;
        merged += chain.length;
      }
    }
    for (const file of superseded) fs.rmSync(file, { force: true });
    return { partitions, files: merged };
  }

  close(): void {
    this.db.close();
  }
}

