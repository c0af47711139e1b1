/**
 * A run comparison as a document: what changed and whether it is real, in benchstat's terms. Every
 * number comes from the RunComparison; this module only decides words and layout.
 */
import { MIN_BATCHES, type ChangeRow, type RunComparison } from '../analysis/compare';
import { BATCH_METRICS, batchMetric, directionSentence, metricAxisLabel, type BatchMetricKey } from '../schema/metrics';
import { changeSpec, type ChangePoint } from './charts/change';
import type { DocumentSection, ReportDocument } from './document';
import { decimalsFor, fixed, int, isoTime, listText, pText, pValue, signed, signedPercent } from './format';
import { col, missing, table, text } from './model/cells';
import { capitalize } from './model/metrics';
import type { Cell, ReportFigure, ReportTable } from './report-model';

/** One precision per metric across the table, from its largest median. */
function decimalsByMetric(rows: readonly ChangeRow[]): Map<BatchMetricKey, number> {
  const out = new Map<BatchMetricKey, number>();
  for (const m of BATCH_METRICS) {
    const medians = rows.filter((r) => r.metric === m.key).flatMap((r) => [r.old?.median ?? 0, r.new?.median ?? 0].map(Math.abs));
    out.set(m.key, decimalsFor(Math.max(0, ...medians)));
  }
  return out;
}

function verdictCell(verdict: ChangeRow['verdict']): Cell {
  if (verdict === 'insufficient data') return missing('insufficient data');
  if (verdict === '~') return text('~', { muted: true });
  return text(verdict, { strong: true });
}

/** Words for one significant change, e.g. "local:aws upload got worse: 0.512 → 0.603 s/MiB (+17.8 %, p < 0.001)"; `level` in percent. */
function changeSentence(r: ChangeRow, decimals: number, level: number): string {
  return (
    `${r.platform} ${batchMetric(r.metric).label} got ${r.verdict}: median ${fixed(r.old!.median, decimals)} → ${fixed(r.new!.median, decimals)} ${r.unit} ` +
    `(${signedPercent(r.changePct)}; difference ${signed(r.difference!.estimate, decimals)}, ${level} % CI ${signed(r.difference!.lower, decimals)} to ${signed(r.difference!.upper, decimals)}; Holm-adjusted ${pText(r.pHolm)})`
  );
}

function changesTable(c: RunComparison, against: number, decimals: Map<BatchMetricKey, number>): ReportTable {
  const rows = c.rows.filter((r) => r.against === against);
  const level = Math.round(c.bootstrap.level * 100);
  return table(
    `tab-changes-${against}`,
    `Run ${c.runs[against].runId} against the baseline ${c.runs[0].runId}: median per batch, difference of medians (new − baseline) with its ${level} % bootstrap interval, relative change, Mann–Whitney p (Holm-adjusted across all ${c.rows.filter((r) => r.pValue !== null).length} tests of this comparison).`,
    [col('metric'), col('platform'), col('batches', 'right'), col('baseline', 'right'), col('new', 'right'), col(`difference [${level} % CI]`, 'right'), col('change', 'right'), col('p (Holm)', 'right'), col('verdict', 'center')],
    rows.map((r) => {
      const d = decimals.get(r.metric)!;
      return [
        text(`${batchMetric(r.metric).label} (${r.unit})`),
        text(r.platform),
        text(`${int(r.old?.n ?? 0)} / ${int(r.new?.n ?? 0)}`),
        r.old ? text(fixed(r.old.median, d)) : missing(),
        r.new ? text(fixed(r.new.median, d)) : missing(),
        r.difference ? text(`${signed(r.difference.estimate, d)} [${signed(r.difference.lower, d)}, ${signed(r.difference.upper, d)}]`) : missing(),
        r.changePct === null ? missing() : text(signedPercent(r.changePct)),
        r.pHolm === null ? missing() : text(pValue(r.pHolm)),
        verdictCell(r.verdict),
      ];
    }),
    [
      `“~”: no significant change at α = ${c.alpha} after Holm. “better”/“worse” follow each metric's direction (${directionSentence()}).`,
      'Batches: measured batches (warm-up and failed batches excluded) in the baseline / the new run.',
    ],
  );
}

function changeFigure(c: RunComparison, against: number, platforms: string[]): ReportFigure {
  const rows = c.rows.filter((r) => r.against === against && r.changePct !== null);
  const points: ChangePoint[] = rows.map((r) => {
    const base = Math.abs(r.old!.median);
    return {
      metric: metricAxisLabel(r.metric),
      platform: r.platform,
      changePct: r.changePct!,
      lowPct: r.difference ? (r.difference.lower / base) * 100 : null,
      highPct: r.difference ? (r.difference.upper / base) * 100 : null,
      significant: r.verdict === 'better' || r.verdict === 'worse',
    };
  });
  const metrics = BATCH_METRICS.map((m) => metricAxisLabel(m.key)).filter((t) => points.some((p) => p.metric === t));
  return {
    id: `fig-changes-${against}`,
    caption:
      `Change of the median per batch, run ${c.runs[against].runId} against ${c.runs[0].runId}, with the ${Math.round(c.bootstrap.level * 100)} % bootstrap interval of the difference ` +
      'as a share of the baseline median. Filled dots: significant after Holm; hollow: no significant change. ' +
      `${capitalize(directionSentence())}.`,
    spec: points.length ? changeSpec(points, { platforms, metrics }) : null,
    empty: points.length ? null : 'No metric was measured by both runs.',
    alt: `Relative change per metric and platform: ${points.map((p) => `${p.platform} ${p.metric} ${signedPercent(p.changePct)}`).join('; ')}.`,
  };
}

