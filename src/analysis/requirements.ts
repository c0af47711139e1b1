/**
 * The business-requirement matrix (the study's Table 9, computed): each requirement of
 * templates/requirements.yaml is scored from measured verdicts, sourced platform facts and the
 * cost model. The scoring rule is stated once, here, and in the YAML header.
 */
import type { Field } from '../config/validate';
import { ConfigError } from '../config/validate';
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { formatP } from './format';
import type {
  CapabilityMatrix,
  CostModel,
  Evidence,
  MetricComparison,
  Range,
  RequirementMatrix,
  RequirementResult,
} from './model';
import { optionalText, readTemplate, TEMPLATE_FILES, withFileName } from './template-files';

export const SCORING_RULE =
  'For each criterion the better platform receives its weight: a measured metric counts only when its verdict names a ' +
  'significant winner (Kruskal–Wallis, Holm-adjusted, at α); a capability counts for the platform with the uniquely best ' +
  'sourced value (a fact inferred rather than read in its source counts only if requirements.yaml includes inferred facts); a cost counts for the platform cheaper than every other (for min–max ranges, only when the ranges do not ' +
  'overlap). Ties split nothing. The best platform for a requirement is the highest total; equal top totals or no decisive ' +
  'criterion give "tie".';

export const COST_MEASURES = ['costPer1000Inferences', 'hourly', 'daily', 'runCost'] as const;
export type CostMeasure = (typeof COST_MEASURES)[number];
export type RangeCompare = 'range' | 'min' | 'max';

export type CriterionSpec =
  | { kind: 'metric'; ref: BatchMetricKey; weight: number }
  | { kind: 'capability'; ref: string; weight: number }
  | { kind: 'cost'; ref: CostMeasure; compare: RangeCompare; weight: number };

export interface RequirementSpec {
  id: string;
  title: string;
  description: string | null;
  criteria: CriterionSpec[];
}

export interface Requirements {
  file: string;
  requirements: RequirementSpec[];
  /** Whether platform facts marked inferred may decide a capability criterion (default exclude). */
  inferredFacts: 'exclude' | 'include';
}

const METRIC_KEYS = BATCH_METRICS.map((m) => m.key);

function parseCriterion(f: Field, capabilityIds: readonly string[]): CriterionSpec {
  f.onlyKeys(['metric', 'capability', 'cost', 'compare', 'weight']);
  const kinds = (['metric', 'capability', 'cost'] as const).filter((k) => f.child(k).present);
  if (kinds.length !== 1) throw new ConfigError(`${f.path}: expected exactly one of metric, capability, cost`);
  const weight = f.child('weight').number({ min: 0 });
  if (kinds[0] !== 'cost' && f.child('compare').present) throw new ConfigError(`${f.path}.compare: only cost criteria take "compare"`);
  switch (kinds[0]) {
    case 'metric':
      return { kind: 'metric', ref: f.child('metric').oneOf(METRIC_KEYS), weight };
    case 'capability':
      return { kind: 'capability', ref: f.child('capability').oneOf(capabilityIds), weight };
    case 'cost':
      return {
        kind: 'cost',
        ref: f.child('cost').oneOf(COST_MEASURES),
        compare: f.child('compare').oneOf(['range', 'min', 'max'] as const, { default: 'range' }),
        weight,
      };
  }
}

/** `capabilityIds`: the criteria of platforms.yaml a capability criterion may name. */
export function parseRequirements(root: Field, capabilityIds: readonly string[], file: string = TEMPLATE_FILES.requirements): Requirements {
  return withFileName(file, () => {
    root.onlyKeys(['schema', 'inferredFacts', 'requirements']);
    root.child('schema').int({ min: 1, max: 1, default: 1 });
    const inferredFacts = root.child('inferredFacts').oneOf(['exclude', 'include'] as const, { default: 'exclude' });
    const seen = new Set<string>();
    const requirements = root.child('requirements').array().map((r) => {
      r.onlyKeys(['id', 'title', 'description', 'criteria']);
      const id = r.child('id').string({ pattern: /^[a-z0-9][a-z0-9-]*$/, patternHint: 'a lower-case id like real-time-inference' });
      if (seen.has(id)) throw new ConfigError(`${r.path}.id: "${id}" is used twice`);
      seen.add(id);
      return {
        id,
        title: r.child('title').string(),
        description: optionalText(r.child('description')),
        criteria: r.child('criteria').array().map((c) => parseCriterion(c, capabilityIds)),
      };
    });
    return { file, requirements, inferredFacts };
  });
}

export function loadRequirements(templatesDir: string, capabilityIds: readonly string[]): Requirements {
  const doc = readTemplate(templatesDir, TEMPLATE_FILES.requirements)!;
  return parseRequirements(doc.root, capabilityIds, doc.file);
}

// ───────────────────────────── scoring ─────────────────────────────

export interface ScoringInputs {
  platforms: string[];
  metrics: MetricComparison[];
  capabilities: CapabilityMatrix;
  costs: CostModel;
  alpha: number;
  /** Table 9 of the study: requirement id → platform. */
  studyBest: Record<string, string>;
}

type Decision = { favours: string | null; reason: string };

const COST_LABELS: Record<CostMeasure, string> = {
  costPer1000Inferences: 'cost per 1,000 inferences',
  hourly: 'hourly cost',
  daily: 'daily cost',
  runCost: "the run's request and transfer cost",
};

