/**
 * Reads the columnar store with SQL: per-step counts for the integrity check, the latency
 * quantiles of the measured batches, or the rows themselves (a notebook's DataFrame). DuckDB
 * aggregates while it scans, so memory depends on the number of batches, not of requests.
 */
import type { Phase } from '../../schema/phases';
import type { RequestRow } from '../../schema/records';
import { durationTotals, interpolate, quantileIndex, type LatencyDigest, type StepCell } from '../../schema/request-summary';
import { num, rowsOf, sqlFileList, sqlString, type DuckDb } from './duckdb';
import type { SealedFile } from './layout';
import { orderStatistics } from './order-statistics';
import { readParquetSql } from './parquet-schema';



function source(files: readonly SealedFile[]): string {
  return readParquetSql(sqlFileList(files.map((f) => f.file)));
}


/** Counts per platform × batch × phase, with the failed requests' error codes. */
export async function parquetCells(db: DuckDb, files: readonly SealedFile[]): Promise<StepCell[]> {
  const src = source(files);
  const counts = await rowsOf(
    db,
    `SELECT platform, batch, phase, count(*) AS requests, count(*) FILTER (WHERE NOT ok) AS failed,
       count(*) FILTER (WHERE attempts > 1) AS retried, coalesce(sum(attempts), 0) AS attempts,
       coalesce(sum(bytes) FILTER (WHERE ok), 0) AS okBytes, coalesce(sum(durationMs) FILTER (WHERE ok), 0) AS okSum,
       max(durationMs) FILTER (WHERE ok) AS okMax, count(ttfbMs) FILTER (WHERE ok) AS okTtfb
     FROM ${src} GROUP BY ALL`,
  );
  const codes = await rowsOf(db, `SELECT platform, batch, phase, coalesce(errorCode, 'unknown') AS code, count(*) AS n FROM ${src} WHERE NOT ok GROUP BY ALL`);
  const cells = new Map<string, StepCell>();
  for (const r of counts) {
    const cell: StepCell = {
      platform: r.platform as string,
      batch: num(r.batch),
      phase: r.phase as Phase,
      requests: num(r.requests),
      failed: num(r.failed),
      retried: num(r.retried),
      attempts: num(r.attempts),
      okBytes: num(r.okBytes),
      errorCodes: {},
      okDurationMsSum: num(r.okSum),
      okDurationMsMax: r.okMax === null ? null : num(r.okMax),
      okTtfbCount: num(r.okTtfb),
    };
    cells.set(`${cell.platform}\u0000${cell.batch}\u0000${cell.phase}`, cell);
  }
  for (const r of codes) cells.get(`${r.platform as string}\u0000${num(r.batch)}\u0000${r.phase as string}`)!.errorCodes[r.code as string] = num(r.n);
  return [...cells.values()];
}

/** The measured steps as an SQL relation (platform, batch). */
function stepsRelation(steps: readonly { platform: string; batch: number }[]): string {
  if (steps.length === 0) return `(SELECT NULL::VARCHAR AS platform, NULL::INTEGER AS batch WHERE false)`;
  return `(SELECT * FROM (VALUES ${steps.map((s) => `(${sqlString(s.platform)}, ${Math.trunc(s.batch)})`).join(', ')}) AS m(platform, batch))`;
}

/**
 * Latency digests of the successful requests of the given steps. Counts, means and maxima come
 * from the steps' cells; quantiles are type 7 from the two order statistics around each
 * probability (selected in SQL without sorting a whole group) and interpolated here with the same
 * formula as every other store.
 */
