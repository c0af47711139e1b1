/** The analysis as terminal text: aligned tables with fixed decimals and one verdict line per metric. */
import { decimalsFor, fixed, pValue } from '../report/format';
import { verdictLine } from '../report/verdict-text';
import type { AnalysisModel, MetricComparison, PlatformCost, Range } from '../analysis/model';
import { table } from './output';

/** One precision per metric, from the largest median of its platforms. */
function metricDecimals(c: MetricComparison): number {
  const medians = c.perPlatform.map((p) => Math.abs(p.summary?.median ?? 0));
  return decimalsFor(Math.max(0, ...medians));
}

function meanSd(mean: number, sd: number | null, d: number): string {
  return sd === null ? `${mean.toFixed(d)} (n = 1)` : `${mean.toFixed(d)} ± ${sd.toFixed(d)}`;
}

/** Four decimals, six for sub-cent amounts (a run's request cost), so no figure rounds to 0. */
function money(v: number): string {
  return v === 0 ? '0' : Math.abs(v) < 0.01 ? v.toFixed(6) : v.toFixed(4);
}

function moneyRange(r: Range): string {
  return r.min === r.max ? money(r.min) : `${money(r.min)}–${money(r.max)}`;
}

function header(m: AnalysisModel): string[] {
  const e = m.exclusions;
  const per = m.platforms.map((p) => `${p} ${e.perPlatform[p]?.measured ?? 0}/${e.perPlatform[p]?.total ?? 0}`).join(', ');
  return [
    `Analysis of run ${m.runId} — ${m.runName}`,
    `Batches: ${e.total} rows, ${e.measured} measured (${per}); excluded ${e.warmup} warm-up and ${e.failed} failed.`,
    `α = ${m.alpha}, Holm-adjusted; bootstrap ${m.bootstrap.iterations} resamples, seed ${m.bootstrap.seed}.`,
  ];
}

function descriptiveTable(m: AnalysisModel): string {
  const withStudy = m.study !== null;
  const rows = [['metric', 'unit', 'platform', 'n', 'mean ± sd', 'median', 'p25', 'p75', ...(withStudy ? ["study's mean ± sd / median"] : [])]];
  for (const c of m.metrics) {
    const study = m.study?.metrics[c.metric];
    const d = metricDecimals(c);
    for (const p of c.perPlatform) {
      const s = p.summary;
      const sv = study?.values[p.platform];
      rows.push([
        c.label,
        c.unit,
        p.platform,
        String(p.n),
        s ? meanSd(s.mean, s.sd, d) : '–',
        fixed(s?.median, d),
        fixed(s?.p25, d),
        fixed(s?.p75, d),
        ...(withStudy ? [sv ? `${sv.mean} ± ${sv.sd ?? '?'} / ${sv.median} ${study!.unit} (${study!.table})` : '–'] : []),
      ]);
    }
  }
  return table(rows, { header: true });
}

function testsTable(metrics: MetricComparison[], level: number): string {
  const rows = [['metric', 'KW H', 'p', 'p Holm', 'pair', 'U', 'p MW', 'p Holm', "Cliff's δ", 'A', `median diff a − b [${(level * 100).toFixed(0)}% CI]`]];
  for (const c of metrics) {
    if (!c.omnibus) {
      rows.push([c.label, '–', '–', '–', '–', '–', '–', '–', '–', '–', 'insufficient data']);
      continue;
    }
    const d = metricDecimals(c);
    c.pairwise.forEach((p, i) => {
      const o = c.omnibus!;
      const ci = p.medianDiff;
      rows.push([
        i === 0 ? c.label : '',
        i === 0 ? o.H.toFixed(3) : '',
        i === 0 ? pValue(o.pValue) : '',
        i === 0 ? pValue(o.pHolm) : '',
        `${p.a}–${p.b}`,
        fixed(p.U, 1),
        pValue(p.pValue),
        pValue(p.pHolm),
        p.cliffsDelta.toFixed(3),
        p.varghaDelaneyA.toFixed(3),
        `${ci.estimate.toFixed(d)} [${ci.lower.toFixed(d)}, ${ci.upper.toFixed(d)}]`,
      ]);
    });
  }
  return table(rows, { header: true });
}

