/** Cost tables: per-platform resources (the study's Tables 6/7), cost per 1,000 inferences, this run's cost. */
import type { AnalysisModel, PlatformCost, PricedResource, Range } from '../../analysis/model';
import { fixed, int, listText, money, moneyRange, num } from '../format';
import type { Cell, CostSection, ReportTable } from '../report-model';
import { col, missing, sourceList, table, text } from './cells';
import { baseName } from './setup';

type Priced = Extract<PlatformCost, { priced: true }>;

function priceText(r: PricedResource): string {
  return `${r.currency} ${fixed(r.price, priceDecimals(r.price))} per ${r.unit}`;
}

/** Enough decimals to show sub-cent request prices (0.0004) without padding whole-dollar prices. */
function priceDecimals(v: number): number {
  if (v === 0 || v >= 1) return 2;
  return Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(v)) + 1));
}

function platformTable(c: Priced, studyLabel: string, study: AnalysisModel['study'], withStudy: boolean): ReportTable {
  const sources = sourceList();
  const rows: Cell[][] = c.resources.map((r) => [
    text(r.service),
    text(r.type),
    text(r.role),
    text(priceText(r)),
    text(r.instances.max > 1 ? `${r.instances.min}–${r.instances.max}` : '1'),
    text(`${r.source.label} ${sources.ref(r.source)}`),
  ]);
  const s = withStudy ? study?.costs[c.platform] : undefined;
  const total = (label: string, range: Range, studyRange: Range | undefined): Cell[] => [
    text(label, { strong: true }),
    text('hour-priced resources'),
    missing(''),
    text(moneyRange(range, c.currency, 4), { strong: true }),
    missing(''),
    studyRange ? text(`${studyLabel}: ${moneyRange(studyRange, s!.currency, 4)} (${s!.table})`) : missing(''),
  ];
  rows.push(total('Hourly cost', c.hourly, s?.hourly), total('Daily cost', c.daily, s?.daily));
  const notes = [...c.resources.filter((r) => r.note).map((r) => `${r.service} ${r.type}: ${r.note}`), ...sources.notes()];
  return table(
    `tab-cost-${c.platform}`,
    `${c.platform} cost summary: priced resources and their totals (${c.currency}, pay-as-you-go list prices).`,
    [col('Service'), col('Type or capacity'), col('Role'), col('Price'), col('Instances', 'right'), col('Source')],
    rows,
    notes,
  );
}

export function costSection(analysis: AnalysisModel, withStudy: boolean, studyLabel: string): CostSection {
  const priced = analysis.costs.platforms.filter((c): c is Priced => c.priced);
  const unpriced = analysis.costs.platforms.filter((c) => !c.priced);
  const perPlatform = priced.map((c) => platformTable(c, studyLabel, analysis.study, withStudy));

  const best1000 = analysis.costs.cheapest.per1000;
  const bestRun = analysis.costs.cheapest.run;
  const rows: Cell[][] = analysis.platforms.map((p) => {
    const c = analysis.costs.platforms.find((x) => x.platform === p);
    if (!c || !c.priced) return [text(p), missing(c && !c.priced ? `not priced: ${c.reason}` : 'not priced'), missing(), missing(), missing(), missing()];
    return [
      text(p),
      text(moneyRange(c.hourly, c.currency, 4)),
      text(moneyRange(c.daily, c.currency, 2)),
      c.inference.imagesPerSecond === null ? missing() : text(num(c.inference.imagesPerSecond)),
      c.inference.costPer1000 === null ? missing() : text(moneyRange(c.inference.costPer1000, c.currency, 4), { strong: p === best1000 }),
      text(money(c.run.total, c.currency, 6), { strong: p === bestRun }),
    ];
  });
  const runNotes = priced.map((c) => {
    const lines = c.run.lines.map((l) => `${Number.isInteger(l.quantity) ? int(l.quantity) : num(l.quantity, 4)} ${l.quantityUnit} → ${money(l.cost, c.currency, 6)}`);
    const un = c.run.unpriced.length ? `; not priced: ${c.run.unpriced.join(', ')}` : '';
    return `${c.platform}: ${int(c.run.putRequests)} PUT and ${int(c.run.getRequests)} GET requests (every attempt), ` +
      `${num(c.run.uploadedBytes / analysis.costs.bytesPerGB, 3)} GB up, ${num(c.run.downloadedBytes / analysis.costs.bytesPerGB, 3)} GB down` +
      (lines.length ? ` (${lines.join('; ')})` : '') + un + '.';
  });
  const summary = table(
    'tab-cost-summary',
    'Cost per platform: hour-priced resources, cost per 1,000 inferences at the measured inference rate, and this run’s storage requests and transfer.',
    [col('Platform'), col('Hourly', 'right'), col('Daily', 'right'), col('Images/s (measured)', 'right'), col('Per 1,000 inferences', 'right'), col('This run (storage)', 'right')],
    rows,
    [
      `Hourly and daily: sum of the hour-priced resources (${analysis.costs.hoursPerDay} h per day); ranges span autoscaling from the minimum to the maximum instance count. ` +
        'Per 1,000 inferences: hourly price of the inference resources divided by the images per hour the endpoint sustained in the measured batches, × 1,000. ' +
        `This run: the storage requests and transfer the run made, at the listed prices (GB = ${int(analysis.costs.bytesPerGB)} bytes). Bold: lowest.`,
      ...runNotes,
    ],
  );
  const intro = [
    `Prices come from ${baseName(analysis.costs.pricingFile)}, where every entry names its source and the date it was read; they are list prices and change, so re-check them before relying on a figure. ` +
      `${perPlatform.map((t) => `[[${t.id}]]`).join(' and ') || 'No table'} ${perPlatform.length === 1 ? 'lists' : 'list'} the priced resources per platform and [[tab-cost-summary]] compares the totals.`,
  ];
  if (unpriced.length) intro.push(`Not priced: ${listText(unpriced.map((c) => c.platform))} (no entry in the pricing file).`);
  if (best1000) {
    const c = priced.find((x) => x.platform === best1000)!;
    intro.push(`${best1000} has the lowest cost per 1,000 inferences at the measured rate (${moneyRange(c.inference.costPer1000, c.currency, 4)}).`);
  } else if (priced.filter((c) => c.inference.costPer1000).length >= 2) {
    intro.push('No platform is cheaper per 1,000 inferences over the whole autoscaling range: the ranges overlap.');
  }
  return { intro, perPlatform, summary };
}