export async function parquetLatency(
  db: DuckDb,
  files: readonly SealedFile[],
  cells: readonly StepCell[],
  steps: readonly { platform: string; batch: number }[],
  probabilities: readonly number[],
): Promise<LatencyDigest[]> {
  const wanted = new Set(steps.map((s) => `${s.platform}\u0000${s.batch}`));
  const groups = new Map<string, { platform: string; phase: Phase; cells: StepCell[] }>();
  for (const c of cells) {
    if (!wanted.has(`${c.platform}\u0000${c.batch}`)) continue;
    const key = `${c.platform}/${c.phase}`;
    if (!groups.has(key)) groups.set(key, { platform: c.platform, phase: c.phase, cells: [] });
    groups.get(key)!.cells.push(c);
  }
  const sized = [...groups.values()].map((g) => ({ ...g, ...durationTotals(g.cells) }));
  // 1-based ranks of the order statistics each quantile needs.
  const ranks = (n: number) => probabilities.flatMap((p) => {
    const { lo, hi } = quantileIndex(n, p);
    return [lo + 1, hi + 1];
  });
  // No files gives an empty relation, not a skipped query: the count check then names the gap.
  const successful = (mine: readonly SealedFile[]) =>
    mine.length
      ? `SELECT platform, phase, durationMs, ttfbMs FROM ${source(mine)} SEMI JOIN ${stepsRelation(steps)} AS m USING (platform, batch) WHERE ok`
      : 'SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS phase, NULL::DOUBLE AS durationMs, NULL::DOUBLE AS ttfbMs WHERE false';
  const inGroups = (phases: (p: Phase) => boolean) => {
    const platforms = new Set(sized.filter((g) => g.n > 0 && phases(g.phase)).map((g) => g.platform));
    return files.filter((f) => platforms.has(f.platform) && phases(f.phase));
  };
  const durations = await orderStatistics(db, successful(inGroups(() => true)), 'durationMs', sized.map((g) => ({ platform: g.platform, phase: g.phase, n: g.n, ranks: ranks(g.n) })));
  const ttfbGroups = sized.map((g) => ({ platform: g.platform, phase: g.phase, n: g.phase === 'download' ? g.ttfbCount : 0, ranks: ranks(g.ttfbCount) }));
  const ttfb = await orderStatistics(db, successful(inGroups((p) => p === 'download')), 'ttfbMs', ttfbGroups);
  const interpolated = (values: number[], n: number): number[] =>
    n ? probabilities.map((p, i) => interpolate(values[2 * i], values[2 * i + 1], quantileIndex(n, p).fraction)) : [];
  return sized.map((g, i) => ({
    platform: g.platform,
    phase: g.phase,
    n: g.n,
    meanMs: g.meanMs,
    maxMs: g.maxMs,
    quantilesMs: interpolated(durations[i], g.n),
    ttfb: g.phase === 'download' ? { n: g.ttfbCount, quantilesMs: interpolated(ttfb[i], g.ttfbCount) } : null,
  }));
}

/** Every row of the given steps, in batch order (platforms and phases within a batch as the run ran them). */
export async function parquetRows(db: DuckDb, files: readonly SealedFile[], steps: readonly { platform: string; batch: number }[]): Promise<RequestRow[]> {
  if (files.length === 0 || steps.length === 0) return [];
  const rows = await rowsOf(
    db,
    `SELECT run, platform, batch, phase, key, bytes, startedAt, monoStartMs, durationMs, ttfbMs, attempts, ok, errorCode, detections
     FROM ${source(files)} SEMI JOIN ${stepsRelation(steps)} AS m USING (platform, batch)
     ORDER BY batch, startedAt, monoStartMs`,
  );
  return rows.map((r) => ({
    run: r.run as string,
    platform: r.platform as string,
    batch: num(r.batch),
    phase: r.phase as Phase,
    key: r.key as string,
    bytes: num(r.bytes),
    startedAt: num(r.startedAt),
    monoStartMs: num(r.monoStartMs),
    durationMs: num(r.durationMs),
    ttfbMs: r.ttfbMs === null ? null : num(r.ttfbMs),
    attempts: num(r.attempts),
    ok: r.ok as boolean,
    errorCode: (r.errorCode as string | null) ?? null,
    detections: r.detections === null ? null : num(r.detections),
  }));
}
