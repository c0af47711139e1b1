/**
 * Report rendering benchmark: a 116-batch × 2-platform fixture run (the study's 116 batches; 1024
 * images per batch unless BENCH_BATCH_SIZE says otherwise), timed through load, analysis, report
 * model, HTML and PDF. Goals: HTML < 2 s, PDF < 10 s on 2 cores.
 *
 *   node --import tsx bench/report.bench.ts            (or as part of `npm run bench`)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileLines } from '../src/experiment/run-check';
import { readRun } from '../src/experiment/run-reader';
import { findBrowser } from '../src/report/browser';
import { renderReport } from '../src/report';
import { writeSyntheticRun } from '../tests/fixtures/synthetic-run';

export const title = 'Report rendering (116 batches × 2 platforms)';

export async function bench(log: (line: string) => void): Promise<void> {
  const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 1024);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-report-bench-'));
  try {
    let t = performance.now();
    writeSyntheticRun(dir, { batches: 116, batchSize, platforms: ['aws', 'azure'], retryRate: 0.01, failRate: 0.001 });
    const mb = fs.statSync(path.join(dir, 'requests.jsonl')).size / 2 ** 20;
    log(`fixture: 116 batches × 2 platforms × ${batchSize} images (${(116 * 2 * batchSize * 3).toLocaleString('en-US')} request rows, ${mb.toFixed(0)} MiB) written in ${s(performance.now() - t)}`);

    // What checking the run folder costs: the checked read every reader uses vs a bare parse of the same lines.
    const bare = () => {
      let rows = 0;
      for (const { line } of fileLines(path.join(dir, 'requests.jsonl'))) if (line) rows += JSON.parse(line) ? 1 : 0;
      return rows;
    };
    bare(); // warm the file cache and the JIT for both
    t = performance.now();
    const bareRows = bare();
    const bareMs = performance.now() - t;
    t = performance.now();
    const checked = (await readRun(dir)).requestRows.length;
    const checkedMs = performance.now() - t;
    log(`read requests.jsonl: bare parse ${s(bareMs)} (${bareRows.toLocaleString('en-US')} rows), checked readRun ${s(checkedMs)} (${checked.toLocaleString('en-US')} rows); checked/bare ${(checkedMs / bareMs).toFixed(2)}`);

    // Two HTML-only passes: the first pays module loading and JIT warm-up, the second is steady state.
    for (const pass of ['cold', 'warm']) {
      t = performance.now();
      const r = await renderReport(dir, { formats: ['html'] });
      const total = performance.now() - t;
      log(
        `html (${pass}): ${s(total)} total — load ${s(r.timings.load)}, analysis ${s(r.timings.analyze)}, ` +
          `model ${s(r.timings.model)}, html+svg ${s(r.timings.html)}; ${(fs.statSync(r.htmlPath).size / 1024).toFixed(0)} KiB`,
      );
    }
    if (!findBrowser()) {
      log('pdf: skipped (no Chromium: sudo apt-get install chromium, or set PUPPETEER_EXECUTABLE_PATH)');
      return;
    }
    t = performance.now();
    const r = await renderReport(dir, { formats: ['html', 'pdf'], requirePdf: true });
    const pages = fs.readFileSync(r.pdfPath!, 'latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    log(`pdf: ${s(r.timings.pdf ?? 0)} (browser launch + print, ${pages} A4 pages, ${(fs.statSync(r.pdfPath!).size / 1024).toFixed(0)} KiB); whole command ${s(performance.now() - t)}`);
    log('goals: HTML < 2 s, PDF < 10 s on 2 cores');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

if (require.main === module) {
  bench((l) => console.log(l)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
