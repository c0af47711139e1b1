/**
 * Endpoint codecs: how an inference target's request is encoded and its answer decoded into
 * detections, so a real model server is measured as it is, without rewriting its serving script.
 *
 * - cloudbench: the image bytes in; `{detections:[{label,classId,score,box}], model, inferenceMs}` out.
 * - raw: the image bytes in; any 2xx counts, its detections are unknown.
 * - vertex: `{"instances":[{"b64": …}]}` in; `{"predictions":[…]}` out, each prediction either
 *   Vertex AI AutoML object detection's (`displayNames`, `confidences`, `bboxes` as normalised
 *   [xMin, xMax, yMin, yMax]) or a list of cloudbench detections.
 * - yolov8: the image bytes in; Ultralytics' JSON results out (`[{name, class, confidence, box:{x1,y1,x2,y2}}]`).
 * - torchserve: the image bytes in; TorchServe's object-detector handler out (`[{"<label>": [x1,y1,x2,y2], "score": s}]`).
 * - jsonpath: the image bytes (or base64 JSON) in; a mapping says where the detections are and
 *   which fields are label, score and box (sagemaker-json is this with a base64 JSON request).
 * Boxes always come out in source-image pixels [x1, y1, x2, y2].
 */
import { COCO_LABELS } from './coco-labels';
import { imageSize } from './image-size';
import { readPath } from './json-path';
import { parseJsonText, parseScoringResponse, scoringFromJson, type Detection, type ParseResult } from './scoring';

export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';

export interface FieldMapping {
  /** Path to the list of detections in the response, e.g. `$.predictions[0].detections`. */
  detections: string;
  /** Paths inside one detection. */
  label: string;
  score: string;
  /** A path to a 4-number list, or four paths (x1, y1, x2, y2 / x, y, w, h / cx, cy, w, h). */
  box: string | [string, string, string, string];
  boxFormat: BoxFormat;
  /** Box numbers are fractions of the image's width and height. */
  normalized: boolean;
}

export type CodecConfig =
  | { type: 'cloudbench' }
  | { type: 'raw' }
  | { type: 'vertex' }
  | { type: 'yolov8' }
  | { type: 'torchserve' }
  | ({ type: 'jsonpath'; request: 'image' | 'base64-json'; base64Field: string } & FieldMapping);

export const CODEC_TYPES = ['cloudbench', 'raw', 'vertex', 'yolov8', 'torchserve', 'jsonpath', 'sagemaker-json'] as const;

export interface EncodedRequest {
  body: Buffer;
  contentType: string;
}

export interface Codec {
  readonly type: CodecConfig['type'];
  encode(image: Buffer, contentType: string): EncodedRequest;
  /** `image`: what was sent, for normalised boxes. */
  decode(text: string, image: Buffer): ParseResult;
}

const classIdOf = (label: string) => COCO_LABELS.indexOf(label);

/** The image's size, read from its header at most once however many boxes ask (null: neither JPEG nor PNG). */
function sizeOnce(image: Buffer): () => ReturnType<typeof imageSize> {
  let read = false;
  let size: ReturnType<typeof imageSize>;
  return () => {
    if (!read) [size, read] = [imageSize(image), true];
    return size;
  };
}

