/**
 * (Re)builds a run folder's columnar store from its append log: for run folders written before the
 * store existed, or whose requests/ a crash left incomplete. The log is checked first and a folder
 * that does not add up is refused (its analysis still works from the log, with --exclude-invalid).
 * The new requests/ is built beside the old one and swapped in by renames: a reader sees the old
 * store, none (and reads the log), or the new one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors';
import { checkRun, describeProblem, FILES } from '../run-check';
import { readManifest, runFolder } from '../run-store';
import { duckDbUnavailable, num, openDuckDb, rowsOf, sqlString } from './duckdb';
import { contiguousRanges, isSafePartitionValue, partFileName, REQUESTS_DIR } from './layout';
import { PARQUET_CODEC, PARQUET_COLUMNS, PARTITION_COLUMNS } from './parquet-schema';

export interface SealResult {
  dir: string;
  rows: number;
  files: number;
  bytes: number;
  ms: number;
}

const JSON_COLUMNS = `{${[
  ...PARTITION_COLUMNS.map((c) => `${c}: 'VARCHAR'`),
  ...PARQUET_COLUMNS.map((c) => `${c.name}: '${c.sql}'`),
].join(', ')}}`;

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

export async function sealRunFolder(runDir: string): Promise<SealResult> {
  const started = performance.now();
  const dir = runFolder(runDir);
  const manifest = readManifest(dir);
  const unavailable = duckDbUnavailable();
  if (unavailable) throw new UserError(`cannot seal ${runDir}: ${unavailable}`);
  if (!isSafePartitionValue(manifest.runId)) throw new UserError(`cannot seal ${runDir}: the run id ${JSON.stringify(manifest.runId)} cannot name a partition folder`);
  const check = checkRun(dir, manifest);
  if (check.problems.length) {
    throw new UserError(`cannot seal ${runDir}: ${describeProblem(check.problems[0])}${check.problems.length > 1 ? ` (and ${check.problems.length - 1} more)` : ''}; its analysis still works from ${FILES.requests} with --exclude-invalid`);
  }
  for (const b of check.batches) if (!isSafePartitionValue(b.platform)) throw new UserError(`cannot seal ${runDir}: platform ${JSON.stringify(b.platform)} cannot name a partition folder`);

  const final = path.join(dir, REQUESTS_DIR);
  const building = path.join(dir, `${REQUESTS_DIR}.building`);
  const retired = path.join(dir, `${REQUESTS_DIR}.retired`);
  for (const leftover of [building, retired]) fs.rmSync(leftover, { recursive: true, force: true });

  const db = await openDuckDb();
  let rows = 0;
  try {
    const steps = check.batches.map((b) => `(${sqlString(b.platform)}, ${b.batch})`);
    const sealed = steps.length ? `(VALUES ${steps.join(', ')}) AS sealed(platform, batch)` : `(SELECT NULL::VARCHAR AS platform, NULL::INTEGER AS batch WHERE false) AS sealed`;
    // One scan of the log into a table (DuckDB keeps it compressed), then a file per partition and run of batches.
    // The log was checked line by line above; ignore_errors only skips the torn last line a stopped run may leave.
    await db.connection.run(
      `CREATE TEMP TABLE log AS SELECT * FROM read_json(${sqlString(path.join(dir, FILES.requests))}, format = 'newline_delimited', columns = ${JSON_COLUMNS}, ignore_errors = true)
       SEMI JOIN ${sealed} USING (platform, batch)`,
    );
    const columns = PARQUET_COLUMNS.map((c) => c.name).join(', ');
    const phases = (await rowsOf(db, 'SELECT DISTINCT platform, phase FROM log')) as { platform: string; phase: string }[];
    for (const { platform, phase } of phases) {
      const partition = path.join(building, `run=${manifest.runId}`, `platform=${platform}`, `phase=${phase}`);
      fs.mkdirSync(partition, { recursive: true });
      for (const { first, last } of contiguousRanges(check.batches.filter((b) => b.platform === platform).map((b) => b.batch))) {
        const where = `platform = ${sqlString(platform)} AND phase = ${sqlString(phase)} AND batch BETWEEN ${first} AND ${last}`;
        await db.connection.run(`COPY (SELECT ${columns} FROM log WHERE ${where} ORDER BY batch, monoStartMs) TO ${sqlString(path.join(partition, partFileName(first, last)))} (FORMAT parquet, COMPRESSION ${PARQUET_CODEC})`);
      }
    }
    rows = num((await rowsOf(db, 'SELECT count(*) AS n FROM log'))[0].n);
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true });
    throw err;
  } finally {
    db.close();
  }
  const written = filesUnder(building);
  let bytes = 0;
  for (const f of written) {
    const fd = fs.openSync(f, 'r+');
    fs.fsyncSync(fd);
    bytes += fs.fstatSync(fd).size;
    fs.closeSync(fd);
  }
  if (fs.existsSync(final)) fs.renameSync(final, retired);
  fs.renameSync(building, final);
  fs.rmSync(retired, { recursive: true, force: true });
  return { dir, rows, files: written.length, bytes, ms: performance.now() - started };
}
