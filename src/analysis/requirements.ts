/**
 * The business-requirement matrix (the study's Table 9, computed): each requirement of
 * templates/requirements.yaml is scored from measured verdicts, sourced platform facts and the
 * cost model. The scoring rule is stated once, here, and in the YAML header.
 */
import { uniquelyBelow, type RangeCompare } from './ordering';
import type { Field } from '../config/validate';
import { ConfigError } from '../config/validate';
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import type {
  CapabilityMatrix,
  CostModel,
  Evidence,
  EvidenceBasis,
  LoadAnalysis,
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
  'overlap); capacity at the latency target counts, when the run had a load scenario, for the platform whose capacity verdict names it a winner (Fisher\'s exact test at α), and otherwise its fallback metric decides. Ties split nothing. The best platform for a requirement is the highest total; equal top totals or no decisive ' +
  'criterion give "tie".';

export const COST_MEASURES = ['costPer1000Inferences', 'hourly', 'daily', 'runCost'] as const;
export type CostMeasure = (typeof COST_MEASURES)[number];
export type { RangeCompare } from './ordering';

export type CriterionSpec =
  | { kind: 'metric'; ref: BatchMetricKey; weight: number }
  | { kind: 'capability'; ref: string; weight: number }
  | { kind: 'cost'; ref: CostMeasure; compare: RangeCompare; weight: number }
  /** Capacity at the latency target when the run had a load scenario; otherwise the `otherwise` metric decides. */
  | { kind: 'load'; ref: LoadMeasure; otherwise: BatchMetricKey | null; weight: number };

export const LOAD_MEASURES = ['capacityAtTarget'] as const;
export type LoadMeasure = (typeof LOAD_MEASURES)[number];

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
  f.onlyKeys(['metric', 'capability', 'cost', 'load', 'otherwise', 'compare', 'weight']);
  const kinds = (['metric', 'capability', 'cost', 'load'] as const).filter((k) => f.child(k).present);
  if (kinds.length !== 1) throw new ConfigError(`${f.path}: expected exactly one of metric, capability, cost, load`);
  const weight = f.child('weight').number({ min: 0 });
  if (kinds[0] !== 'cost' && f.child('compare').present) throw new ConfigError(`${f.path}.compare: only cost criteria take "compare"`);
  if (kinds[0] !== 'load' && f.child('otherwise').present) throw new ConfigError(`${f.path}.otherwise: only load criteria take "otherwise"`);
  switch (kinds[0]) {
    case 'load':
      return {
        kind: 'load',
        ref: f.child('load').oneOf(LOAD_MEASURES),
        otherwise: f.child('otherwise').present ? f.child('otherwise').oneOf(METRIC_KEYS) : null,
        weight,
      };
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
  /** The load scenario's analysis, when the run had one. */
  load: LoadAnalysis | null;
}

type Decision = { favours: string | null; basis: EvidenceBasis };

const COST_LABELS: Record<CostMeasure, string> = {
  costPer1000Inferences: 'cost per 1,000 inferences',
  hourly: 'hourly cost',
  daily: 'daily cost',
  runCost: "the run's request and transfer cost",
};

function metricDecision(m: MetricComparison): Decision {
  const v = m.verdict;
  const basis: EvidenceBasis = {
    kind: 'metric',
    verdict: v.kind,
    pValue: v.kind === 'insufficient-data' ? null : v.pValue,
    insufficientReason: v.kind === 'insufficient-data' ? v.reason : null,
  };
  return { favours: v.kind === 'winner' ? v.winner : null, basis };
}

function capabilityDecision(capabilities: CapabilityMatrix, id: string, platforms: string[]): { label: string } & Decision {
  const c = capabilities.criteria.find((x) => x.id === id)!;
  const values = Object.fromEntries(
    platforms.map((p) => [p, c.values[p] ? { value: c.values[p].value, inferred: c.values[p].inferred } : null]),
  );
  return { label: c.label, favours: c.best, basis: { kind: 'capability', type: c.type, values, inferredFacts: capabilities.inferredFacts } };
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

function costDecision(costs: CostModel, platforms: string[], measure: CostMeasure, compare: RangeCompare): Decision {
  const ranges = Object.fromEntries(platforms.map((p) => [p, costOf(costs, p, measure)]));
  // A platform without a price decides nothing: the others cannot be said to be cheaper than it.
  const complete = platforms.every((p) => ranges[p] !== null);
  const favours = complete ? uniquelyBelow(platforms.map((p) => [p, ranges[p]] as const), compare) : null;
  return { favours, basis: { kind: 'cost', ranges, compare } };
}

function scoreRequirement(spec: RequirementSpec, inputs: ScoringInputs): RequirementResult {
  const { platforms } = inputs;
  const evidence: Evidence[] = spec.criteria.map((c) => {
    let label: string;
    let d: Decision;
    const metric = c.kind === 'metric' ? c.ref : c.kind === 'load' && !inputs.load ? c.otherwise : null;
    if (c.kind === 'load' && inputs.load) {
      const l = inputs.load;
      label = `capacity at p${l.slo.percentile} ≤ ${l.slo.ms} ms (req/s)`;
      d = {
        favours: l.verdict.winner,
        basis: { kind: 'load', capacities: Object.fromEntries(l.capacity.map((r) => [r.platform, r.capacityRps])), pValue: l.verdict.pValue, verdict: l.verdict.text },
      };
    } else if (c.kind === 'load' && metric === null) {
      label = 'capacity at the latency target';
      d = { favours: null, basis: { kind: 'load', capacities: {}, pValue: null, verdict: 'not measured: the run had no load scenario' } };
    } else if (metric !== null) {
      const m = inputs.metrics.find((x) => x.metric === metric)!;
      label = `${m.label} (${m.unit})`;
      d = metricDecision(m);
    } else if (c.kind === 'capability') {
      ({ label, ...d } = capabilityDecision(inputs.capabilities, c.ref, platforms));
    } else if (c.kind === 'cost') {
      label = COST_LABELS[c.ref] + (c.compare === 'range' ? '' : ` (${c.compare} of range)`);
      d = costDecision(inputs.costs, platforms, c.ref, c.compare);
    } else {
      throw new Error('unreachable: a load criterion is decided above');
    }
    const counted = d.favours !== null && c.weight > 0;
    return {
      kind: c.kind === 'load' && !inputs.load && metric !== null ? 'metric' : c.kind,
      ref: c.kind === 'load' && !inputs.load && metric !== null ? metric : c.ref,
      label,
      weight: c.weight,
      favours: d.favours,
      counted,
      basis: d.basis,
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
