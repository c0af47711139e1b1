/** What the local endpoints' wire protocols need from a model: the detector pool in production, a stub in tests. */
import type { DetectionResult } from './detector';

export interface Scorer {
  readonly model: string;
  /** `instance`: which one served; `instances`: how many were serving when it answered (the endpoint reports both). */
  detect(image: Buffer, signal?: AbortSignal): Promise<DetectionResult & { instance?: number; instances?: number }>;
  /** What `GET /metrics` answers: instance counts over time and the like. */
  stats?(): object;
}
