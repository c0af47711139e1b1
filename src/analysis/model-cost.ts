/** The cost part of the analysis model: priced resources, per-platform bills and the run's bill. */
import type { SourceRef } from './model-source';

export type PriceUnit = 'hour' | 'GB-month' | '1000 requests' | '10000 requests' | 'GB egress';
/** What a priced resource is for: decides which totals it enters. */
export type ResourceRole = 'storage' | 'client' | 'inference' | 'storage-write' | 'storage-read' | 'egress';

export interface PricedResource {
  id: string;
  service: string;
  /** Instance type or tier, e.g. "ml.g4dn.xlarge", "Standard S1", "Hot, LRS". */
  type: string;
  role: ResourceRole;
  price: number;
  unit: PriceUnit;
  currency: string;
  region: string;
  /** Autoscaled hour-priced resources: instance range; 1–1 otherwise. */
  instances: { min: number; max: number };
  source: SourceRef;
  note: string | null;
}

export interface Range {
  min: number;
  max: number;
}

export interface CostLine {
  resourceId: string;
  /** What was counted, e.g. "312 PUT requests" or "0.0412 GB". */
  quantity: number;
  quantityUnit: string;
  cost: number;
}

export type PlatformCost =
  | { platform: string; priced: false; reason: string }
  | {
      platform: string;
      priced: true;
      /** The run measured the embedded local stack: costs are what the same usage would cost on the real service. */
      measuredOnLocalStack: boolean;
      currency: string;
      resources: PricedResource[];
      /** Sum of hour-priced resources; min–max across the autoscaling range. */
      hourly: Range;
      daily: Range;
      inference: {
        /** Images and inference seconds of the measured batches. */
        images: number;
        inferenceSeconds: number;
        /** images / inference second; null without inference data. */
        imagesPerSecond: number | null;
        /** Hourly price of the `inference` resources / images per hour × 1000. */
        costPer1000: Range | null;
        /** Why costPer1000 is null, when it is. */
        note: string | null;
      };
      /** What this run's storage requests and transfers cost at the listed prices. */
      run: {
        putRequests: number;
        getRequests: number;
        uploadedBytes: number;
        downloadedBytes: number;
        lines: CostLine[];
        total: number;
        /** Resources the run used but pricing.yaml has no price for (e.g. no egress entry). */
        unpriced: string[];
      };
    };

export interface CostModel {
  /** Bytes per GB the prices are quoted in (from pricing.yaml). */
  bytesPerGB: number;
  hoursPerDay: number;
  pricingFile: string;
  platforms: PlatformCost[];
  /** Cheapest per 1,000 inferences over the whole autoscaling range, and cheapest run; null on overlap or tie. */
  cheapest: { per1000: string | null; run: string | null };
}
