/**
 * One section per measured metric: the study's per-platform series, overlay and boxplot figures,
 * its Tables 2–5 statistics, the test results and a verdict sentence — all from the analysis.
 */
import type { BatchPoint, MetricComparison, StudyReference, Verdict } from '../../analysis/model';
import { batchSeriesSpec } from '../charts/batch-series';
import { batchOverlaySpec } from '../charts/overlay';
import { boxplotSpec, WHISKER_IQR } from '../charts/boxplot';
import { asPrinted, fixed, int, listText, num, pText, pValue } from '../format';
import type { Cell, MetricSection, ReportFigure, ReportTable } from '../report-model';
import { col, insufficient, missing, numCell, table, text } from './cells';

/** Report order and wording of the study's four metrics. */
export const METRIC_TEXT: Record<string, { key: string; title: string; noun: string; definition: string }> = {
  uploadSPerMiB: {
    key: 'upload',
    title: 'Upload time',
    noun: 'upload time per MiB',
    definition: 'Seconds to upload one MiB of a batch: the wall time of the batch’s upload phase (first request start to last request end, monotonic clock) divided by the batch’s size in MiB. Lower is better.',
  },
  downloadSPerMiB: {
    key: 'download',
    title: 'Download time',
    noun: 'download time per MiB',
    definition: 'Seconds to download one MiB of a batch from the platform’s object storage, measured like the upload time; every downloaded object is checked against the uploaded bytes. Lower is better.',
  },
  inferenceSPerMiB: {
    key: 'inference',
    title: 'Inference time',
    noun: 'inference time per MiB',
    definition: 'Seconds the platform’s inference endpoint takes per MiB of images: the wall time of the batch’s inference phase divided by its size in MiB. Lower is better.',
  },
  throughputMiBps: {
    key: 'throughput',
    title: 'Throughput',
    noun: 'throughput',
    definition: 'MiB of a batch retrieved and analysed per second: batch MiB / (download time + inference time), the study’s definition. Higher is better.',
  },
};
export const METRIC_ORDER = ['uploadSPerMiB', 'downloadSPerMiB', 'inferenceSPerMiB', 'throughputMiBps'];

export interface MetricContext {
  platforms: string[];
  /** The metric's per-batch values (analysis.batches.series). */
  points: readonly BatchPoint[];
  alpha: number;
  study: StudyReference | null;
  studyLabel: string;
}

export function metricSection(m: MetricComparison, ctx: MetricContext): MetricSection {
  const t = METRIC_TEXT[m.metric];
  const key = t?.key ?? m.metric;
  const title = t?.title ?? m.label;
  const noun = t?.noun ?? m.label;
  // Short axis titles: a rotated title longer than the panel makes vega grow the SVG around it.
  const valueTitle = `${key} (${m.unit})`;
  const points = ctx.points;
  const measured = points.filter((p) => p.measured);
  const none = measured.length === 0 ? `No measured batch has a value for ${noun}.` : null;

  const fig = (id: string, caption: string, spec: ReportFigure['spec'], alt: string, empty = none): ReportFigure => ({
    id,
    caption,
    spec: empty ? null : spec,
    empty,
    alt,
  });
  const series = fig(
    `fig-series-${key}`,
    `${capitalize(noun)} (${m.unit}) for each batch, one panel per platform with its own y scale. Dashed line: the platform’s mean over measured batches; grey diamonds: warm-up or failed batches, left out of the statistics.`,
    batchSeriesSpec(points, { platforms: ctx.platforms, valueTitle: m.unit }),
    `Per-batch ${noun} of ${listText(ctx.platforms)}, one line chart per platform.`,
    points.length === 0 ? `No batch has a value for ${noun}.` : null,
  );
  const overlay = fig(
    `fig-overlay-${key}`,
    `${capitalize(noun)} (${m.unit}) per measured batch, all platforms in one panel.`,
    batchOverlaySpec(points, { platforms: ctx.platforms, valueTitle }),
    `Per-batch ${noun} of all platforms overlaid.`,
  );
  const boxplot = fig(
    `fig-box-${key}`,
    `Distribution of the per-batch ${noun} (${m.unit}) per platform. Box: quartiles and median; whiskers: the furthest values within ${WHISKER_IQR} × IQR; dots: values beyond.`,
    boxplotSpec(points, { platforms: ctx.platforms, valueTitle }),
    `Boxplots of the per-batch ${noun} per platform.`,
  );

  return {
    key,
    title,
    intro: [t?.definition ?? `${capitalize(noun)} in ${m.unit}.`, figureSentence(key)],
    series,
    overlay,
    boxplot,
    stats: statsTable(m, key, noun, ctx),
    tests: testsTable(m, key, noun, ctx),
    verdict: verdictSentence(m, noun, ctx.alpha),
  };
}

