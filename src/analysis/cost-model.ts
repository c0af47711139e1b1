/**
 * The cost model: list prices (pricing.yaml) × what the run measured. Hourly and daily totals of the
 * deployment, cost per 1,000 inferences at the measured inference rate, and what the run's own
 * storage requests and downloads cost.
 */
import { uniqueLowest, uniquelyBelow } from './ordering';
import type { BatchRow } from '../schema/records';
import type { StepCell } from '../schema/request-summary';
import type { CostLine, CostModel, PlatformCost, PricedResource, Range } from './model';
import type { Pricing } from './pricing';

export interface CostInputs {
  platforms: string[];
  /** Measured batches (no warm-up, no failed): the inference rate comes from these. */
  measured: BatchRow[];
  /** Per-step request counts of the whole run: the run's bill counts all of them, warm-up included. */
  cells: readonly StepCell[];
  /** platform → ran on the embedded local stack. */
  local: Record<string, boolean>;
}

const REQUESTS_PER_UNIT = { '1000 requests': 1000, '10000 requests': 10000 } as const;

function hourlyRange(resources: PricedResource[]): Range {
  let min = 0;
  let max = 0;
  for (const r of resources) {
    if (r.unit !== 'hour') continue;
    min += r.price * r.instances.min;
    max += r.price * r.instances.max;
  }
  return { min, max };
}

function scale(range: Range, factor: number): Range {
  return { min: range.min * factor, max: range.max * factor };
}

/** images / inference second over the measured batches that ran inference. */
export function inferenceRate(batches: BatchRow[]): { images: number; inferenceSeconds: number; imagesPerSecond: number | null } {
  let images = 0;
  let inferenceSeconds = 0;
  for (const b of batches) {
    if (b.inferenceS === null) continue;
    images += b.images;
    inferenceSeconds += b.inferenceS;
  }
  return { images, inferenceSeconds, imagesPerSecond: inferenceSeconds > 0 ? images / inferenceSeconds : null };
}

function requestCostLine(resource: PricedResource | undefined, count: number, what: string): CostLine | null {
  if (!resource || count === 0) return null;
  const perUnit = REQUESTS_PER_UNIT[resource.unit as keyof typeof REQUESTS_PER_UNIT];
  return { resourceId: resource.id, quantity: count, quantityUnit: what, cost: (count / perUnit) * resource.price };
}

/** Cost per inference is quoted per this many inferences ("cost per 1,000 inferences"). */
export const INFERENCES_PER_QUOTE = 1000;
export const SECONDS_PER_HOUR = 3600;

function platformCost(platform: string, pricing: Pricing, inputs: CostInputs): PlatformCost {
  const priced = pricing.platforms[platform];
  if (!priced) {
    return { platform, priced: false, reason: `not priced: ${pricing.file} has no entry "${platform}"` };
  }
  const { resources } = priced;
  const hourly = hourlyRange(resources);
  const rate = inferenceRate(inputs.measured.filter((b) => b.platform === platform));
  const inferenceHourly = hourlyRange(resources.filter((r) => r.role === 'inference'));
  const hasInferencePrice = resources.some((r) => r.role === 'inference');
  let costPer1000: Range | null = null;
  let note: string | null = null;
  if (!hasInferencePrice) note = 'no inference resource in the pricing file';
  else if (rate.imagesPerSecond === null) note = 'no measured inference time';
  else costPer1000 = scale(inferenceHourly, INFERENCES_PER_QUOTE / (rate.imagesPerSecond * SECONDS_PER_HOUR));

  // The run's bill: every attempt is a billed request; only delivered bytes are known to have left.
  const mine = inputs.cells.filter((c) => c.platform === platform);
  const uploads = mine.filter((c) => c.phase === 'upload');
  const downloads = mine.filter((c) => c.phase === 'download');
  const putRequests = uploads.reduce((s, c) => s + c.attempts, 0);
  const getRequests = downloads.reduce((s, c) => s + c.attempts, 0);
  const uploadedBytes = uploads.reduce((s, c) => s + c.okBytes, 0);
  const downloadedBytes = downloads.reduce((s, c) => s + c.okBytes, 0);
  const byRole = (role: PricedResource['role']) => resources.find((r) => r.role === role);
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  const write = requestCostLine(byRole('storage-write'), putRequests, 'write requests');
  const read = requestCostLine(byRole('storage-read'), getRequests, 'read requests');
  if (write) lines.push(write);
  else if (putRequests > 0) unpriced.push('storage-write');
  if (read) lines.push(read);
  else if (getRequests > 0) unpriced.push('storage-read');
  const egress = byRole('egress');
  if (egress && downloadedBytes > 0) {
    const gb = downloadedBytes / pricing.bytesPerGB;
    lines.push({ resourceId: egress.id, quantity: gb, quantityUnit: 'GB', cost: gb * egress.price });
  } else if (downloadedBytes > 0) unpriced.push('egress');

  return {
    platform,
    priced: true,
    measuredOnLocalStack: inputs.local[platform] ?? false,
    currency: priced.currency,
    resources,
    hourly,
    daily: scale(hourly, pricing.hoursPerDay),
    inference: { ...rate, costPer1000, note },
    run: {
      putRequests,
      getRequests,
      uploadedBytes,
      downloadedBytes,
      lines,
      total: lines.reduce((s, l) => s + l.cost, 0),
      unpriced,
    },
  };
}

export function buildCostModel(pricing: Pricing, inputs: CostInputs): CostModel {
  const platforms = inputs.platforms.map((p) => platformCost(p, pricing, inputs));
  const priced = platforms.filter((c): c is Extract<PlatformCost, { priced: true }> => c.priced);
  return {
    bytesPerGB: pricing.bytesPerGB,
    hoursPerDay: pricing.hoursPerDay,
    pricingFile: pricing.file,
    platforms,
    cheapest: {
      per1000: uniquelyBelow(priced.map((c) => [c.platform, c.inference.costPer1000] as const)),
      run: uniqueLowest(priced.map((c) => [c.platform, c.run.total] as const)),
    },
  };
}
