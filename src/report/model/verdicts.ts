/** Table 8 (best platform per criterion), Table 9 (per business requirement) and the capability matrix. */
import type { AnalysisModel, CapabilityCriterion, CapabilityValue, PlatformCost } from '../../analysis/model';
import { asPrinted, listText, moneyRange, num, pText } from '../format';
import type { Cell, Paragraph, ReportTable } from '../report-model';
import { evidenceReason } from '../verdict-text';
import { col, missing, sourceList, table, text } from './cells';
import { METRIC_ORDER, METRIC_TEXT, capitalize, medianOf } from './metrics';
import { baseName } from './setup';

type Priced = Extract<PlatformCost, { priced: true }>;

/** The study's Table 8 keys are its own wording; match them loosely to ours. */
function studyBest(study: AnalysisModel['study'], keys: string[]): string | null {
  if (!study) return null;
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const wanted = new Set(keys.map(norm));
  for (const [k, v] of Object.entries(study.bestPerMetric)) if (wanted.has(norm(k))) return v;
  return null;
}

export function winnersTable(analysis: AnalysisModel, withStudy: boolean, studyLabel: string): { intro: Paragraph[]; table: ReportTable } {
  const rows: Cell[][] = [];
  const metrics = [...analysis.metrics].sort((a, b) => METRIC_ORDER.indexOf(a.metric) - METRIC_ORDER.indexOf(b.metric));
  for (const m of metrics) {
    const t = METRIC_TEXT[m.metric];
    const v = m.verdict;
    let best: Cell;
    let evidence: string;
    if (v.kind === 'winner') {
      best = text(v.winner, { strong: true });
      evidence = `median ${num(medianOf(m, v.winner))} vs ${num(medianOf(m, v.runnerUp))} ${m.unit} (${v.runnerUp}); ${pText(v.pValue)} (Holm)`;
    } else if (v.kind === 'no-significant-difference') {
      best = missing('no significant difference');
      evidence = `${v.bestByMedian} best by median, ${pText(v.pValue)} (Holm) ≥ α = ${analysis.alpha}`;
    } else {
      best = missing('insufficient data');
      evidence = v.reason;
    }
    rows.push([text(t ? capitalize(t.noun) : m.label), text('measured'), best, text(evidence), ...studyCell(withStudy, analysis, [m.metric, t?.key ?? '', `${t?.key ?? ''} latency`, `${t?.key ?? ''} time`, m.label])]);
  }
  const priced = analysis.costs.platforms.filter((c): c is Priced => c.priced && c.inference.costPer1000 !== null);
  if (priced.length >= 2) {
    const b = analysis.costs.cheapest.per1000;
    rows.push([
      text('Cost per 1,000 inferences'),
      text('measured rate × list price'),
      b ? text(b, { strong: true }) : missing('ranges overlap'),
      text(priced.map((c) => `${c.platform} ${moneyRange(c.inference.costPer1000, c.currency, 4)}`).join('; ')),
      ...studyCell(withStudy, analysis, ['cost', 'cost effectiveness', 'monetary cost']),
    ]);
  }
  // The documented criteria of the study's Table 8 (catalogue, deployment, SLA); all of them are in the capability matrix.
  const table8Criteria = new Set(Object.keys(analysis.study?.bestPerMetric ?? {}));
  for (const c of analysis.capabilities.criteria) {
    if (!table8Criteria.has(c.id) || c.type === 'text') continue;
    rows.push([
      text(c.label),
      text('documented'),
      c.best ? text(c.best, { strong: true }) : missing('tie'),
      text(analysis.platforms.filter((p) => c.values[p]).map((p) => `${p}: ${valueText(c, c.values[p])}`).join('; ')),
      ...studyCell(withStudy, analysis, [c.id, c.label]),
    ]);
  }
  const columns = [col('Criterion'), col('Basis'), col('Best'), col('Evidence')];
  if (withStudy) columns.push(col(`${studyLabel} best`, 'left', true));
  const notes = [
    `measured: decided by this run’s data (a platform is named only when the difference is significant at α = ${analysis.alpha}, Holm-adjusted); ` +
      `documented: from ${baseName(analysis.capabilities.platformsFile)}, the criteria the study’s Table 8 used; every documented criterion, with sources, is in [[tab-capabilities]].`,
  ];
  if (withStudy) notes.push(`${studyLabel} best: the study’s Table 8, for comparison; not derived from this run.`);
  const winners = metrics.filter((m) => m.verdict.kind === 'winner');
  const intro = [
    winners.length
      ? `[[tab-winners]] collects the verdicts. Measured, ${listText(
          winners.map((m) => `${(m.verdict as { winner: string }).winner} leads ${METRIC_TEXT[m.metric]?.noun ?? m.label}`),
        )}; ${metrics.length - winners.length} of the ${metrics.length} metrics show no significant difference or lack data.`
      : `[[tab-winners]] collects the verdicts. No measured metric shows a significant difference between the platforms in this run.`,
  ];
  return { intro, table: table('tab-winners', 'Best platform per criterion.', columns, rows, notes) };
}

