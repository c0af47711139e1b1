/**
 * Reads a run folder for analysis: the sealed batch rows, checked against their request rows, and
 * either the request summary (what the analysis needs) or the rows themselves (a notebook's
 * DataFrame). The columnar store (requests/, Parquet) is read when it holds every sealed batch;
 * otherwise requests.jsonl, the append log, which every run folder has. Both are checked the same way.
 */
import type { LoadStepRow } from '../schema/load-records';
import { readLoadSteps } from './load/load-store';
import fs from 'node:fs';
import path from 'node:path';
import type { RunManifest } from './manifest';
import { PHASES } from '../schema/phases';
import type { BatchRow, RequestRow } from '../schema/records';
import { isMeasured, shownBatch } from '../schema/records';
import type { LatencyDigest, StepCell } from '../schema/request-summary';
import { duckDbUnavailable, openDuckDb, type DuckDb } from './request-store/duckdb';
import { REQUESTS_DIR, sealedFiles, type SealedFile } from './request-store/layout';
import { parquetCells, parquetLatency, parquetRows } from './request-store/parquet-reader';
import { RequestSummaryBuilder } from './request-store/summary-builder';
import { checkSteps, FILES, readSealedBatches, scanRequestsJsonl, stepKey, type RunProblem, type SealedBatch } from './run-check';
import { readManifest, RunIntegrityError, runFolder, type ReadRunOptions } from './run-store';

export type RequestStoreKind = 'parquet' | 'jsonl';

export interface RunSummaryData {
  dir: string;
  manifest: RunManifest;
  /** Batch rows that add up, in file order. */
  batchRows: BatchRow[];
  /** Per platform × batch × phase counts of the batches that add up. */
  cells: StepCell[];
  /** Latency quantiles of the measured batches at the probabilities asked for. */
  latency: LatencyDigest[];
  notes: string[];
  store: RequestStoreKind;
  /** Sealed steps of the load scenario ([] when the run had none). */
  loadSteps: LoadStepRow[];
  /** A merged run's per-client step rows, each with its client's shard index ([] otherwise). */
  shardLoadSteps: Array<LoadStepRow & { shard: number }>;
}

export interface RunData {
  dir: string;
  manifest: RunManifest;
  batchRows: BatchRow[];
  requestRows: RequestRow[];
  /** What was left out and why (a stopped run's batch in flight; with `exclude`, every problem). */
  notes: string[];
  store: RequestStoreKind;
  loadSteps: LoadStepRow[];
}

/** Sealed files of this run that hold every sealed batch of every phase run, or why not. */
function usableFiles(dir: string, manifest: RunManifest, byStep: ReadonlyMap<string, SealedBatch>): { files: SealedFile[] } | { why: string } | null {
  const all = sealedFiles(dir).files.filter((f) => f.runId === manifest.runId);
  if (all.length === 0) return null;
  const unavailable = duckDbUnavailable();
  if (unavailable) return { why: unavailable };
  const phases = manifest.config.phases ?? [...PHASES];
  const missing: string[] = [];
  for (const { row } of byStep.values()) {
    for (const phase of phases) {
      const covered = all.some((f) => f.platform === row.platform && f.phase === phase && f.first <= row.batch && row.batch <= f.last);
      if (!covered) missing.push(`${row.platform} batch ${shownBatch(row.batch)} ${phase}`);
    }
  }
  if (missing.length) return { why: `${REQUESTS_DIR}/ lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}` };
  return { files: all };
}

interface Checked {
  dir: string;
  manifest: RunManifest;
  byStep: Map<string, SealedBatch>;
  good: Set<string>;
  problems: RunProblem[];
  notes: string[];
}

function finish(c: Checked, opts: ReadRunOptions): BatchRow[] {
  if (c.problems.length && opts.invalid !== 'exclude') throw new RunIntegrityError(c.dir, c.problems);
  c.notes.unshift(...c.problems.map((p) => `left out: ${p.file}${p.line !== undefined ? ` line ${p.line}` : ''}: ${p.message}`));
  return [...c.byStep.values()].filter((s) => c.good.has(stepKey(s.row.platform, s.row.batch))).map((s) => s.row);
}

/** Cells from the columnar store, with rows of steps batches.csv does not seal named as the log's would be. */
async function checkParquet(db: DuckDb, files: SealedFile[], c: Omit<Checked, 'good'>): Promise<{ cells: StepCell[]; good: Set<string> }> {
  const all = await parquetCells(db, files);
  const cells = all.filter((x) => c.byStep.has(stepKey(x.platform, x.batch)));
  const unsealed = new Map<string, number>();
  for (const x of all) if (!c.byStep.has(stepKey(x.platform, x.batch))) unsealed.set(stepKey(x.platform, x.batch), (unsealed.get(stepKey(x.platform, x.batch)) ?? 0) + x.requests);
  for (const [key, n] of unsealed) {
    const [platform, batch] = key.split('#');
    const what = `${n} request row(s) of ${platform} batch ${shownBatch(Number(batch))} in ${REQUESTS_DIR}/, which has no batch row`;
    if (c.manifest.status === 'complete') c.problems.push({ file: REQUESTS_DIR, message: `${what} (the run is marked complete)` });
    else c.notes.push(`${what}: left out`);
  }
  return { cells, good: checkSteps(c.manifest, c.byStep, cells, `${REQUESTS_DIR}/`, c.problems) };
}

