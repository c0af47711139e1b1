/** Beyond the study: per-request latency percentiles with a distribution plot per phase, and failures. */
import type { AnalysisModel } from '../../analysis/model';
import type { Phase } from '../../config/experiment';
import { type BatchRow, type RequestRow } from '../../schema/records';
import { isMeasured, latencyCurves, latencySamples } from '../charts/data';
import { latencyCdfSpec } from '../charts/latency-cdf';
import { int, listText, num, percent } from '../format';
import type { Cell, LatencySection, Paragraph, ReportFigure, ReportTable } from '../report-model';
import { col, missing, numCell, table, text } from './cells';

const PHASE_ORDER: Phase[] = ['upload', 'download', 'inference'];

export function latencySection(
  analysis: AnalysisModel,
  batchRows: readonly BatchRow[],
  requestRows: readonly RequestRow[],
): LatencySection {
  const phases = PHASE_ORDER.filter((ph) => analysis.latency.some((l) => l.phase === ph));
  const hasTtfb = analysis.latency.some((l) => l.ttfbMs !== null);
  const columns = [
    col('Phase'),
    col('Platform'),
    col('n', 'right'),
    col('Mean', 'right'),
    col('p50', 'right'),
    col('p90', 'right'),
    col('p95', 'right'),
    col('p99', 'right'),
    col('Max', 'right'),
  ];
  if (hasTtfb) columns.push(col('TTFB p50', 'right'), col('TTFB p95', 'right'));
  const rows: Cell[][] = [];
  for (const phase of phases) {
    const lines = analysis.latency.filter((l) => l.phase === phase);
    const bestP50 = lowest(lines.map((l) => [l.platform, l.durationMs?.p50 ?? null]));
    const bestP99 = lowest(lines.map((l) => [l.platform, l.durationMs?.p99 ?? null]));
    lines.forEach((l, i) => {
      const d = l.durationMs;
      const row: Cell[] = [text(i === 0 ? phase : ''), text(l.platform), text(int(l.n))];
      if (!d) row.push(missing('no requests'), missing(), missing(), missing(), missing(), missing());
      else {
        row.push(
          numCell(d.mean),
          numCell(d.p50, 3, { strong: l.platform === bestP50 }),
          numCell(d.p90),
          numCell(d.p95),
          numCell(d.p99, 3, { strong: l.platform === bestP99 }),
          numCell(d.max),
        );
      }
      if (hasTtfb) row.push(l.ttfbMs ? numCell(l.ttfbMs.p50) : missing(), l.ttfbMs ? numCell(l.ttfbMs.p95) : missing());
      rows.push(row);
    });
  }
  const tab = table(
    'tab-latency',
    'Per-request latency by phase and platform (ms).',
    columns,
    rows,
    [
      'Successful requests of measured batches; percentiles Hyndman–Fan type 7. Bold: lowest p50 and lowest p99 of the phase.' +
        (hasTtfb ? ' TTFB: time to the first byte of a download.' : ''),
    ],
  );
  const samples = latencySamples(requestRows, batchRows.filter(isMeasured));
  const figures: ReportFigure[] = phases.map((phase) => {
    const points = latencyCurves(requestRows, batchRows, phase, analysis.platforms, 100, samples);
    return {
      id: `fig-latency-${phase}`,
      caption: `Cumulative distribution of the ${phase} request latency per platform: the fraction of requests that took at most x ms.`,
      spec: points.length ? latencyCdfSpec(points, { platforms: analysis.platforms }) : null,
      empty: points.length ? null : `No successful ${phase} requests in measured batches.`,
      alt: `Cumulative distribution of ${phase} request latencies for ${listText(analysis.platforms)}.`,
    };
  });
  const intro: Paragraph[] = [
    'The study reports one number per batch. The request rows show what a single request costs and how long the tail is, ' +
      `which matters for interactive use: [[tab-latency]] lists the percentiles, ${figures.map((f) => `[[${f.id}]]`).join(', ')} the distributions.`,
  ];
  for (const phase of phases) {
    const lines = analysis.latency.filter((l) => l.phase === phase && l.durationMs);
    if (lines.length < 2) continue;
    const sorted = [...lines].sort((a, b) => a.durationMs!.p50 - b.durationMs!.p50);
    const tail = [...lines].sort((a, b) => a.durationMs!.p99 - b.durationMs!.p99);
    intro.push(
      `${cap(phase)}: ${sorted[0].platform} has the lowest median request latency (${num(sorted[0].durationMs!.p50)} ms against ` +
        `${num(sorted[1].durationMs!.p50)} ms for ${sorted[1].platform}); the lowest p99 is ${tail[0].platform}’s (${num(tail[0].durationMs!.p99)} ms).`,
    );
  }
  return { intro, table: tab, figures };
}

function lowest(pairs: [string, number | null][]): string | null {
  const ok = pairs.filter((p): p is [string, number] => p[1] !== null);
  if (ok.length < 2) return null;
  ok.sort((a, b) => a[1] - b[1]);
  return ok[0][1] < ok[1][1] ? ok[0][0] : null;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function failuresTable(analysis: AnalysisModel): { intro: Paragraph[]; table: ReportTable } {
  const rows: Cell[][] = [];
  for (const platform of analysis.platforms) {
    const lines = analysis.failures.filter((f) => f.platform === platform);
    lines.forEach((f, i) => {
      const codes = Object.keys(f.errorCodes)
        .sort()
        .map((k) => `${k} × ${f.errorCodes[k]}`)
        .join(', ');
      rows.push([
        text(i === 0 ? platform : ''),
        text(f.phase),
        text(int(f.requests)),
        text(int(f.failed), { strong: f.failed > 0 }),
        f.failureRate === null ? missing() : text(percent(f.failureRate * 100, 2)),
        text(int(f.retried)),
        text(int(f.attempts)),
        codes ? text(codes) : missing('none'),
      ]);
    });
  }
  const ex = analysis.exclusions.perPlatform;
  const intro = [
    'Every request is recorded, including failed ones and retries; [[tab-failures]] counts them for the non-warm-up batches. ' +
      'Batches counted: ' +
      analysis.platforms
        .map((p) => {
          const c = ex[p];
          return c ? `${p} ${c.measured} of ${c.total} (${c.warmup} warm-up, ${c.failed} failed)` : `${p}: none`;
        })
        .join('; ') +
      '.',
  ];
  const totalFailed = analysis.failures.reduce((s, f) => s + f.failed, 0);
  const totalRetried = analysis.failures.reduce((s, f) => s + f.retried, 0);
  intro.push(
    totalFailed === 0 && totalRetried === 0
      ? 'No request failed and none needed a retry.'
      : `${int(totalFailed)} request${totalFailed === 1 ? '' : 's'} failed and ${int(totalRetried)} needed more than one attempt.`,
  );
  return {
    intro,
    table: table(
      'tab-failures',
      'Failed and retried requests per platform and phase (non-warm-up batches).',
      [col('Platform'), col('Phase'), col('Requests', 'right'), col('Failed', 'right'), col('Failure rate', 'right'), col('Retried', 'right'), col('Attempts', 'right'), col('Error codes')],
      rows,
      ['Retried: requests that needed more than one attempt (SDK retries). Attempts are what a storage service bills.'],
    ),
  };
}