function latencyTableText(m: AnalysisModel): string {
  const rows = [['platform', 'phase', 'n', 'p50', 'p90', 'p95', 'p99', 'max', 'TTFB p50', 'TTFB p95']];
  for (const l of m.latency) {
    const d = l.durationMs;
    rows.push([
      l.platform,
      l.phase,
      String(l.n),
      fixed(d?.p50, 1),
      fixed(d?.p90, 1),
      fixed(d?.p95, 1),
      fixed(d?.p99, 1),
      fixed(d?.max, 1),
      fixed(l.ttfbMs?.p50, 1),
      fixed(l.ttfbMs?.p95, 1),
    ]);
  }
  return table(rows, { header: true });
}

function failuresText(m: AnalysisModel): string {
  const rows = [['platform', 'phase', 'requests', 'failed', 'rate', 'retried', 'error codes']];
  for (const f of m.failures) {
    const codes = Object.entries(f.errorCodes).map(([k, v]) => `${k} ×${v}`).join(', ');
    rows.push([f.platform, f.phase, String(f.requests), String(f.failed), f.failureRate === null ? '–' : `${(f.failureRate * 100).toFixed(2)}%`, String(f.retried), codes || '–']);
  }
  return table(rows, { header: true });
}

function loadText(m: AnalysisModel): string[] {
  const l = m.load;
  if (!l) return [];
  const rows = [['platform', 'offered req/s', 'achieved', 'p50', 'p90', 'p99', 'naive p99', 'errors', 'instances', `meets p${l.slo.percentile} ≤ ${l.slo.ms} ms`]];
  for (const s of l.steps) {
    rows.push([
      s.platform, String(s.rateRps), fixed(s.achievedRps, 2), fixed(s.corrected?.p50, 1), fixed(s.corrected?.p90, 1), fixed(s.corrected?.p99, 1), fixed(s.naive?.p99, 1),
      s.errorRate === null ? '–' : `${(s.errorRate * 100).toFixed(1)}%`,
      s.instances ? (s.instances.min === s.instances.max ? String(s.instances.max) : `${s.instances.min}–${s.instances.max}`) : '–',
      s.meetsSlo ? 'yes' : s.endedBy === 'early-stop' ? 'no (stopped early)' : 'no',
    ]);
  }
  const caps = l.capacity.map((c) => `${c.platform} ${c.capacityRps === null ? `below ${l.rates[0]}` : `${c.failing ? '' : '≥ '}${c.capacityRps}`} req/s`).join(', ');
  return [
    `Load (open loop, ${l.arrival}; latency from the intended start, ms)`,
    table(rows, { header: true }),
    `  Capacity at p${l.slo.percentile} ≤ ${l.slo.ms} ms: ${caps}. ${l.verdict.text}.`,
    ...l.cold.map((c) => `  Cold start ${c.platform}: ${fixed(c.latencyMs, 0)} ms after ${c.idleS} s idle (warm p50 ${fixed(c.warmP50Ms, 0)} ms).`),
    '',
  ];
}

function costRow(c: PlatformCost): string[] {
  if (!c.priced) return [c.platform, c.reason, '', '', '', '', '', ''];
  const i = c.inference;
  const run = c.run;
  const egressGB = run.lines.find((l) => l.quantityUnit === 'GB')?.quantity;
  return [
    c.platform,
    `${moneyRange(c.hourly)} ${c.currency}`,
    moneyRange(c.daily),
    fixed(i.imagesPerSecond, 2),
    i.costPer1000 ? moneyRange(i.costPer1000) : `– (${i.note})`,
    `${run.putRequests} / ${run.getRequests}`,
    egressGB === undefined ? '–' : egressGB.toFixed(4),
    money(run.total) + (run.unpriced.length ? ` (unpriced: ${run.unpriced.join(', ')})` : ''),
  ];
}

