/**
 * What the detect page asks for: one image sent to the inference endpoint of each chosen platform
 * (the runner's own adapters), the answers side by side, and where they disagree — a box one
 * platform found that no box of another matches (same label, IoU at least the threshold).
 */
import { boxIoU, createInferenceEndpoint, type Detection, type InferenceEndpoint, type PlatformConfig } from '../index';

export interface PlatformAnswer {
  platform: string;
  kind: string;
  ok: boolean;
  /** Client round trip, ms (the adapter's measured duration). */
  latencyMs: number;
  /** Model time the endpoint reported, ms; null when it did not say. */
  modelMs: number | null;
  model: string | null;
  detections: Detection[];
  /** The endpoint's error in words (code: message), when the call failed. */
  error: string | null;
  /** Detections that some other answering platform did not find: their index, and which platforms missed them. */
  unmatched: { index: number; missedBy: string[] }[];
}

export interface DetectAnswer {
  iou: number;
  bytes: number;
  answers: PlatformAnswer[];
}

/** Boxes of `mine` that some other successful answer has no match for (same label, IoU ≥ threshold), and which answers. */
function unmatchedOf(mine: PlatformAnswer, all: PlatformAnswer[], threshold: number): PlatformAnswer['unmatched'] {
  const others = all.filter((a) => a !== mine && a.ok);
  return mine.detections
    .map((d, index) => ({ index, missedBy: others.filter((o) => !o.detections.some((x) => x.label === d.label && boxIoU(x.box, d.box) >= threshold)).map((o) => o.platform) }))
    .filter((u) => u.missedBy.length > 0);
}

export class DetectService {
  private readonly endpoints: Record<string, InferenceEndpoint>;

  constructor(platforms: Record<string, PlatformConfig>) {
    this.endpoints = Object.fromEntries(Object.entries(platforms).map(([name, p]) => [name, createInferenceEndpoint(p.inference)]));
  }

  /** Names, kinds and secret-free locations, for the page. */
  describe(): { name: string; kind: string; location: string }[] {
    return Object.entries(this.endpoints).map(([name, e]) => ({ name, kind: e.kind, location: e.location }));
  }

  has(name: string): boolean {
    return Object.hasOwn(this.endpoints, name);
  }

  async detect(image: Buffer, contentType: string, names: string[], threshold: number): Promise<DetectAnswer> {
    // One platform after the other: each round trip is then that endpoint's alone (on the local
    // stack both platforms share the detector instances, and a parallel call would queue behind the other).
    const answers: PlatformAnswer[] = [];
    for (const platform of names) answers.push(await this.ask(platform, image, contentType));
    for (const a of answers) if (a.ok) a.unmatched = unmatchedOf(a, answers, threshold);
    return { iou: threshold, bytes: image.length, answers };
  }

  private async ask(platform: string, image: Buffer, contentType: string): Promise<PlatformAnswer> {
    const endpoint = this.endpoints[platform];
    const { record, response } = await endpoint.invoke(image, contentType);
    return {
      platform,
      kind: endpoint.kind,
      ok: record.ok,
      latencyMs: record.durationMs,
      modelMs: response && Number.isFinite(response.inferenceMs) ? response.inferenceMs : null,
      model: response?.model ?? null,
      detections: response?.detections ?? [],
      error: record.ok ? null : `${record.errorCode ?? 'Error'}${record.errorMessage ? `: ${record.errorMessage.split('\n')[0].slice(0, 300)}` : ''}`,
      unmatched: [],
    };
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.endpoints).map((e) => e.close()));
  }
}
