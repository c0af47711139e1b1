/**
 * The history of a configuration as a document: a trend figure and a table per metric, and the
 * significant changes between consecutive runs in words. Numbers come from the RunHistory only.
 */
import type { HistoryGroup, HistoryPoint, HistorySeries, RunHistory } from '../analysis/history';
import { BATCH_METRICS, batchMetric, metricTitle, type BatchMetric } from '../schema/metrics';
import { trendSpec, type TrendPoint } from './charts/trend';
import type { DocumentSection, ReportDocument } from './document';
import { decimalsFor, fixed, isoTime, pText, signedPercent } from './format';
import { col, missing, table, text } from './model/cells';
import { capitalize } from './model/metrics';
import type { Cell, ReportFigure, ReportTable } from './report-model';

const significant = (p: HistoryPoint) => p.change?.verdict === 'better' || p.change?.verdict === 'worse';

function decimalsOf(series: readonly HistorySeries[]): number {
  return decimalsFor(Math.max(0, ...series.flatMap((s) => s.points.map((p) => Math.abs(p.median)))));
}

function pointCell(p: HistoryPoint | undefined, d: number): Cell {
  if (!p) return missing();
  const ci = p.lower === null ? '' : ` [${fixed(p.lower, d)}, ${fixed(p.upper, d)}]`;
  const mark = significant(p) ? ` ${p.change!.verdict} (${signedPercent(p.change!.changePct)})` : '';
  return text(`${fixed(p.median, d)}${ci}${mark}`, significant(p) ? { strong: true } : {});
}

function metricTable(g: HistoryGroup, gi: number, metric: BatchMetric, series: HistorySeries[], level: number): ReportTable {
  const d = decimalsOf(series);
  const platforms = series.map((s) => s.platform);
  return table(
    `tab-history-${gi}-${metric.label}`,
    `${metric.label} (${metric.unit}) per run: median per batch with its ${level} % bootstrap interval; a change from the run before that is significant after Holm is named.`,
    [col('run'), col('started'), ...platforms.map((p) => col(p, 'right'))],
    g.runs.map((r) => [text(r.runId), text(isoTime(r.startedAt)), ...series.map((s) => pointCell(s.points.find((p) => p.runId === r.runId), d))]),
  );
}

function metricFigure(g: HistoryGroup, gi: number, metric: BatchMetric, series: HistorySeries[], level: number): ReportFigure {
  const points: TrendPoint[] = series.flatMap((s) =>
    s.points.map((p) => ({ platform: s.platform, startedAt: p.startedAt, runId: p.runId, median: p.median, lower: p.lower, upper: p.upper, changed: significant(p) })),
  );
  const d = decimalsOf(series);
  return {
    id: `fig-history-${gi}-${metric.label}`,
    caption: `${metricTitle(metric.key)}: median per run with its ${level} % bootstrap interval. Rings mark significant changes from the run before.`,
    spec: trendSpec(points, { platforms: series.map((s) => s.platform), valueTitle: `${metric.label} (${metric.unit})` }),
    empty: null,
    alt: `${metric.label} over ${g.runs.length} runs: ${series.map((s) => `${s.platform} from ${fixed(s.points[0].median, d)} to ${fixed(s.points[s.points.length - 1].median, d)}`).join('; ')}.`,
  };
}

function changeLines(series: readonly HistorySeries[]): string[] {
  const d = decimalsOf(series);
  return series.flatMap((s) =>
    s.points.filter(significant).map((p) => {
      const c = p.change!;
      return `${p.runId}: ${s.platform} ${batchMetric(s.metric).label} got ${c.verdict}, median ${fixed(c.old!.median, d)} → ${fixed(c.new!.median, d)} ${s.unit} (${signedPercent(c.changePct)}, Holm-adjusted ${pText(c.pHolm)}).`;
    }),
  );
}

function groupSections(h: RunHistory, g: HistoryGroup, gi: number): DocumentSection[] {
  const level = Math.round(h.bootstrap.level * 100);
  const tests = g.series.flatMap((s) => s.points.filter((p) => p.change?.pValue != null)).length;
  const changes = BATCH_METRICS.flatMap((m) => changeLines(g.series.filter((s) => s.metric === m.key)));
  const first = g.runs[0];
  const last = g.runs[g.runs.length - 1];
  const intro = [
    `${g.runs.length} run${g.runs.length === 1 ? '' : 's'} from ${isoTime(first.startedAt)} to ${isoTime(last.startedAt)}; ` +
      `config hash ${g.configHash.slice(0, 12)}…, dataset SHA-256 ${g.datasetSha256.slice(0, 12)}….`,
    g.runs.length < 2
      ? 'One run only: nothing to compare yet.'
      : changes.length === 0
        ? `No significant change between consecutive runs (${tests} tests, α = ${h.alpha}, Holm-adjusted).`
        : `${changes.length} significant change${changes.length === 1 ? '' : 's'} between consecutive runs (${tests} tests, α = ${h.alpha}, Holm-adjusted):`,
  ];
  const blocks = [...intro, ...changes].map((paragraph) => ({ paragraph }));
  const metrics = BATCH_METRICS.map((m) => ({ m, series: g.series.filter((s) => s.metric === m.key) })).filter((x) => x.series.length > 0);
  return [
    { title: `History of “${g.name}” (config ${g.configHash.slice(0, 12)})`, blocks },
    ...metrics.map(({ m, series }) => ({
      title: capitalize(m.label),
      blocks: [{ figure: metricFigure(g, gi, m, series, level) }, { table: metricTable(g, gi, m, series, level) }],
    })),
  ];
}

export function buildHistoryDocument(h: RunHistory, outDir: string): ReportDocument {
  const runs = h.groups.reduce((n, g) => n + g.runs.length, 0);
  return {
    title: 'Run history',
    byline: `${outDir} · ${runs} run${runs === 1 ? '' : 's'} in ${h.groups.length} configuration${h.groups.length === 1 ? '' : 's'} · α = ${h.alpha}, Holm · ${Math.round(h.bootstrap.level * 100)} % bootstrap intervals`,
    footer: `Run history — ${outDir}`,
    sections: [
      ...h.groups.flatMap((g, gi) => groupSections(h, g, gi)),
      {
        title: 'Method',
        blocks: [
          {
            paragraph:
              'Runs are grouped by configuration hash and dataset: a changed configuration or dataset starts a new history. Each run contributes its measured batches, ' +
              'one value per batch and metric. Consecutive runs are compared as in `cloudbench compare`: a two-sided Mann–Whitney U test, Holm-adjusted over every test of the history, ' +
              'and a change is named only when it is significant.',
          },
        ],
      },
    ],
  };
}