function toPixels(nums: number[], format: BoxFormat, normalized: boolean, imageSizeOf: () => ReturnType<typeof imageSize>): [number, number, number, number] | string {
  if (nums.length !== 4 || nums.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return `a box must be 4 numbers, got ${JSON.stringify(nums).slice(0, 60)}`;
  let [a, b, c, d] = nums;
  if (normalized) {
    const size = imageSizeOf();
    if (!size) return 'normalised boxes need the image size, and the image is neither JPEG nor PNG';
    [a, b, c, d] = [a * size.width, b * size.height, c * size.width, d * size.height];
  }
  if (format === 'xywh') return [a, b, a + c, b + d];
  if (format === 'cxcywh') return [a - c / 2, b - d / 2, a + c / 2, b + d / 2];
  return [a, b, c, d];
}

const ok = (detections: Detection[], model = 'unknown', inferenceMs = NaN): ParseResult => ({ ok: true, value: { detections, model, inferenceMs } });

function decodeVertex(json: unknown, image: Buffer): ParseResult {
  const predictions = readPath(json, '$.predictions');
  if (!predictions.ok || !Array.isArray(predictions.value)) return { ok: false, error: `no "predictions" list: ${predictions.ok ? 'it is not a list' : predictions.error}` };
  const model = typeof (json as { deployedModelId?: unknown }).deployedModelId === 'string' ? `vertex:${(json as { deployedModelId: string }).deployedModelId}` : 'unknown';
  const first = predictions.value[0] as Record<string, unknown> | undefined;
  if (first && Array.isArray(first.displayNames)) {
    // AutoML image object detection: parallel lists, boxes [xMin, xMax, yMin, yMax] normalised.
    const { displayNames, confidences, bboxes } = first as { displayNames: unknown[]; confidences?: unknown[]; bboxes?: unknown[] };
    if (!Array.isArray(confidences) || !Array.isArray(bboxes) || confidences.length !== displayNames.length || bboxes.length !== displayNames.length) {
      return { ok: false, error: 'predictions[0] has displayNames but no confidences and bboxes of the same length' };
    }
    const out: Detection[] = [];
    const size = sizeOnce(image);
    for (let i = 0; i < displayNames.length; i++) {
      const bb = bboxes[i] as number[];
      const box = Array.isArray(bb) && bb.length === 4 ? toPixels([bb[0], bb[2], bb[1], bb[3]], 'xyxy', true, size) : 'bboxes[i] must be [xMin, xMax, yMin, yMax]';
      if (typeof box === 'string') return { ok: false, error: `predictions[0].bboxes[${i}]: ${box}` };
      out.push({ label: String(displayNames[i]), classId: classIdOf(String(displayNames[i])), score: Number(confidences[i]), box });
    }
    return ok(out, model);
  }
  // A custom container that answers cloudbench's own response inside the Vertex envelope: its
  // model time and instance count are kept (the report splits latency into model and overhead).
  if (first && !Array.isArray(first) && Array.isArray((first as { detections?: unknown }).detections)) {
    const full = scoringFromJson(first);
    if (!full.ok) return { ok: false, error: `predictions[0]: ${full.error}` };
    return { ok: true, value: { ...full.value, model: full.value.model !== 'unknown' ? full.value.model : model } };
  }
  // A list of cloudbench detections, per prediction or as the predictions themselves.
  const inner = scoringFromJson({ detections: Array.isArray(first) ? first : predictions.value });
  return inner.ok ? ok(inner.value.detections, model) : { ok: false, error: `predictions: ${inner.error}` };
}

function decodeYolov8(json: unknown): ParseResult {
  const list = Array.isArray(json) ? json : (json as { results?: unknown })?.results;
  if (!Array.isArray(list)) return { ok: false, error: 'expected a list of Ultralytics results ([{name, class, confidence, box:{x1,y1,x2,y2}}])' };
  const out: Detection[] = [];
  for (const [i, r] of list.entries()) {
    const d = r as { name?: unknown; class?: unknown; confidence?: unknown; box?: Record<string, unknown> };
    const box = d.box ? [d.box.x1, d.box.y1, d.box.x2, d.box.y2] : [];
    if (typeof d.name !== 'string' || typeof d.confidence !== 'number' || box.some((v) => typeof v !== 'number') || box.length !== 4) {
      return { ok: false, error: `results[${i}] is not {name, class, confidence, box:{x1,y1,x2,y2}}: ${JSON.stringify(r).slice(0, 120)}` };
    }
    out.push({ label: d.name, classId: typeof d.class === 'number' ? d.class : classIdOf(d.name), score: d.confidence, box: box as [number, number, number, number] });
  }
  return ok(out);
}

function decodeTorchserve(json: unknown): ParseResult {
  // The object_detector handler answers one list per image; a single-image request gets that list (sometimes wrapped once).
  const list = Array.isArray(json) && json.length > 0 && Array.isArray(json[0]) ? json[0] : json;
  if (!Array.isArray(list)) return { ok: false, error: 'expected a list of {"<label>": [x1, y1, x2, y2], "score": s}' };
  const out: Detection[] = [];
  for (const [i, r] of list.entries()) {
    const entries = Object.entries((r ?? {}) as Record<string, unknown>).filter(([k]) => k !== 'score');
    const score = (r as { score?: unknown })?.score;
    if (entries.length !== 1 || !Array.isArray(entries[0][1]) || typeof score !== 'number') {
      return { ok: false, error: `[${i}] is not {"<label>": [x1, y1, x2, y2], "score": s}: ${JSON.stringify(r).slice(0, 120)}` };
    }
    const [label, box] = entries[0] as [string, number[]];
    const px = toPixels(box, 'xyxy', false, () => null);
    if (typeof px === 'string') return { ok: false, error: `[${i}].${label}: ${px}` };
    out.push({ label, classId: classIdOf(label), score, box: px });
  }
  return ok(out);
}

/** Detections through a field mapping; an error names the path or field that did not match. */
function decodeMapped(json: unknown, m: FieldMapping, image: Buffer): ParseResult {
  const list = readPath(json, m.detections);
  if (!list.ok) return { ok: false, error: `detections ${m.detections}: ${list.error}` };
  if (!Array.isArray(list.value)) return { ok: false, error: `detections ${m.detections} is not a list` };
  const out: Detection[] = [];
  const size = sizeOnce(image);
  for (const [i, d] of list.value.entries()) {
    const field = (path: string) => readPath(d, path);
    const label = field(m.label);
    const score = field(m.score);
    if (!label.ok) return { ok: false, error: `detection ${i}: label ${label.error}` };
    if (!score.ok || typeof score.value !== 'number') return { ok: false, error: `detection ${i}: score ${score.ok ? 'is not a number' : score.error}` };
    const parts = typeof m.box === 'string' ? [field(m.box)] : m.box.map(field);
    const bad = parts.find((p) => !p.ok);
    if (bad && !bad.ok) return { ok: false, error: `detection ${i}: box ${bad.error}` };
    const nums = (typeof m.box === 'string' ? (parts[0] as { value: unknown }).value : parts.map((p) => (p as { value: unknown }).value)) as number[];
    const box = Array.isArray(nums) ? toPixels(nums, m.boxFormat, m.normalized, size) : 'box is not a list';
    if (typeof box === 'string') return { ok: false, error: `detection ${i}: ${box}` };
    const name = typeof label.value === 'number' ? (COCO_LABELS[label.value] ?? String(label.value)) : String(label.value);
    out.push({ label: name, classId: typeof label.value === 'number' ? label.value : classIdOf(name), score: score.value, box });
  }
  return ok(out);
}

export function createCodec(config: CodecConfig = { type: 'cloudbench' }): Codec {
  const imageIn = (image: Buffer, contentType: string): EncodedRequest => ({ body: image, contentType });
  switch (config.type) {
    case 'cloudbench':
      return { type: config.type, encode: imageIn, decode: (text) => parseScoringResponse(text) };
    case 'raw':
      return { type: config.type, encode: imageIn, decode: () => ({ ok: true, value: { detections: [], model: 'unknown', inferenceMs: NaN, detectionsKnown: false } }) };
    case 'vertex':
      return {
        type: config.type,
        encode: (image) => ({ body: Buffer.from(JSON.stringify({ instances: [{ b64: image.toString('base64') }] })), contentType: 'application/json' }),
        decode: (text, image) => {
          const json = parseJsonText(text);
          return json.ok ? decodeVertex(json.value, image) : json;
        },
      };
    case 'yolov8':
    case 'torchserve': {
      const decodeJson = config.type === 'yolov8' ? decodeYolov8 : decodeTorchserve;
      return { type: config.type, encode: imageIn, decode: (text) => { const json = parseJsonText(text); return json.ok ? decodeJson(json.value) : json; } };
    }
    case 'jsonpath':
      return {
        type: config.type,
        encode: (image, contentType) =>
          config.request === 'base64-json' ? { body: Buffer.from(JSON.stringify({ [config.base64Field]: image.toString('base64') })), contentType: 'application/json' } : imageIn(image, contentType),
        decode: (text, image) => {
          const json = parseJsonText(text);
          return json.ok ? decodeMapped(json.value, config, image) : json;
        },
      };
  }
}
