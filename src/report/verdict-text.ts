/**
 * Verdicts and requirement evidence in words, written from the analysis model's facts: the one
 * wording the report, the terminal and the notebooks share (the model itself holds no prose).
 */
import type { Evidence, MetricComparison, Range } from '../analysis/model';
import { pText } from './format';

/** One line per metric: who wins and by how much, or why nobody does. */
export function verdictLine(m: MetricComparison, alpha: number): string {
  const v = m.verdict;
  if (v.kind === 'insufficient-data') return `${m.label}: insufficient data — ${v.reason}`;
  if (v.kind === 'winner') {
    const word = m.better === 'lower' ? 'faster' : 'higher';
    const by = v.improvementPct > 0 ? ` by ${v.improvementPct.toFixed(1)}%` : '';
    return `${m.label}: ${v.winner} ${word} than ${v.runnerUp}${by} (median), ${pText(v.pValue)} (Holm) — significant`;
  }
  return v.equalMedians
    ? `${m.label}: no winner (${v.tied.join(', ')} have equal medians), ${pText(v.pValue)} (Holm)`
    : `${m.label}: no significant difference (${v.tied.join(', ')}), ${pText(v.pValue)} (Holm) — not significant at α = ${alpha}`;
}

function showRange(r: Range): string {
  const f = (v: number) => (v === 0 ? '0' : v.toPrecision(3));
  return r.min === r.max ? f(r.min) : `${f(r.min)}–${f(r.max)}`;
}

/** Why a requirement's criterion counted for a platform, or did not. */
export function evidenceReason(e: Evidence, alpha: number): string {
  const b = e.basis;
  let reason: string;
  if (b.kind === 'metric') {
    if (b.verdict === 'winner') reason = `${e.favours} significantly better (${pText(b.pValue)}, Holm, α = ${alpha})`;
    else if (b.verdict === 'no-significant-difference') reason = `not significant (${pText(b.pValue)}, Holm, α = ${alpha})`;
    else reason = `insufficient data: ${b.insufficientReason}`;
  } else if (b.kind === 'capability') {
    const platforms = Object.keys(b.values);
    const shown = platforms
      .map((p) => { const v = b.values[p]; return `${p} ${v ? `${String(v.value)}${v.inferred ? ' (inferred)' : ''}` : '(no value)'}`; })
      .join(' vs ');
    const missing = platforms.filter((p) => b.values[p] === null);
    const inferred = platforms.filter((p) => b.values[p]?.inferred);
    if (e.favours) reason = shown;
    else if (b.type === 'text') reason = 'descriptive only';
    else if (missing.length) reason = `no value for ${missing.join(', ')} in platforms.yaml`;
    else if (inferred.length && b.inferredFacts === 'exclude') reason = `${shown}; inferred facts decide nothing (requirements.yaml: inferredFacts: exclude)`;
    else reason = `tie: ${shown}`;
  } else if (b.kind === 'load') {
    reason = b.verdict;
  } else {
    const platforms = Object.keys(b.ranges);
    const missing = platforms.filter((p) => b.ranges[p] === null);
    const shown = platforms.map((p) => `${p} ${b.ranges[p] ? showRange(b.ranges[p]!) : '—'}`).join(' vs ');
    if (missing.length) reason = `${missing.join(', ')}: not priced or not measured`;
    else if (e.favours) reason = shown;
    else reason = `${b.compare === 'range' ? 'ranges overlap or equal' : 'tie'}: ${shown}`;
  }
  return e.favours !== null && e.weight === 0 ? `${reason}; weight 0` : reason;
}
