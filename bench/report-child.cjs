// One measurement of bench/report.bench.ts in a fresh process (so its peak memory is its own),
// on the compiled package. Prints one JSON line.
//   node bench/report-child.cjs html|pdf|duckdb RUN_DIR OUT_DIR
'use strict';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const started = performance.now();
const [mode, runDir, outDir] = process.argv.slice(2);
const mib = () => process.resourceUsage().maxRSS / 1024;

async function report(formats) {
  const { renderReport } = require('../dist/report');
  const t = performance.now();
  const r = await renderReport(runDir, { formats, outDir, requirePdf: formats.includes('pdf') });
  const second = performance.now();
  // A second render in the same process: module loading and JIT warm-up paid.
  const w = await renderReport(runDir, { formats: ['html'], outDir });
  const third = performance.now();
  // The report regenerated from the analysis model alone (what `cloudbench report analysis.json` does).
  await renderReport(require('node:path').join(outDir, 'analysis.json'), { formats: ['html'], outDir: outDir + '-from-model' });
  return { totalMs: second - t, timings: r.timings, warmMs: third - second, warm: w.timings, fromModelMs: performance.now() - third };
}

/** What DuckDB itself takes for the aggregations the analysis needs from the requests: the reference. */
async function duckdb() {
  // The store's own database settings, files and read_parquet (superseded step files left out).
  const { openDuckDb, sqlFileList } = require('../dist/experiment/request-store/duckdb');
  const { sealedFiles } = require('../dist/experiment/request-store/layout');
  const t = performance.now();
  const db = await openDuckDb();
  const con = db.connection;
  const { readParquetSql } = require('../dist/experiment/request-store/parquet-schema');
  const src = readParquetSql(sqlFileList(sealedFiles(runDir).files.map((f) => f.file)));
  // Per platform × batch × phase: counts, failures, retries, attempts, bytes (the integrity check, failures, the bill).
  const cells = await con.runAndReadAll(`SELECT platform, batch, phase, count(*), count(*) FILTER (WHERE NOT ok), count(*) FILTER (WHERE attempts > 1), sum(attempts), sum(bytes) FILTER (WHERE ok) FROM ${src} GROUP BY ALL`);
  // Per platform × phase, successful requests of measured batches (warm-up = batch 0 here): the latency table.
  const latency = await con.runAndReadAll(
    `SELECT platform, phase, count(*), avg(durationMs), max(durationMs), quantile_cont(durationMs, [0.5, 0.9, 0.95, 0.99]), quantile_cont(ttfbMs, [0.5, 0.9, 0.95, 0.99]) FROM ${src} WHERE ok AND batch > 0 GROUP BY ALL`,
  );
  const ms = performance.now() - t;
  db.close();
  return { queryMs: ms, cells: cells.rowCount, groups: latency.rowCount };
}

(async () => {
  const result = mode === 'duckdb' ? await duckdb() : await report(mode === 'pdf' ? ['html', 'pdf'] : ['html']);
  console.log(JSON.stringify({ mode, ...result, processMs: performance.now() - started, maxRssMiB: mib() }));
})().catch((err) => {
  console.error(err.stack ?? err);
  process.exit(1);
});
