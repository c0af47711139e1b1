/** The "Load and scaling" section: open-loop results per rate, capacity at the target, cold starts, model time vs overhead, and the generator's own accuracy. */
import type { AnalysisModel, LoadAnalysis, LoadStepResult } from '../../analysis/model';
import { distributionSpec, hockeySpec, timelineSpec } from '../charts/load-charts';
import { int, listText, moneyRange, num, percent } from '../format';
import type { Cell, LoadSection, Paragraph, ReportFigure } from '../report-model';
import { col, missing, numCell, table, text } from './cells';

const rate = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(3));
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${num(v)} ms`);
const target = (l: LoadAnalysis) => `p${l.slo.percentile} ≤ ${l.slo.ms} ms`;

function stepsTable(l: LoadAnalysis) {
  const rows: Cell[][] = l.steps.map((s, i) => {
    const first = i === 0 || l.steps[i - 1].platform !== s.platform;
    const c = s.corrected;
    return [
      text(first ? s.platform : ''),
      text(rate(s.rateRps)),
      numCell(s.achievedRps),
      numCell(s.goodputRps),
      c ? numCell(c.p50) : missing(),
      c ? numCell(c.p90) : missing(),
      c ? numCell(c.p99, 3, { strong: s.meetsSlo }) : missing(),
      c ? numCell(c.max) : missing(),
      s.naive ? numCell(s.naive.p99) : missing(),
      text(s.errorRate === null ? '—' : percent(s.errorRate * 100)),
      text(s.instances ? (s.instances.min === s.instances.max ? String(s.instances.max) : `${s.instances.min}–${s.instances.max}`) : '—', s.instances ? {} : { muted: true }),
      text(s.meetsSlo ? 'yes' : s.endedBy === 'early-stop' ? 'no (stopped early)' : 'no', s.meetsSlo ? { strong: true } : {}),
    ];
  });
  return table(
    'tab-load-steps',
    `Latency under open-loop load per platform and offered rate (ms); target ${target(l)}.`,
    [col('Platform'), col('Offered (req/s)', 'right'), col('Achieved', 'right'), col('Goodput', 'right'), col('p50', 'right'), col('p90', 'right'), col('p99', 'right'), col('Max', 'right'), col('Naive p99', 'right'), col('Errors', 'right'), col('Instances', 'right'), col('Meets target')],
    rows,
    [
      'p50–Max: latency from each request’s intended start (coordinated-omission corrected), successful measured requests; Naive p99: from the actual send, as a closed-loop client would report. ' +
        'Achieved: sends per second; Goodput: successful responses per second. Instances: as reported by the endpoint while the step ran. Bold p99: meets the target.',
    ],
  );
}

function evidenceText(e: LoadAnalysis['capacity'][number]['passing'], percentile: number): string {
  if (!e) return '—';
  if (e.endedBy === 'early-stop' && e.endReason) return `${rate(e.rateRps)} req/s: stopped early, ${e.endReason.replace(/;.*$/, '')}`;
  return `${rate(e.rateRps)} req/s: p${percentile} ${ms(e.valueAtSlo)}, ${e.overTarget + e.failed} of ${e.n} over target or failed`;
}

function capacityTable(l: LoadAnalysis) {
  const rows: Cell[][] = l.capacity.map((c) => [
    text(c.platform),
    c.capacityRps === null ? missing(`below ${rate(l.rates[0])}`) : text(capacityText(c), { strong: c.platform === l.verdict.winner }),
    text(evidenceText(c.passing, l.slo.percentile)),
    c.failing ? text(evidenceText(c.failing, l.slo.percentile)) : missing('none tried missed'),
    text(c.instancesAtCapacity === null ? '—' : String(c.instancesAtCapacity), c.instancesAtCapacity === null ? { muted: true } : {}),
    c.costPer1000AtCapacity ? text(moneyRange(c.costPer1000AtCapacity, c.costPer1000AtCapacity.currency)) : missing(c.costNote ?? '—'),
  ]);
  const notes = [
    `Capacity: the highest offered rate meeting ${target(l)} with at most ${percent(l.slo.errorTolerance * 100)} errors, every lower rate meeting it too (the resolution is the rate grid). ` +
      'Cost per 1,000 inferences at capacity: hourly list price of one inference instance (pricing.yaml) × the instances serving at capacity ÷ inferences per hour at that rate.',
  ];
  const ranged = l.capacity.filter((c) => c.costNote && c.costPer1000AtCapacity);
  if (ranged.length) notes.push(`${listText(ranged.map((c) => c.platform))}: ${ranged[0].costNote}.`);
  return table(
    'tab-load-capacity',
    `Capacity at the latency target (${target(l)}) with the steps that bound it.`,
    [col('Platform'), col('Capacity (req/s)', 'right'), col('Highest rate meeting the target'), col('Next rate (missed)'), col('Instances', 'right'), col('Cost / 1,000 at capacity', 'right')],
    rows,
    notes,
  );
}

function naiveTable(l: LoadAnalysis) {
  const rows: Cell[][] = l.steps.map((s, i) => {
    const n = s.naive;
    const gap = s.corrected && n ? s.corrected.p99 - n.p99 : null;
    return [
      text(i === 0 || l.steps[i - 1].platform !== s.platform ? s.platform : ''),
      text(rate(s.rateRps)),
      ...(n ? [numCell(n.p50), numCell(n.p90), numCell(n.p99), numCell(n.max)] : [missing(), missing(), missing(), missing()]),
      numCell(gap, 3, { strong: gap !== null && s.corrected !== null && gap > 0.1 * s.corrected.p99 }),
    ];
  });
  return table(
    'tab-load-naive',
    'The same requests timed from their actual send (uncorrected, as a closed-loop client reports), ms.',
    [col('Platform'), col('Offered (req/s)', 'right'), col('p50', 'right'), col('p90', 'right'), col('p99', 'right'), col('Max', 'right'), col('p99 gap', 'right')],
    rows,
    ['p99 gap: corrected p99 − naive p99, the queueing before the send that a closed-loop measurement leaves out; bold where it is over 10 % of the corrected p99.'],
  );
}

function overheadTable(l: LoadAnalysis) {
  const rows: Cell[][] = l.overhead.map((o) => [
    text(o.platform),
    o.model ? numCell(o.model.p50) : missing(),
    o.model ? numCell(o.model.p99) : missing(),
    o.overhead ? numCell(o.overhead.p50) : missing(),
    o.overhead ? numCell(o.overhead.p99) : missing(),
    text(o.overheadShare === null ? '—' : percent(o.overheadShare * 100)),
  ]);
  for (const c of l.cold) {
    const row = rows.find((r) => r[0].text === c.platform);
    row?.push(c.latencyMs === null ? missing(c.ok ? '—' : 'failed') : numCell(c.latencyMs), numCell(c.warmP50Ms));
  }
  const hasCold = l.cold.length > 0;
  return table(
    'tab-load-overhead',
    'Where the time goes: model time reported by the endpoint vs overhead (naive latency − model time), ms' + (hasCold ? '; and a cold start.' : '.'),
    [
      col('Platform'), col('Model p50', 'right'), col('Model p99', 'right'), col('Overhead p50', 'right'), col('Overhead p99', 'right'), col('Overhead share (p50)', 'right'),
      ...(hasCold ? [col('Cold request', 'right'), col('Warm p50', 'right')] : []),
    ],
    rows,
    [
      'Over every measured request of every rate step; overhead is network, queueing for an instance, and protocol — SageMaker splits its CloudWatch metrics the same way (ModelLatency vs OverheadLatency).' +
        (hasCold ? ` Cold request: the first request after ${l.cold[0].idleS} s without traffic; warm p50: at the lowest rate.` : ''),
    ],
  );
}

function generatorTable(l: LoadAnalysis) {
  const rows: Cell[][] = l.steps.map((s: LoadStepResult, i) => [
    text(i === 0 || l.steps[i - 1].platform !== s.platform ? s.platform : ''),
    text(rate(s.rateRps)),
    numCell(s.scheduledRps),
    numCell(s.achievedRps),
    // −0.001 % would print as "-0.00 %".
    text(s.accuracy === null ? '—' : percent(Math.abs(s.accuracy - 1) < 5e-5 ? 0 : (s.accuracy - 1) * 100, 2)),
    s.lagMs ? numCell(s.lagMs.p50) : missing(),
    s.lagMs ? numCell(s.lagMs.p99) : missing(),
    text(int(s.heldBack)),
    text(`${int(s.sent)} / ${int(s.planned)}${s.lengthBy ? ` (${s.lengthBy})` : ''}`),
  ]);
  return table(
    'tab-load-generator',
    'The load generator’s own accuracy: scheduled vs achieved send rate and schedule lag (ms).',
    [col('Platform'), col('Offered', 'right'), col('Scheduled', 'right'), col('Achieved', 'right'), col('Rate error', 'right'), col('Lag p50', 'right'), col('Lag p99', 'right'), col('Held back', 'right'), col('Sent / planned', 'right')],
    rows,
    [
      'Scheduled: the rate the arrival schedule itself realised (Poisson arrivals scatter around the offered rate); Achieved: the client’s sends. Lag: send − intended start. ' +
        'Held back: arrivals that waited for a free in-flight slot. Planned: measured requests, set by the minimum duration × rate or by the minimum count (in brackets); a step stopped early sends fewer.',
    ],
  );
}

export function loadSection(analysis: AnalysisModel): LoadSection | null {
  const l = analysis.load;
  if (!l) return null;
  const platforms = analysis.platforms;
  const figures: ReportFigure[] = [
    {
      id: 'fig-load-hockey',
      caption: `Latency against offered rate: corrected p99 (solid), naive p99 (dashed) and p50 (dotted); the red line is the target (${target(l)}).`,
      spec: l.figures.hockey.length ? hockeySpec(l.figures.hockey, { platforms, sloMs: l.slo.ms, percentile: l.slo.percentile }) : null,
      empty: l.figures.hockey.length ? null : 'No rate step completed with successful requests.',
      alt: `Latency percentiles against offered request rate for ${listText(platforms)}.`,
    },
    {
      id: 'fig-load-timeline',
      caption: 'Over the load scenario, per second: corrected p99 of the requests completed in it (top) and the instances the endpoint reported (bottom).',
      spec: l.figures.timeline.length ? timelineSpec(l.figures.timeline, { platforms, sloMs: l.slo.ms }) : null,
      empty: l.figures.timeline.length ? null : 'No per-second data.',
      alt: 'Per-second p99 latency and instance count over the load scenario.',
    },
    {
      id: 'fig-load-distribution',
      caption: `Latency distribution at ${distributionRateText(l)}: from the intended start (solid) against from the send (dashed); the gap is the queueing a closed-loop measurement would hide.`,
      spec: l.figures.distribution.length ? distributionSpec(l.figures.distribution, { platforms }) : null,
      empty: l.figures.distribution.length ? null : 'No successful measured requests.',
      alt: 'Corrected and naive latency distributions per platform.',
    },
  ];
  const intro: Paragraph[] = [
    `The study timed one request at a time. Here every endpoint also received an open-loop ${l.arrival === 'poisson' ? 'Poisson' : 'constant-rate'} stream of requests at ${l.mode === 'search' ? 'step-up rates until it missed the target' : 'each rate of a sweep'} (${l.rates.map(rate).join(', ')} req/s), ` +
      `each request timed from when it was scheduled, so waiting in a queue counts as a user would feel it ([[tab-load-steps]], [[fig-load-hockey]]). The target is ${target(l)}.`,
  ];
  const caps = l.capacity.map((c) => `${c.platform} ${c.capacityRps === null ? `below ${rate(l.rates[0])}` : capacityText(c)} req/s`);
  intro.push(`Capacity at the target ([[tab-load-capacity]]): ${listText(caps)}. ${l.verdict.text}.`);
  const gaps = l.steps.filter((s) => s.corrected && s.naive && s.corrected.p99 > s.naive.p99 * 1.1);
  if (gaps.length) {
    const worst = gaps.reduce((a, b) => (b.corrected!.p99 / b.naive!.p99 > a.corrected!.p99 / a.naive!.p99 ? b : a));
    intro.push(
      `Coordinated omission matters here: at ${rate(worst.rateRps)} req/s on ${worst.platform} the corrected p99 is ${ms(worst.corrected!.p99)} against ${ms(worst.naive!.p99)} measured from the send ([[fig-load-distribution]]).`,
    );
  }
  intro.push(`${generatorSentence(l)} Model time against overhead, and ${l.cold.length ? 'cold starts, are' : 'is'} in [[tab-load-overhead]]; instances over time in [[fig-load-timeline]].`);
  const [hockey, timeline, distribution] = figures;
  return {
    intro,
    tables: { steps: stepsTable(l), capacity: capacityTable(l), naive: naiveTable(l), overhead: overheadTable(l), generator: generatorTable(l) },
    figures: { hockey, timeline, distribution },
    methods: l.methods,
  };
}

/** Whether the client kept its schedule, where only the generator decided, and what the in-flight bound did. */
function generatorSentence(l: LoadAnalysis): string {
  const g = l.generator;
  const parts: string[] = [];
  if (g.freeSteps > 0 && g.worstRateError !== null) {
    const rateHeld = g.worstRateError <= GENERATOR_RATE_TOLERANCE;
    const lagHeld = (g.worstLagP99Ms ?? 0) <= GENERATOR_LAG_TOLERANCE_MS;
    const where = g.boundSteps ? `Where nothing waited for an in-flight slot (${g.freeSteps} of ${g.freeSteps + g.boundSteps} steps), the` : 'The';
    const rates = `achieved rates within ${percent(g.worstRateError * 100, 2)} of the scheduled ones`;
    const shared = g.sharedMachine ? ' (on the local stack the client shares the cores with the endpoints)' : '';
    if (rateHeld && lagHeld) parts.push(`${where} generator held its schedule: ${rates}, worst p99 schedule lag ${ms(g.worstLagP99Ms)} ([[tab-load-generator]]).`);
    else if (rateHeld) {
      parts.push(
        `${where} generator kept its rates (${rates}) but some sends left late: worst p99 schedule lag ${ms(g.worstLagP99Ms)}${shared}. ` +
          'Latencies count from the intended starts, so those delays are inside them ([[tab-load-generator]]).',
      );
    } else {
      parts.push(
        `${where} generator fell behind its schedule (achieved rates up to ${percent(g.worstRateError * 100, 2)} off the scheduled ones, worst p99 lag ${ms(g.worstLagP99Ms)})${shared}: ` +
          'latencies still count from the intended starts, but those steps offered less load than planned ([[tab-load-generator]]).',
      );
    }
  }
  if (g.boundSteps > 0) {
    parts.push(
      `At ${g.boundSteps} step${g.boundSteps > 1 ? 's' : ''} the client's bound of ${g.maxInFlight} requests in flight held ${int(g.heldBack)} of ${int(g.sent)} requests back, so they left late (and the achieved rate can fall below the offered one); their waits are inside the corrected latency.`,
    );
  }
  return parts.join(' ');
}

/** Beyond these the generator is said to have fallen behind (the bench's goal is 1 % and 2 ms on an idle machine). */
const GENERATOR_RATE_TOLERANCE = 0.01;
const GENERATOR_LAG_TOLERANCE_MS = 5;

function distributionRateText(l: LoadAnalysis): string {
  const rates = Object.entries(l.figures.distributionRate);
  const same = new Set(rates.map(([, r]) => r)).size === 1;
  return same && rates.length
    ? `${rate(rates[0][1])} req/s, the highest rate ${rates.length > 1 ? 'every platform completed' : 'completed'}`
    : `each platform’s highest rate with data (${rates.map(([p, r]) => `${p} ${rate(r)} req/s`).join(', ')})`;
}

/** "≥ 7" when no rate tried missed the target: the capacity is at least the highest rate run. */
function capacityText(c: LoadAnalysis['capacity'][number]): string {
  return c.capacityRps === null ? '—' : `${c.failing ? '' : '≥ '}${rate(c.capacityRps)}`;
}