function costText(m: AnalysisModel): string[] {
  const rows = [['platform', 'hourly', 'daily', 'images/s', 'per 1,000 inferences', 'PUT / GET', 'egress GB', 'run cost']];
  for (const c of m.costs.platforms) rows.push(costRow(c));
  const lines = [table(rows, { header: true })];
  if (m.costs.platforms.some((c) => c.priced && c.measuredOnLocalStack)) {
    lines.push('  (measured on the local stack: costs are what the same usage would cost on the real services at these list prices)');
  }
  if (m.study && Object.keys(m.study.costs).length) {
    const s = Object.entries(m.study.costs).map(([p, c]) => `${p} ${moneyRange(c.hourly)}/h, ${moneyRange(c.daily)}/day (${c.table})`);
    lines.push(`  The study's totals: ${s.join('; ')}.`);
  }
  return lines;
}

function requirementsText(m: AnalysisModel): string {
  const withStudy = m.study !== null;
  const rows = [['requirement', 'best', 'scores', 'decided by', ...(withStudy ? ["study's Table 9"] : [])]];
  for (const r of m.requirements.requirements) {
    const scores = m.platforms.map((p) => `${p} ${r.scores[p] ?? 0}`).join(', ');
    const decided = r.decidedBy.map((e) => `${e.ref} +${e.weight}`).join(', ') || (r.evidence.some((e) => e.counted) ? 'equal totals' : 'no decisive evidence');
    rows.push([r.title, r.best, scores, decided, ...(withStudy ? [r.studyBest ?? '–'] : [])]);
  }
  return table(rows, { header: true });
}

function capabilitiesText(m: AnalysisModel): string {
  const rows = [['criterion', ...m.platforms, 'better']];
  for (const c of m.capabilities.criteria) {
    if (c.type === 'text') continue;
    rows.push([
      c.id,
      ...m.platforms.map((p) => {
        const v = c.values[p];
        return v ? `${String(v.value)}${c.unit && c.unit !== '%' ? ` ${c.unit}` : c.unit ?? ''}${v.inferred ? ' (inferred)' : ''}` : '–';
      }),
      c.best ?? 'tie',
    ]);
  }
  const inferred = m.capabilities.criteria.some((c) => Object.values(c.values).some((v) => v.inferred));
  const note = inferred
    ? `\n  (inferred): not read in the source but inferred (see platforms.yaml notes); ${m.capabilities.inferredFacts === 'include' ? 'included in the requirements, as requirements.yaml asks' : 'decides nothing unless requirements.yaml says inferredFacts: include'}`
    : '';
  return table(rows, { header: true }) + note;
}

export function formatAnalysis(m: AnalysisModel): string {
  const out: string[] = [...header(m), ''];
  out.push('Per-metric summary (measured batches; percentiles type 7)', descriptiveTable(m), '');
  out.push('Tests (Kruskal–Wallis across platforms, Holm across metrics; Mann–Whitney per pair, Holm across pairs)', testsTable(m.metrics, m.bootstrap.level), '');
  out.push('Verdicts', ...m.metrics.map((c) => `  ${verdictLine(c, m.alpha)}`), '');
  out.push('Request latency, ms (successful requests of measured batches)', latencyTableText(m), '');
  out.push('Failures and retries (non-warm-up batches)', failuresText(m), '');
  out.push(...loadText(m));
  out.push(`Cost (list prices from ${m.costs.pricingFile})`, ...costText(m), '');
  out.push(`Capabilities (${m.capabilities.platformsFile})`, capabilitiesText(m), '');
  out.push(`Business requirements (weights in ${m.requirements.requirementsFile})`, requirementsText(m));
  return out.join('\n');
}
