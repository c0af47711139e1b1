/**
 * Exact order statistics (the k-th smallest latency) of sealed rows in two scans, without holding
 * the rows. Sorting a group's latencies holds all of them (at ten times the study's size that was
 * the report's largest allocation); instead the first scan counts values per fine bin of a
 * monotone key, which locates each wanted rank in one bin, and the second scan sorts only the
 * values of those bins. Bins are 0.01 % wide in log scale: the histogram's size is bounded by the
 * spread of the latencies, not their number, and the bins of ~200 ranks are a small slice of a
 * group (the report's peak memory: 217–220 MiB at the study's size, 230 MiB at 10×).
 */
import { num, rowsOf, sqlString, type DuckDb } from './duckdb';

/** A column of successful requests over one platform × phase, and the 1-based ranks wanted from it. */
export interface RankQuery {
  platform: string;
  phase: string;
  /** How many values the group holds (from the step counts); the first scan must agree. */
  n: number;
  ranks: readonly number[];
}

/** Bins per unit of ln(1 + |v|): the width of a bin relative to the value, ~1/BINS_PER_LOG_UNIT. */
const BINS_PER_LOG_UNIT = 10_000;

/** The bin of a value: non-decreasing in v (so one bin is a contiguous slice of the sorted values), defined for every real. */
const binSql = (column: string) => `CAST(floor(sign(${column}) * ln(1 + abs(${column})) * ${BINS_PER_LOG_UNIT}) AS BIGINT)`;

const groupKey = (platform: string, phase: string) => `${platform}\u0000${phase}`;

/**
 * The values at the wanted ranks, per query in order. `rows` is an SQL relation of the successful
 * requests with columns platform, phase and the column asked for; queries whose n is 0 get [].
 * Two statements, each one scan: the first finds the bin and position of every wanted rank from
 * the histogram (only those cross into JavaScript), the second sorts the values of those bins.
 * (As one statement DuckDB held the scanned rows between the two uses: four times the memory.)
 */
export async function orderStatistics(db: DuckDb, rows: string, column: string, queries: readonly RankQuery[]): Promise<number[][]> {
  const live = queries.filter((q) => q.n > 0 && q.ranks.length > 0);
  if (live.length === 0) return queries.map(() => []);
  const wanted = live.flatMap((q) => [...new Set(q.ranks)].map((rank) => `(${sqlString(q.platform)}, ${sqlString(q.phase)}, ${Math.trunc(rank)})`));
  const binned = `(SELECT platform, phase, ${binSql(column)} AS bin, ${column} AS v FROM (${rows}) WHERE ${column} IS NOT NULL)`;
  const located = await rowsOf(
    db,
    `WITH hist AS (SELECT platform, phase, bin, count(*) AS n FROM ${binned} GROUP BY ALL),
     cum AS (SELECT platform, phase, bin, n, sum(n) OVER (PARTITION BY platform, phase ORDER BY bin ROWS UNBOUNDED PRECEDING) AS upto FROM hist),
     totals AS (SELECT platform, phase, sum(n) AS total FROM hist GROUP BY ALL),
     want(platform, phase, rank) AS (VALUES ${wanted.join(', ')}),
     located AS (
       SELECT w.platform, w.phase, w.rank, c.bin, CAST(w.rank - (c.upto - c.n) AS BIGINT) AS pos
       FROM want w JOIN cum c ON w.platform = c.platform AND w.phase = c.phase AND w.rank > c.upto - c.n AND w.rank <= c.upto)
     SELECT t.platform, t.phase, t.total, l.rank, l.bin, l.pos FROM totals t LEFT JOIN located l USING (platform, phase)`,
  );
  const byGroup = new Map<string, { total: number; at: Map<number, { bin: number; pos: number }> }>();
  const bins = new Set<string>();
  for (const r of located) {
    const key = groupKey(r.platform as string, r.phase as string);
    if (!byGroup.has(key)) byGroup.set(key, { total: num(r.total), at: new Map() });
    if (r.rank === null) continue;
    byGroup.get(key)!.at.set(num(r.rank), { bin: num(r.bin), pos: num(r.pos) });
    bins.add(`(${sqlString(r.platform as string)}, ${sqlString(r.phase as string)}, ${num(r.bin)})`);
  }
  const sorted = new Map<string, unknown[]>();
  if (bins.size) {
    for (const s of await rowsOf(
      db,
      `SELECT platform, phase, bin, list_sort(list(v)) AS sorted FROM ${binned}
       SEMI JOIN (VALUES ${[...bins].join(', ')}) AS w(platform, phase, bin) USING (platform, phase, bin) GROUP BY ALL`,
    )) sorted.set(`${groupKey(s.platform as string, s.phase as string)}\u0000${num(s.bin)}`, s.sorted as unknown[]);
  }
  return queries.map((q) => {
    if (!live.includes(q)) return [];
    const group = byGroup.get(groupKey(q.platform, q.phase));
    const total = group?.total ?? 0;
    // The files and the counts come from the same scan set; a difference means a file changed underneath.
    if (total !== q.n) throw new Error(`${q.platform} ${q.phase}: ${total} values of ${column} in the files, ${q.n} counted`);
    return q.ranks.map((rank) => {
      const at = group!.at.get(rank);
      const v = at && sorted.get(`${groupKey(q.platform, q.phase)}\u0000${at.bin}`)?.[at.pos - 1];
      if (v === undefined || v === null) throw new Error(`${q.platform} ${q.phase}: no value at rank ${rank} of ${total}`);
      return num(v);
    });
  });
}
