/**
 * The load scenario's analysis, from the sealed step rows alone (each carries its HDR histograms,
 * so nothing here reads a request row and memory does not grow with the scenario): per platform ×
 * rate results, capacity at the latency target with its evidence and cost, a verdict only when a
 * test separates the platforms, cold starts, model time vs overhead, and figure data.
 */
import type { LoadConfig } from '../config/load';
import { LatencyHistogram, SIGNIFICANT_DIGITS } from '../schema/latency-histogram';
import type { LoadStepRow, PercentileSet } from '../schema/load-records';
import { INFERENCES_PER_QUOTE, SECONDS_PER_HOUR } from './cost-model';
import { fisherExactTwoSided } from './fisher-exact';
import type { CostModel } from './model';
import type {
  CapacityEvidence, CapacityRow, CapacityVerdict, ColdStartRow, DistributionPoint, LatencyFigures, LoadAnalysis, LoadStepResult, OverheadRow, TimelinePoint,
} from './model-load';

const figures = (s: PercentileSet | null): LatencyFigures | null =>
  s ? { count: s.count, mean: s.mean, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max } : null;

function stepResult(s: LoadStepRow): LoadStepResult {
  const answered = s.sent - s.abandoned;
  return {
    platform: s.platform, step: s.step, rateRps: s.rateRps,
    scheduledRps: s.scheduledRps, achievedRps: s.achievedRps, goodputRps: s.goodputRps,
    accuracy: s.achievedRps !== null && s.scheduledRps ? s.achievedRps / s.scheduledRps : null,
    planned: s.planned, lengthBy: s.lengthBy ?? null, sent: s.sent, failed: s.failed, abandoned: s.abandoned,
    errorRate: answered > 0 ? s.failed / answered : null,
    heldBack: s.heldBack, late: s.late, overTarget: s.overTarget,
    corrected: figures(s.corrected), naive: figures(s.naive),
    lagMs: s.lag ? { p50: s.lag.p50, p99: s.lag.p99, max: s.lag.max } : null,
    modelMs: figures(s.model), overheadMs: figures(s.overhead),
    instances: s.instancesMin !== null && s.instancesMax !== null ? { min: s.instancesMin, max: s.instancesMax } : null,
    endedBy: s.endedBy, endReason: s.endReason, valueAtSlo: s.valueAtSlo, meetsSlo: s.meetsSlo,
  };
}

const evidence = (s: LoadStepResult): CapacityEvidence => ({
  rateRps: s.rateRps, valueAtSlo: s.valueAtSlo, n: s.sent - s.abandoned, overTarget: s.overTarget, failed: s.failed, endedBy: s.endedBy, endReason: s.endReason,
});

/** Per-instance hourly price of a platform's inference resources, or why there is none. */
function instancePrice(costs: CostModel, platform: string): { perInstanceHour: number; currency: string; priced: { min: number; max: number } } | string {
  const c = costs.platforms.find((p) => p.platform === platform);
  if (!c || !c.priced) return c && !c.priced ? c.reason : 'not priced';
  const inference = c.resources.filter((r) => r.role === 'inference' && r.unit === 'hour');
  if (inference.length === 0) return 'no hour-priced inference resource in the pricing file';
  return {
    perInstanceHour: inference.reduce((sum, r) => sum + r.price, 0),
    currency: c.currency,
    priced: { min: Math.min(...inference.map((r) => r.instances.min)), max: Math.max(...inference.map((r) => r.instances.max)) },
  };
}

function capacityRow(platform: string, steps: LoadStepResult[], costs: CostModel): CapacityRow {
  const ordered = steps.filter((s) => s.platform === platform && s.step >= 0).sort((a, b) => a.rateRps - b.rateRps);
  let passing: LoadStepResult | null = null;
  let failing: LoadStepResult | null = null;
  for (const s of ordered) {
    if (!s.meetsSlo) {
      failing = s;
      break;
    }
    passing = s;
  }
  const row: CapacityRow = {
    platform, capacityRps: passing?.rateRps ?? null,
    passing: passing && evidence(passing), failing: failing && evidence(failing),
    instancesAtCapacity: passing?.instances?.max ?? null, costPer1000AtCapacity: null, costNote: null,
  };
  if (!passing) return { ...row, costNote: 'no capacity at the target' };
  const price = instancePrice(costs, platform);
  if (typeof price === 'string') return { ...row, costNote: price };
  const instances = row.instancesAtCapacity !== null ? { min: row.instancesAtCapacity, max: row.instancesAtCapacity } : price.priced;
  const capacityRps = passing.rateRps;
  const perThousand = (n: number) => (price.perInstanceHour * n * INFERENCES_PER_QUOTE) / (capacityRps * SECONDS_PER_HOUR);
  return {
    ...row,
    costPer1000AtCapacity: { min: perThousand(instances.min), max: perThousand(instances.max), currency: price.currency, instances },
    costNote: row.instancesAtCapacity === null ? 'instance count not reported by the endpoint: the priced autoscaling range is used' : null,
  };
}