/**
 * Opens the folder's request store and checks it: DuckDB over the Parquet files when they cover
 * every sealed batch (a note says why not otherwise), else requests.jsonl.
 */
async function openChecked<T>(
  runDir: string,
  fromParquet: (db: DuckDb, files: SealedFile[], c: Checked, cells: StepCell[]) => Promise<T>,
  fromJsonl: (builder: RequestSummaryBuilder, rows: RequestRow[] | null, c: Checked) => T,
  keepRows: boolean,
): Promise<T & { store: RequestStoreKind }> {
  const dir = runFolder(runDir);
  const manifest = readManifest(dir);
  const problems: RunProblem[] = [];
  const notes: string[] = [];
  const byStep = readSealedBatches(dir, manifest, problems, notes);
  const usable = usableFiles(dir, manifest, byStep);
  if (usable && 'files' in usable) {
    let db: DuckDb | undefined;
    try {
      db = await openDuckDb();
      const base = { dir, manifest, byStep, problems: [...problems], notes: [...notes] };
      const { cells, good } = await checkParquet(db, usable.files, base);
      return { ...(await fromParquet(db, usable.files, { ...base, good }, cells)), store: 'parquet' as const };
    } catch (err) {
      if (err instanceof RunIntegrityError) throw err;
      notes.push(`${REQUESTS_DIR}/ could not be read (${(err as Error).message.split('\n')[0]}): read ${FILES.requests} instead`);
    } finally {
      db?.close();
    }
  } else if (usable && fs.existsSync(path.join(dir, FILES.requests))) {
    notes.push(`${usable.why}: read ${FILES.requests} instead (\`cloudbench seal ${runDir}\` rebuilds ${REQUESTS_DIR}/)`);
  }
  const builder = new RequestSummaryBuilder();
  const rows: RequestRow[] | null = keepRows ? [] : null;
  scanRequestsJsonl(dir, manifest, byStep, problems, notes, (r) => {
    builder.add(r);
    rows?.push(r);
  });
  const good = checkSteps(manifest, byStep, builder.cells(), FILES.requests, problems);
  return { ...fromJsonl(builder, rows, { dir, manifest, byStep, good, problems, notes }), store: 'jsonl' as const };
}

const measuredSteps = (batchRows: readonly BatchRow[]) => batchRows.filter(isMeasured).map((b) => ({ platform: b.platform, batch: b.batch }));

/** What the analysis needs from a run folder: checked batch rows, per-step counts and latency quantiles at `probabilities`. */
export async function readRunSummary(runDir: string, probabilities: readonly number[], opts: ReadRunOptions = {}): Promise<RunSummaryData> {
  const data = await openChecked<Omit<RunSummaryData, 'store' | 'loadSteps' | 'shardLoadSteps'>>(
    runDir,
    async (db, files, c, cells) => {
      const batchRows = finish(c, opts);
      const kept = cells.filter((x) => c.good.has(stepKey(x.platform, x.batch)));
      return { dir: c.dir, manifest: c.manifest, batchRows, cells: kept, latency: await parquetLatency(db, files, kept, measuredSteps(batchRows), probabilities), notes: c.notes };
    },
    (builder, _rows, c) => {
      const batchRows = finish(c, opts);
      const cells = builder.cells().filter((x) => c.good.has(stepKey(x.platform, x.batch)));
      return { dir: c.dir, manifest: c.manifest, batchRows, cells, latency: builder.latency(measuredSteps(batchRows), probabilities), notes: c.notes };
    },
    false,
  );
  return { ...data, loadSteps: readLoadSteps(data.dir), shardLoadSteps: readLoadSteps(data.dir, 'shardSteps') as RunSummaryData['shardLoadSteps'] };
}

/** Everything a run folder holds, as plain rows, checked (no DataFrames: analysis and reports need none). */
export async function readRun(runDir: string, opts: ReadRunOptions = {}): Promise<RunData> {
  const data = await openChecked<Omit<RunData, 'store' | 'loadSteps'>>(
    runDir,
    async (db, files, c) => {
      const batchRows = finish(c, opts);
      const steps = batchRows.map((b) => ({ platform: b.platform, batch: b.batch }));
      return { dir: c.dir, manifest: c.manifest, batchRows, requestRows: await parquetRows(db, files, steps), notes: c.notes };
    },
    (_builder, rows, c) => {
      const batchRows = finish(c, opts);
      const requestRows = c.good.size < c.byStep.size ? rows!.filter((r) => c.good.has(stepKey(r.platform, r.batch))) : rows!;
      return { dir: c.dir, manifest: c.manifest, batchRows, requestRows, notes: c.notes };
    },
    true,
  );
  return { ...data, loadSteps: readLoadSteps(data.dir) };
}