function figureSentence(key: string): string {
  return `[[fig-series-${key}]] shows every batch per platform, [[fig-overlay-${key}]] overlays the platforms and [[fig-box-${key}]] compares their distributions; [[tab-stats-${key}]] summarises them and [[tab-tests-${key}]] gives the tests.`;
}

/** Tables 2–5 of the study, with n and the spread it did not print. */
function statsTable(m: MetricComparison, key: string, noun: string, ctx: MetricContext): ReportTable {
  const studyValues = ctx.study?.metrics[m.metric] ?? null;
  const withStudy = studyValues !== null;
  const best = m.ranking.best;
  const columns = [
    col('Platform'),
    col('n', 'right'),
    col(`Mean ± SD (${m.unit})`, 'right'),
    col(`Median (${m.unit})`, 'right'),
    col('p25–p75', 'right'),
    col('Min–max', 'right'),
  ];
  if (withStudy) {
    columns.push(col(`${ctx.studyLabel} mean ± SD (${studyValues.unit})`, 'right', true));
    columns.push(col(`${ctx.studyLabel} median`, 'right', true));
  }
  const rows = m.perPlatform.map((p): Cell[] => {
    const s = p.summary;
    const row: Cell[] = [text(p.platform, { strong: p.platform === best }), text(String(p.n))];
    if (!s) row.push(insufficient(), missing(), missing(), missing());
    else {
      row.push(
        text(s.sd === null ? `${num(s.mean)} (no SD, n = 1)` : `${num(s.mean)} ± ${num(s.sd, 2)}`, { value: s.mean }),
        numCell(s.median, 3, { strong: p.platform === best }),
        text(`${num(s.p25)}–${num(s.p75)}`),
        text(`${num(s.min)}–${num(s.max)}`),
      );
    }
    if (withStudy) {
      const v = studyValues.values[p.platform];
      row.push(
        v ? text(v.sd === null ? asPrinted(v.mean) : `${asPrinted(v.mean)} ± ${asPrinted(v.sd)}`) : missing(),
        v ? text(asPrinted(v.median)) : missing(),
      );
    }
    return row;
  });
  const notes = [
    'n: measured batches (warm-up and failed batches excluded). SD: sample standard deviation. p25–p75: interquartile range; percentiles ' +
      'Hyndman–Fan type 7. Bold: lowest median' + (m.better === 'higher' ? ' (here: highest, higher is better).' : '.'),
  ];
  if (withStudy) {
    notes.push(`${ctx.studyLabel}: the values of the study’s ${studyValues.table}, in ${studyValues.unit}, from its own runs on AWS and Azure; not measured here. ${ctx.study?.unitNote ?? ''}`.trim());
  }
  const missingNote = m.perPlatform.filter((p) => p.missing > 0).map((p) => `${p.platform}: ${p.missing}`);
  if (missingNote.length) notes.push(`Measured batches without a value (phase not run): ${missingNote.join(', ')}.`);
  return table(`tab-stats-${key}`, `${capitalize(noun)} per platform (${m.unit}).`, columns, rows, notes);
}

