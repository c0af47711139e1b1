/**
 * The scoring protocol of cloudbench's endpoints: the JSON an endpoint answers with, as the local
 * endpoints write it and the adapters read it (one definition for both sides).
 *
 * Parses and checks a scoring endpoint's JSON answer. A 200 with a body of the wrong shape is a
 * failed call in a benchmark (the caller records it as `InvalidResponse`), not a crash.
 */

/** One detected object, box in source-image pixels [x1, y1, x2, y2]. */
export interface Detection {
  label: string;
  classId: number;
  score: number;
  box: [number, number, number, number];
}

/** The JSON body the local endpoints answer with (and what adapters parse). */
export interface ScoringResponse {
  detections: Detection[];
  model: string;
  inferenceMs: number;
  /**
   * Instances serving the endpoint when it answered, when the endpoint says (the local stack does;
   * on a real cloud the count lives in its metrics service, CloudWatch or Azure Monitor).
   */
  instances?: number;
  /** false when the codec cannot know the detections (the `raw` codec): counts are then unknown, not 0. */
  detectionsKnown?: boolean;
}

/** A 200 whose body is not a scoring response: the row's errorCode is its name. */
export class InvalidResponseError extends Error {
  override name = 'InvalidResponse';
}

export type ParseResult = { ok: true; value: ScoringResponse } | { ok: false; error: string };

export function parseScoringResponse(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `response is not JSON: ${snippet(text)}` };
  }
  if (!isObject(json) || !Array.isArray(json.detections)) {
    return { ok: false, error: `response has no "detections" array: ${snippet(text)}` };
  }
  const bad = json.detections.findIndex((d) => !isDetection(d));
  if (bad >= 0) return { ok: false, error: `detections[${bad}] is not {label, classId, score, box[4]}` };
  return {
    ok: true,
    value: {
      detections: json.detections as Detection[],
      model: typeof json.model === 'string' ? json.model : 'unknown',
      inferenceMs: typeof json.inferenceMs === 'number' ? json.inferenceMs : NaN,
      ...(typeof json.instances === 'number' && Number.isInteger(json.instances) && json.instances >= 0 ? { instances: json.instances } : {}),
    },
  };
}

function isDetection(d: unknown): d is Detection {
  return (
    isObject(d) &&
    typeof d.label === 'string' &&
    typeof d.classId === 'number' &&
    typeof d.score === 'number' &&
    Array.isArray(d.box) &&
    d.box.length === 4 &&
    d.box.every((v) => typeof v === 'number')
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function snippet(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** How many objects a response found; null when unknown (no response, or a codec that cannot tell). */
export function detectionCount(response: ScoringResponse | undefined): number | null {
  return response && response.detectionsKnown !== false ? response.detections.length : null;
}