/** A winner only when the leader met the target at a rate where the runner-up missed it, and the over-target shares there differ (Fisher, α). */
function capacityVerdict(rows: CapacityRow[], steps: LoadStepResult[], alpha: number): CapacityVerdict {
  const ranked = [...rows].sort((a, b) => (b.capacityRps ?? -1) - (a.capacityRps ?? -1));
  if (ranked.length < 2) return { winner: null, decisiveRateRps: null, pValue: null, text: 'One platform: nothing to compare' };
  const [best, next] = ranked;
  if ((best.capacityRps ?? -1) === (next.capacityRps ?? -1)) {
    const none = rows.every((r) => r.failing === null);
    const text = none
      ? `No difference: every platform met the target at every rate tried (up to ${best.capacityRps} req/s); higher rates would tell them apart`
      : best.capacityRps === null
        ? 'No difference: no platform met the target at the lowest rate tried'
        : 'No difference: the platforms met the target up to the same rate';
    return { winner: null, decisiveRateRps: null, pValue: null, text };
  }
  const rate = next.failing?.rateRps ?? null;
  const mine = steps.find((s) => s.platform === best.platform && s.rateRps === rate);
  const theirs = steps.find((s) => s.platform === next.platform && s.rateRps === rate);
  if (rate === null || !mine || !theirs) {
    return { winner: null, decisiveRateRps: null, pValue: null, text: `No verdict: ${best.platform} reached a higher rate, but the two did not run a common rate where only one met the target` };
  }
  const bad = (s: LoadStepResult) => s.overTarget + s.failed;
  const n = (s: LoadStepResult) => Math.max(bad(s), s.sent - s.abandoned);
  const p = fisherExactTwoSided(bad(mine), n(mine) - bad(mine), bad(theirs), n(theirs) - bad(theirs));
  const shares = `${bad(mine)} of ${n(mine)} vs ${bad(theirs)} of ${n(theirs)} requests over target or failed at ${rate} req/s`;
  if (p < alpha) return { winner: best.platform, decisiveRateRps: rate, pValue: p, text: `${best.platform} sustains more load: ${shares} (Fisher's exact p = ${p.toPrecision(2)} < α = ${alpha})` };
  return { winner: null, decisiveRateRps: rate, pValue: p, text: `No significant difference: ${shares} (Fisher's exact p = ${p.toPrecision(2)} ≥ α = ${alpha})` };
}

function merged(rows: LoadStepRow[], pick: (r: LoadStepRow) => PercentileSet | null): LatencyFigures | null {
  const h = LatencyHistogram.create();
  for (const r of rows) {
    const set = pick(r);
    if (set) h.add(LatencyHistogram.decode(set.histogram));
  }
  return h.summary();
}

const DISTRIBUTION_FRACTIONS = [...Array.from({ length: 100 }, (_, i) => i / 100), 0.995, 0.999, 1];

export interface LoadInputs {
  steps: readonly LoadStepRow[];
  platforms: string[];
  config: LoadConfig;
  costs: CostModel;
  alpha: number;
  /** Platforms measured on the embedded local stack (client and endpoints share the machine). */
  local?: readonly string[];
}

