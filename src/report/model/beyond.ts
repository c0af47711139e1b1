/** Beyond the study: per-request latency percentiles with a distribution plot per phase, and failures. */
import type { AnalysisModel } from '../../analysis/model';
import { latencyCdfSpec } from '../charts/latency-cdf';
import { int, listText, num, percent } from '../format';
import type { Cell, LatencySection, Paragraph, ReportFigure, ReportTable } from '../report-model';
import { col, missing, numCell, table, text } from './cells';

export function latencySection(analysis: AnalysisModel): LatencySection {
  const views = analysis.latencyViews;
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
  for (const { phase, bestP50, bestP99 } of views) {
    const lines = analysis.latency.filter((l) => l.phase === phase);
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
  const figures: ReportFigure[] = views.map(({ phase, curve: points }) => {
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
  for (const { phase, byP50, bestP99 } of views) {
    const row = (platform: string | undefined) => analysis.latency.find((l) => l.phase === phase && l.platform === platform)?.durationMs ?? null;
    const [first, second] = byP50.map(row);
    if (!first || !second) continue;
    const tail = bestP99 ? `the lowest p99 is ${bestP99}’s (${num(row(bestP99)!.p99)} ms)` : 'no platform has a lower p99 than all others';
    intro.push(
      `${cap(phase)}: ${byP50[0]} has the lowest median request latency (${num(first.p50)} ms against ` +
        `${num(second.p50)} ms for ${byP50[1]}); ${tail}.`,
    );
  }
  return { intro, table: tab, figures };
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