function studyCell(withStudy: boolean, analysis: AnalysisModel, keys: string[]): Cell[] {
  if (!withStudy) return [];
  const s = studyBest(analysis.study, keys);
  return [s ? text(s) : missing()];
}

function valueText(c: CapabilityCriterion, v: CapabilityValue): string {
  if (typeof v.value === 'boolean') return v.value ? 'yes' : 'no';
  if (typeof v.value === 'number') return `${asPrinted(v.value)}${c.unit ? ` ${c.unit}` : ''}`;
  return v.value;
}

export function requirementsTable(analysis: AnalysisModel, withStudy: boolean, studyLabel: string): { intro: Paragraph[]; table: ReportTable } {
  const r = analysis.requirements;
  const rows = r.requirements.map((req): Cell[] => {
    const scores = analysis.platforms.map((p) => `${p} ${asPrinted(Math.round((req.scores[p] ?? 0) * 100) / 100)}`).join(', ');
    const decided = req.decidedBy.length
      ? req.decidedBy.map((e) => `${e.label} (${evidenceReason(e, analysis.alpha)})`).join('; ')
      : req.evidence.length
        ? `nothing decisive: ${req.evidence.map((e) => `${e.label} (${evidenceReason(e, analysis.alpha)})`).join('; ')}`
        : 'no evidence configured';
    const row: Cell[] = [
      text(req.title),
      req.best === 'tie' ? missing('tie') : text(req.best, { strong: true }),
      text(scores),
      text(decided),
    ];
    if (withStudy) row.push(req.studyBest ? text(req.studyBest) : missing());
    return row;
  });
  const columns = [col('Business requirement'), col('Best'), col('Scores'), col('Evidence')];
  if (withStudy) columns.push(col(`${studyLabel} best`, 'left', true));
  const notes = [`${r.scoringRule} Requirements and weights: ${baseName(r.requirementsFile)}.`];
  if (withStudy) notes.push(`${studyLabel} best: the study’s Table 9, for comparison.`);

  const byPlatform = new Map<string, string[]>();
  const ties: string[] = [];
  for (const req of r.requirements) {
    if (req.best === 'tie') ties.push(req.title);
    else byPlatform.set(req.best, [...(byPlatform.get(req.best) ?? []), req.title]);
  }
  const parts = analysis.platforms.filter((p) => byPlatform.has(p)).map((p) => `${p} for ${listText(byPlatform.get(p)!.map((t) => lowerFirst(t)))}`);
  const intro = [
    r.requirements.length === 0
      ? 'No business requirements are configured.'
      : `[[tab-requirements]] weighs the evidence for ${r.requirements.length} common business requirements. ` +
        (parts.length ? `The evidence favours ${parts.join('; ')}` : 'No requirement is decided') +
        (ties.length ? `; ${ties.length === 1 ? 'one is' : `${ties.length} are`} tied (${listText(ties.map(lowerFirst))}).` : '.'),
  ];
  return { intro, table: table('tab-requirements', 'Most suitable platform per business requirement, with the evidence that decided it.', columns, rows, notes) };
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

export function capabilitiesTable(analysis: AnalysisModel): { intro: Paragraph[]; table: ReportTable } {
  const cap = analysis.capabilities;
  const platforms = analysis.platforms;
  const sources = sourceList();
  const inferred: string[] = [];
  const rows = cap.criteria.map((c): Cell[] => [
    text(c.label),
    ...platforms.map((p) => {
      const v = c.values[p];
      if (!v) return missing();
      if (v.inferred) inferred.push(`${p}, ${c.label}: ${v.note}`);
      return text(`${valueText(c, v)}${v.inferred ? ' (inferred)' : ''} ${sources.ref(v.source)}`, { strong: c.best === p, muted: v.inferred });
    }),
  ]);
  const notes = [
    `Bold: the better value where the criterion is ordered. Source: ${baseName(cap.platformsFile)}.`,
    ...(inferred.length
      ? [
          `Inferred, not read in the source (${cap.inferredFacts === 'include' ? 'used to decide requirements, as requirements.yaml asks' : 'these decide no requirement; requirements.yaml can include them'}): ${inferred.join(' ')}`,
        ]
      : []),
    ...sources.notes(),
  ];
  return {
    intro: [
      `[[tab-capabilities]] lists documented platform facts the benchmark cannot measure (service catalogue, SLA, deployment), each with its source. ` +
        'They are dated: providers change them, so the file is meant to be re-checked and edited.',
    ],
    table: table('tab-capabilities', 'Platform capability matrix (documented, not measured).', [col('Criterion'), ...platforms.map((p) => col(p))], rows, notes),
  };
}
