/**
 * The columnar store's rank selection (two scans over fine bins) against the plain answer: sort
 * every value and index it. Data with full double precision, heavy ties, zeros, negative values, a
 * lone value and far outliers, so a bin boundary or an off-by-one shows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDuckDb } from '../src/experiment/request-store/duckdb';
import { orderStatistics } from '../src/experiment/request-store/order-statistics';
import { mulberry32 } from '../src/random';

const groups: Record<string, (r: () => number, i: number) => number> = {
  // Log-normal around 250 ms with full precision: most values in a narrow band, the case bins are for.
  lognormal: (r) => 250 * Math.exp(0.2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
  // Three distinct values only: ranks fall inside runs of equal values.
  ties: (r) => [12.5, 12.5, 40, 1000][Math.floor(r() * 4)],
  // Zeros, negatives and outliers six orders of magnitude apart.
  mixed: (r, i) => (i % 97 === 0 ? 0 : i % 89 === 0 ? -r() * 5 : i % 83 === 0 ? 1e6 * r() : r() * 3),
  lone: () => 42.125,
};

test('selected ranks equal the sorted values at those ranks, for every rank of every group', async () => {
  const db = await openDuckDb();
  try {
    const sizes: Record<string, number> = { lognormal: 20_000, ties: 5_000, mixed: 3_000, lone: 1 };
    const values = new Map<string, number[]>();
    await db.connection.run('CREATE TABLE t (platform VARCHAR, phase VARCHAR, durationMs DOUBLE)');
    const appender = await db.connection.createAppender('t');
    let seed = 1;
    for (const [name, gen] of Object.entries(groups)) {
      const r = mulberry32(seed++);
      const v = Array.from({ length: sizes[name] }, (_, i) => gen(r, i));
      values.set(name, v);
      for (const x of v) {
        appender.appendVarchar(name);
        appender.appendVarchar('inference');
        appender.appendDouble(x);
        appender.endRow();
      }
    }
    appender.closeSync();
    const queries = [...values].map(([name, v]) => ({
      platform: name,
      phase: 'inference',
      n: v.length,
      // Every rank of the small groups; for the large one a stride plus both ends.
      ranks: v.length > 5_000 ? [1, 2, ...Array.from({ length: 200 }, (_, i) => 1 + i * 100), v.length - 1, v.length] : v.map((_, i) => i + 1),
    }));
    queries.push({ platform: 'absent', phase: 'inference', n: 0, ranks: [] });
    const got = await orderStatistics(db, 'SELECT platform, phase, durationMs FROM t', 'durationMs', queries);
    queries.forEach((q, i) => {
      const sorted = [...(values.get(q.platform) ?? [])].sort((a, b) => a - b);
      assert.deepEqual(got[i], q.ranks.map((rank) => sorted[rank - 1]), q.platform);
    });
    // A count that disagrees with the files is an error, not a shifted answer.
    await assert.rejects(
      orderStatistics(db, 'SELECT platform, phase, durationMs FROM t', 'durationMs', [{ platform: 'ties', phase: 'inference', n: 4_999, ranks: [1] }]),
      /5000 values of durationMs in the files, 4999 counted/,
    );
  } finally {
    db.close();
  }
});