function metricDecision(m: MetricComparison, alpha: number): Decision {
  const v = m.verdict;
  if (v.kind === 'winner') return { favours: v.winner, reason: `${v.winner} significantly better (p = ${formatP(v.pValue)}, Holm, α = ${alpha})` };
  if (v.kind === 'no-significant-difference') return { favours: null, reason: `not significant (p = ${formatP(v.pValue)}, Holm, α = ${alpha})` };
  return { favours: null, reason: `insufficient data: ${v.reason}` };
}

function capabilityDecision(capabilities: CapabilityMatrix, id: string, platforms: string[]): { label: string } & Decision {
  const c = capabilities.criteria.find((x) => x.id === id)!;
  const shown = platforms
    .map((p) => `${p} ${c.values[p] ? `${String(c.values[p].value)}${c.values[p].inferred ? ' (inferred)' : ''}` : '(no value)'}`)
    .join(' vs ');
  const missing = platforms.filter((p) => !c.values[p]);
  const inferred = platforms.filter((p) => c.values[p]?.inferred);
  if (c.best) return { label: c.label, favours: c.best, reason: shown };
  if (c.type === 'text') return { label: c.label, favours: null, reason: 'descriptive only' };
  if (missing.length) return { label: c.label, favours: null, reason: `no value for ${missing.join(', ')} in platforms.yaml` };
  if (inferred.length && capabilities.inferredFacts === 'exclude') {
    return { label: c.label, favours: null, reason: `${shown}; inferred facts decide nothing (requirements.yaml: inferredFacts: exclude)` };
  }
  return { label: c.label, favours: null, reason: `tie: ${shown}` };
}

function costOf(costs: CostModel, platform: string, measure: CostMeasure): Range | null {
  const c = costs.platforms.find((p) => p.platform === platform);
  if (!c || !c.priced) return null;
  switch (measure) {
    case 'costPer1000Inferences':
      return c.inference.costPer1000;
    case 'hourly':
      return c.hourly;
    case 'daily':
      return c.daily;
    case 'runCost':
      return { min: c.run.total, max: c.run.total };
  }
}

function showRange(r: Range): string {
  const f = (v: number) => (v === 0 ? '0' : v.toPrecision(3));
  return r.min === r.max ? f(r.min) : `${f(r.min)}–${f(r.max)}`;
}

function costDecision(costs: CostModel, platforms: string[], measure: CostMeasure, compare: RangeCompare): Decision {
  const ranges = platforms.map((p) => costOf(costs, p, measure));
  const missing = platforms.filter((_, i) => ranges[i] === null);
  if (missing.length) return { favours: null, reason: `${missing.join(', ')}: not priced or not measured` };
  const rs = ranges as Range[];
  const shown = platforms.map((p, i) => `${p} ${showRange(rs[i])}`).join(' vs ');
  const cheaper = (i: number, j: number) =>
    compare === 'range' ? rs[i].max < rs[j].min : compare === 'min' ? rs[i].min < rs[j].min : rs[i].max < rs[j].max;
  const winner = platforms.findIndex((_, i) => platforms.every((__, j) => j === i || cheaper(i, j)));
  if (winner < 0) return { favours: null, reason: `${compare === 'range' ? 'ranges overlap or equal' : 'tie'}: ${shown}` };
  return { favours: platforms[winner], reason: shown };
}

function scoreRequirement(spec: RequirementSpec, inputs: ScoringInputs): RequirementResult {
  const { platforms } = inputs;
  const evidence: Evidence[] = spec.criteria.map((c) => {
    let label: string;
    let d: Decision;
    if (c.kind === 'metric') {
      const m = inputs.metrics.find((x) => x.metric === c.ref)!;
      label = `${m.label} (${m.unit})`;
      d = metricDecision(m, inputs.alpha);
    } else if (c.kind === 'capability') {
      ({ label, ...d } = capabilityDecision(inputs.capabilities, c.ref, platforms));
    } else {
      label = COST_LABELS[c.ref] + (c.compare === 'range' ? '' : ` (${c.compare} of range)`);
      d = costDecision(inputs.costs, platforms, c.ref, c.compare);
    }
    const counted = d.favours !== null && c.weight > 0;
    return {
      kind: c.kind,
      ref: c.ref,
      label,
      weight: c.weight,
      favours: d.favours,
      counted,
      reason: d.favours !== null && c.weight === 0 ? `${d.reason}; weight 0` : d.reason,
    };
  });
  const scores: Record<string, number> = Object.fromEntries(platforms.map((p) => [p, 0]));
  for (const e of evidence) if (e.counted) scores[e.favours!] += e.weight;
  const top = Math.max(...Object.values(scores));
  const leaders = platforms.filter((p) => scores[p] === top);
  const best = top > 0 && leaders.length === 1 ? leaders[0] : 'tie';
  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    scores,
    best,
    decidedBy: best === 'tie' ? [] : evidence.filter((e) => e.counted && e.favours === best),
    evidence,
    studyBest: inputs.studyBest[spec.id] ?? null,
  };
}

export function scoreRequirements(requirements: Requirements, inputs: ScoringInputs): RequirementMatrix {
  return {
    requirementsFile: requirements.file,
    scoringRule: SCORING_RULE,
    requirements: requirements.requirements.map((r) => scoreRequirement(r, inputs)),
  };
}