export function analyzeLoad(inputs: LoadInputs): LoadAnalysis | null {
  const { config, platforms } = inputs;
  const rated = inputs.steps.filter((s) => s.step >= 0);
  if (inputs.steps.length === 0) return null;
  const steps = rated.map(stepResult).sort((a, b) => platforms.indexOf(a.platform) - platforms.indexOf(b.platform) || a.rateRps - b.rateRps);
  const capacity = platforms.map((p) => capacityRow(p, steps, inputs.costs));
  const cold: ColdStartRow[] = inputs.steps
    .filter((s) => s.step < 0)
    .map((s) => {
      const lowest = steps.find((x) => x.platform === s.platform);
      return {
        platform: s.platform, latencyMs: s.maxCorrectedMs, ok: s.failed === 0 && s.corrected !== null, idleS: config.coldStart?.idleS ?? 0,
        warmP50Ms: lowest?.corrected?.p50 ?? null, instancesWhenAnswered: s.instancesMax,
      };
    });
  const overhead: OverheadRow[] = platforms.map((p) => {
    const mine = rated.filter((s) => s.platform === p);
    const model = merged(mine, (r) => r.model);
    const over = merged(mine, (r) => r.overhead);
    return { platform: p, model, overhead: over, overheadShare: model && over ? over.p50 / (model.p50 + over.p50) : null };
  });
  const origin = Math.min(...rated.map((s) => Date.parse(s.measuredFrom)));
  const timeline: TimelinePoint[] = rated.flatMap((s) =>
    s.seconds.map((sec) => ({
      platform: s.platform, rateRps: s.rateRps, t: (Date.parse(s.measuredFrom) - origin) / 1000 + sec.t,
      p99Ms: sec.p99Ms, instances: sec.instances, completed: sec.completed,
    })),
  );
  const distribution: DistributionPoint[] = [];
  const distributionRate: Record<string, number> = {};
  // The highest rate every platform completed with data, so the curves compare like with like;
  // failing that, each platform's own highest.
  const withData = rated.filter((s) => s.corrected && s.naive);
  const common = [...new Set(withData.map((s) => s.rateRps))].filter((r) => platforms.every((p) => withData.some((s) => s.platform === p && s.rateRps === r)));
  const commonTop = common.length ? Math.max(...common) : null;
  for (const p of platforms) {
    const top = withData.filter((s) => s.platform === p && (commonTop === null || s.rateRps === commonTop)).sort((a, b) => b.rateRps - a.rateRps)[0];
    if (!top) continue;
    distributionRate[p] = top.rateRps;
    for (const [kind, set] of [['corrected', top.corrected], ['naive', top.naive]] as const) {
      const h = LatencyHistogram.decode((set as PercentileSet).histogram);
      for (const f of DISTRIBUTION_FRACTIONS) distribution.push({ platform: p, kind, fraction: f, latencyMs: f === 0 ? h.at(0) : h.at(f * 100) });
    }
  }
  const free = steps.filter((s) => s.heldBack === 0);
  const accuracies = free.map((s) => s.accuracy).filter((a): a is number => a !== null);
  const lags = free.map((s) => s.lagMs?.p99).filter((l): l is number => l !== undefined);
  return {
    mode: config.rates ? 'sweep' : 'search',
    arrival: config.arrival,
    slo: { ...config.slo, errorTolerance: config.errorTolerance },
    rates: [...new Set(steps.map((s) => s.rateRps))].sort((a, b) => a - b),
    steps,
    capacity,
    verdict: capacityVerdict(capacity, steps, inputs.alpha),
    cold,
    overhead,
    generator: {
      sharedMachine: (inputs.local ?? []).length > 0,
      freeSteps: free.length,
      worstRateError: accuracies.length ? Math.max(...accuracies.map((a) => Math.abs(a - 1))) : null,
      worstLagP99Ms: lags.length ? Math.max(...lags) : null,
      boundSteps: steps.length - free.length,
      heldBack: steps.reduce((s, x) => s + x.heldBack, 0),
      sent: steps.reduce((s, x) => s + x.sent, 0),
      maxInFlight: config.maxInFlight,
    },
    figures: {
      hockey: steps.filter((s) => s.corrected && s.naive).map((s) => ({
        platform: s.platform, rateRps: s.rateRps, p50: s.corrected!.p50, p99: s.corrected!.p99, naiveP99: s.naive!.p99, meetsSlo: s.meetsSlo,
      })),
      timeline,
      distribution,
      distributionRate,
    },
    methods: loadMethods(config),
  };
}

function loadMethods(c: LoadConfig): string {
  return (
    `Open-loop load: ${c.arrival === 'poisson' ? 'Poisson arrivals (exponential gaps)' : 'constant gaps'}, each request with an intended start fixed in advance; ` +
    `at most ${c.maxInFlight} in flight per endpoint (later arrivals wait and the wait counts). Latency is measured from the intended start (coordinated-omission corrected) and from the send (naive). ` +
    `Each rate step excludes its first ${c.step.warmupS} s and lasts at least ${c.step.minDurationS} s and ${c.step.minRequests} measured requests, whichever is longer. ` +
    `A step meets the target when its corrected p${c.slo.percentile} ≤ ${c.slo.ms} ms over successful requests and at most ${(c.errorTolerance * 100).toFixed(1)} % of its requests failed; ` +
    `${c.earlyStop ? 'it stops early once the target can no longer be met. ' : ''}Capacity is the highest rate meeting the target with every lower rate meeting it too. ` +
    `Percentiles come from HDR histograms (${SIGNIFICANT_DIGITS} significant digits); whether a step meets the target is decided from the exact count of requests over it. ` +
    "A platform wins on capacity only where it met the target at a rate the other missed and Fisher's exact test on their shares of requests over target or failed at that rate is significant " +
    '(when the runner-up stopped early there, the test sees the requests up to the stop, which makes it somewhat liberal).'
  );
}
