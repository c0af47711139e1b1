/**
 * Results at scale: a fixture run of the study's size (116 batches × 1024 images × 2 platforms =
 * 712,704 request rows) and 10× that (10,240 images per batch), sealed into the columnar store,
 * then — each in a fresh process of the compiled package, so memory is its own — load + analysis
 * + HTML, the PDF, and DuckDB doing the requests' aggregations directly over the Parquet files as
 * the reference. At 1× also the append-log path (requests.jsonl, what every run used before).
 * Goals: HTML ≤ 0.5 s and PDF ≤ 2 s at 1×, within 2× of the DuckDB reference, memory flat 1× → 10×.
 *
 *   node --import tsx bench/report.bench.ts      (BENCH_SCALES=1,10 by default; BENCH_BATCH_SIZE=1024)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sealRunFolder } from '../src/experiment/request-store/seal-run';
import { findBrowser } from '../src/report/browser';
import { writeSyntheticRun } from '../tests/fixtures/synthetic-run';
import { distNotCurrent } from './built';

export const title = 'Results at scale: report from the columnar store (116 batches × 2 platforms, 1× and 10× the requests)';

const ROOT = path.resolve(__dirname, '..');

interface ReportResult {
  totalMs: number;
  warmMs: number;
  timings: { load: number; analyze: number; model: number; html: number; pdf: number | null };
  warm: { load: number; analyze: number; html: number };
  fromModelMs: number;
  processMs: number;
  maxRssMiB: number;
}
interface DuckResult {
  queryMs: number;
  processMs: number;
  maxRssMiB: number;
}

function child<T>(mode: string, dir: string, out: string): T {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'report-child.cjs'), mode, dir, out], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`report-child ${mode} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function bench(log: (line: string) => void): Promise<void> {
  const notCurrent = distNotCurrent();
  if (notCurrent) {
    log(`skipped: ${notCurrent}`);
    return;
  }
  const scales = (process.env.BENCH_SCALES ?? '1,10').split(',').map(Number);
  const base = Number(process.env.BENCH_BATCH_SIZE ?? 1024);
  const pdf = findBrowser() !== null;
  const rows: { scale: number; html: ReportResult; duck: DuckResult; pdf?: ReportResult }[] = [];
  for (const scale of scales) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cloudbench-report-bench-${scale}x-`));
    const out = path.join(dir, 'out');
    try {
      let t = performance.now();
      writeSyntheticRun(dir, { batches: 116, batchSize: base * scale, platforms: ['aws', 'azure'], retryRate: 0.01, failRate: 0.001 });
      const requests = 116 * 2 * base * scale * 3;
      const jsonl = fs.statSync(path.join(dir, 'requests.jsonl')).size;
      log(`${scale}×: fixture ${requests.toLocaleString('en-US')} request rows, requests.jsonl ${(jsonl / 2 ** 20).toFixed(0)} MiB, written in ${s(performance.now() - t)}`);
      if (scale === 1) {
        // The append-log path first (no requests/ yet): what every report read before the store.
        const before = child<ReportResult>('html', dir, out);
        log(`  from requests.jsonl: html ${s(before.totalMs)} cold / ${s(before.warmMs)} warm (load ${s(before.warm.load)}, analysis ${s(before.warm.analyze)}, html ${s(before.warm.html)}), peak RSS ${before.maxRssMiB.toFixed(0)} MiB`);
      }
      t = performance.now();
      const sealed = await sealRunFolder(dir);
      log(`  sealed into ${sealed.files} Parquet files, ${(sealed.bytes / 2 ** 20).toFixed(1)} MiB (${(jsonl / sealed.bytes).toFixed(1)}× smaller than the log), in ${s(performance.now() - t)}`);
      const html = child<ReportResult>('html', dir, out);
      const duck = child<DuckResult>('duckdb', dir, out);
      log(
        `  from requests/: html ${s(html.totalMs)} cold / ${s(html.warmMs)} warm — load ${s(html.warm.load)}, analysis ${s(html.warm.analyze)}, html+svg ${s(html.warm.html)}; ` +
          `whole process ${s(html.processMs)}, peak RSS ${html.maxRssMiB.toFixed(0)} MiB; from analysis.json alone ${s(html.fromModelMs)}`,
      );
      log(`  DuckDB reference (counts per step, latency percentiles, over the same files): ${s(duck.queryMs)}, peak RSS ${duck.maxRssMiB.toFixed(0)} MiB`);
      log(`  load (request summary) / DuckDB reference: ${(html.warm.load / duck.queryMs).toFixed(2)}; load + analysis / reference: ${((html.warm.load + html.warm.analyze) / duck.queryMs).toFixed(2)}`);
      const row: (typeof rows)[number] = { scale, html, duck };
      if (pdf) {
        row.pdf = child<ReportResult>('pdf', dir, out);
        log(`  pdf: ${s(row.pdf.timings.pdf ?? 0)} browser + print after the html; the command's whole render ${s(row.pdf.totalMs)}`);
      }
      rows.push(row);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!pdf) log('pdf: skipped (no Chromium: sudo apt-get install chromium, or set PUPPETEER_EXECUTABLE_PATH)');
  const one = rows.find((r) => r.scale === 1);
  const ten = rows.find((r) => r.scale === 10);
  if (one && ten) {
    log(
      `memory 10× / 1×: report process ${(ten.html.maxRssMiB / one.html.maxRssMiB).toFixed(2)} (${one.html.maxRssMiB.toFixed(0)} → ${ten.html.maxRssMiB.toFixed(0)} MiB), ` +
        `DuckDB reference ${(ten.duck.maxRssMiB / one.duck.maxRssMiB).toFixed(2)}; html time 10× / 1×: ${(ten.html.warmMs / one.html.warmMs).toFixed(2)}`,
    );
  }
  log('goals at 1×: html ≤ 0.5 s, pdf ≤ 2 s, load + analysis within 2× of the DuckDB reference, memory flat from 1× to 10×');
}

if (require.main === module) {
  bench((l) => console.log(l)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
