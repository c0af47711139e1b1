/** What the local endpoints' wire protocols need from a model: the detector pool in production, a stub in tests. */
import type { ScoringResponse } from '../protocol/scoring';
import type { DetectionResult } from './detector';
import { InferencePoolError } from './inference-pool';

export interface Scorer {
  readonly model: string;
  /** `instance`: which one served; `instances`: how many were serving when it answered (the endpoint reports both). */
  detect(image: Buffer, signal?: AbortSignal): Promise<DetectionResult & { instance?: number; instances?: number }>;
  /** What `GET /metrics` answers: instance counts over time and the like. */
  stats?(): object;
}

/** The scoring JSON every protocol answers with (Vertex: inside its envelope). */
export function toScoringResponse(model: string, r: DetectionResult & { instances?: number }): ScoringResponse {
  return { detections: r.detections, model, inferenceMs: r.inferenceMs, ...(r.instances !== undefined ? { instances: r.instances } : {}) };
}

/** The endpoint has no instance to serve with (shutting down, or none left): each protocol's 503. */
export function isUnavailable(err: unknown): boolean {
  return err instanceof InferencePoolError && (err.code === 'PoolClosed' || err.code === 'NoWorkers');
}
