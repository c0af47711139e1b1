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

/** Intersection over union of two boxes [x1, y1, x2, y2] (0 when they do not overlap). */
export function boxIoU(a: Detection['box'], b: Detection['box']): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const area = (r: Detection['box']) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
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

/** The response text as JSON, or why it is not. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, error: `response is not JSON: ${snippet(text)}` };
  }
}

export function parseScoringResponse(text: string): ParseResult {
  const json = parseJsonText(text);
  return json.ok ? scoringFromJson(json.value) : json;
}

/** A scoring response from parsed JSON (a codec that has already parsed the answer hands over the part that is one). */
export function scoringFromJson(json: unknown): ParseResult {
  if (!isObject(json) || !Array.isArray(json.detections)) {
    return { ok: false, error: `response has no "detections" array: ${snippet(JSON.stringify(json) ?? String(json))}` };
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