function runsTable(c: RunComparison): ReportTable {
  return table(
    'tab-runs',
    'The runs compared (the first is the baseline).',
    [col('role'), col('run'), col('name'), col('started'), col('dataset (SHA-256)'), col('config hash')],
    c.runs.map((r, i) => [
      text(i === 0 ? 'baseline' : `new ${c.runs.length > 2 ? i : ''}`.trim()),
      text(r.runId),
      text(r.name),
      text(isoTime(r.startedAt)),
      text(`${r.datasetSha256.slice(0, 16)}…`),
      text(`${r.configHash.slice(0, 16)}…`),
    ]),
  );
}

function configTable(c: RunComparison): ReportTable {
  return table(
    'tab-config-differences',
    'Configuration fields that differ between the runs (secrets redacted).',
    [col('field'), ...c.runs.map((r) => col(r.runId))],
    c.configDifferences.map((d) => [text(d.field, { strong: true }), ...d.values.map((v) => text(v))]),
  );
}

function summaryParagraphs(c: RunComparison, decimals: Map<BatchMetricKey, number>): string[] {
  const out: string[] = [];
  const tested = c.rows.filter((r) => r.pValue !== null);
  const significant = c.rows.filter((r) => r.verdict === 'better' || r.verdict === 'worse');
  const worse = significant.filter((r) => r.verdict === 'worse').length;
  const untested = c.rows.length - tested.length;
  out.push(
    significant.length === 0
      ? `None of the ${tested.length} platform–metric comparisons changed significantly (α = ${c.alpha}, Holm-adjusted).`
      : `${significant.length} of the ${tested.length} platform–metric comparisons changed significantly (α = ${c.alpha}, Holm-adjusted): ` +
          `${significant.length - worse} better, ${worse} worse. The others show no significant change (~).`,
  );
  if (untested > 0) out.push(`${untested} comparison${untested === 1 ? ' has' : 's have'} too few measured batches to test (fewer than ${MIN_BATCHES} in a run, or no variation at all).`);
  const several = c.runs.length > 2;
  for (const r of significant) out.push(`${several ? `${c.runs[r.against].runId}: ` : ''}${changeSentence(r, decimals.get(r.metric)!, Math.round(c.bootstrap.level * 100))}.`);
  if (!c.sameDataset) out.push('Caution: the runs measured different datasets (compared on request), so a change may come from the images rather than the platform.');
  out.push(
    c.configDifferences.length === 0
      ? 'The runs used the same configuration.'
      : `The configurations differ in ${listText(c.configDifferences.map((d) => d.field))} ([[tab-config-differences]]): a change may come from that rather than from the platform.`,
  );
  for (const p of c.platformsOnlyIn) out.push(`Run ${p.runId} also measured ${listText(p.platforms)}, which the other runs did not: not compared.`);
  return out;
}

export function buildCompareDocument(c: RunComparison): ReportDocument {
  const decimals = decimalsByMetric(c.rows);
  const platforms = [...new Set(c.rows.map((r) => r.platform))];
  const level = Math.round(c.bootstrap.level * 100);
  const changes: DocumentSection[] = c.runs.slice(1).map((r, k) => ({
    title: c.runs.length > 2 ? `Changes: ${r.runId}` : 'Changes',
    blocks: [{ figure: changeFigure(c, k + 1, platforms) }, { table: changesTable(c, k + 1, decimals) }],
  }));
  return {
    title: 'Run comparison',
    byline: `Baseline ${c.runs[0].runId} · compared: ${c.runs.slice(1).map((r) => r.runId).join(', ')} · α = ${c.alpha}, Holm · ${level} % bootstrap intervals (${int(c.bootstrap.iterations)} resamples, seed ${c.bootstrap.seed})`,
    footer: `Run comparison — ${c.runs.map((r) => r.runId).join(' vs ')}`,
    sections: [
      { title: 'Summary', blocks: summaryParagraphs(c, decimals).map((paragraph) => ({ paragraph })) },
      ...changes,
      {
        title: 'Runs and configuration',
        blocks: [{ table: runsTable(c) }, ...(c.configDifferences.length ? [{ table: configTable(c) }] : [])],
      },
      {
        title: 'Method',
        blocks: [
          {
            paragraph:
              'Each run contributes its measured batches (warm-up and failed batches excluded), one value per batch and metric, as in the run report. ' +
              `For every platform and metric the baseline and the new run are compared by their medians; the interval is a ${level} % percentile bootstrap of the difference of medians, ` +
              'the p-value a two-sided Mann–Whitney U test, adjusted with Holm over every test of the comparison. A change is reported only when it is significant; ' +
              'otherwise the table shows “~”, as benchstat does. Runs of different datasets are refused unless asked for.',
          },
        ],
      },
    ],
  };
}