function testsTable(m: MetricComparison, key: string, noun: string, ctx: MetricContext): ReportTable {
  const columns = [
    col('Comparison'),
    col('Test'),
    col('Statistic', 'right'),
    col('p', 'right'),
    col('p (Holm)', 'right'),
    col('Effect size', 'right'),
    col(`Median difference, ${m.pairwise[0] ? Math.round(m.pairwise[0].medianDiff.level * 100) : 95} % CI (${m.unit})`, 'right'),
  ];
  const rows: Cell[][] = [];
  if (m.omnibus) {
    const o = m.omnibus;
    rows.push([
      text(`all ${m.perPlatform.length} platforms`),
      text('Kruskal–Wallis'),
      text(`H = ${fixed(o.H, 3)}, df = ${o.df}`),
      text(pValue(o.pValue)),
      text(pValue(o.pHolm), { strong: o.pHolm < ctx.alpha }),
      missing(),
      missing(),
    ]);
  } else {
    rows.push([text(`all ${m.perPlatform.length} platforms`), text('Kruskal–Wallis'), insufficient(), missing(), missing(), missing(), missing()]);
  }
  for (const p of m.pairwise) {
    const d = p.medianDiff;
    rows.push([
      text(`${p.a} vs ${p.b}`),
      text(`Mann–Whitney U (${p.method})`),
      text(`U = ${Number.isInteger(p.U) ? int(p.U) : fixed(p.U, 1)}`),
      text(pValue(p.pValue)),
      text(pValue(p.pHolm), { strong: p.pHolm < ctx.alpha }),
      text(`δ = ${fixed(p.cliffsDelta, 2)}, A = ${fixed(p.varghaDelaneyA, 2)}`),
      text(`${num(d.estimate)} [${num(d.lower)}, ${num(d.upper)}]`),
    ]);
  }
  const first = m.pairwise[0];
  const notes = [
    `Kruskal–Wallis p adjusted by Holm across the metrics (the family of omnibus tests); pairwise p adjusted by Holm across the pairs of this metric. Bold: significant at α = ${ctx.alpha}. ` +
      `δ: Cliff’s delta of the first platform vs the second (> 0: the first tends to be larger); A: Vargha–Delaney A (0.5 = no effect).` +
      (first ? ` Median difference = median(first) − median(second), seeded percentile bootstrap (${int(first.medianDiff.iterations)} resamples, seed ${first.medianDiff.seed}).` : ''),
  ];
  if (m.verdict.kind === 'insufficient-data') notes.push(`Insufficient data: ${m.verdict.reason}`);
  return table(`tab-tests-${key}`, `Tests of the ${noun} differences between platforms.`, columns, rows, notes);
}

export function medianOf(m: MetricComparison, platform: string): number | null {
  return m.perPlatform.find((p) => p.platform === platform)?.summary?.median ?? null;
}

/** One sentence saying who leads, by how much, and whether it is significant. */
export function verdictSentence(m: MetricComparison, noun: string, alpha: number): string {
  const v: Verdict = m.verdict;
  const dir = m.better === 'lower' ? 'lower' : 'higher';
  if (v.kind === 'insufficient-data') {
    return `Insufficient data to compare ${noun}: ${lowerFirst(v.reason.replace(/\.$/, ''))}.`;
  }
  if (v.kind === 'winner') {
    const w = medianOf(m, v.winner);
    const r = medianOf(m, v.runnerUp);
    return (
      `${v.winner} has the ${dir} ${noun}: median ${num(w)} ${m.unit} against ${num(r)} ${m.unit} for ${v.runnerUp}, ` +
      `${fixed(Math.abs(v.improvementPct), 1)} % ${dir}. The difference is significant (${pText(v.pValue)}, Holm-adjusted, α = ${alpha}).`
    );
  }
  const { best, next, bestMedian: bm, nextMedian: nm, relativeDiffPct } = m.ranking;
  const by = next !== null && nm !== null && relativeDiffPct !== null ? `, ${fixed(relativeDiffPct, 1)} % ${dir} than ${next} (${num(nm)})` : '';
  return (
    `No significant difference in ${noun} between ${listText(v.tied)} (${pText(v.pValue)}, Holm-adjusted, α = ${alpha}). ` +
    `${best} has the ${dir} median, ${num(bm)} ${m.unit}${by}, but the data do not show it is more than chance.`
  );
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
