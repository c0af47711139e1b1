/**
 * COCO-80 object detector: MB3-CenterNet (the weights shipped inside @vladmandic/human), run with
 * the tfjs wasm backend, images decoded with sharp. One detector uses `threads` cores for each
 * image (wasm-threads.ts; 1: tfjs's stock single-threaded build); scale out with worker threads
 * (see inference-pool.ts).
 *
 * tfjs and sharp are loaded lazily on the first createDetector(): the server's main thread imports
 * this module only for its types and ImageDecodeError and should not pay for a model runtime.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfConverter from '@tensorflow/tfjs-converter';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import type SharpModule from 'sharp';
import { boxIoU, type Detection } from '../protocol/scoring';
import { COCO_LABELS, cocoLabel } from '../protocol/coco-labels';
import type * as WasmThreads from './wasm-threads';

export const DETECTOR_MODEL_NAME = 'mb3-centernet-coco80';

/** The graph's fixed input side (pixels) and the output node with rows [x1,y1,x2,y2,score,class]. */
const INPUT_SIZE = 512;
const OUTPUT_NODE = 'tower_0/detections';
const ROW = 6;
/**
 * Decompression-bomb guard, checked on the header before any pixel is decoded: a few kilobytes of
 * PNG can claim gigapixels. Far above COCO (≤ 640×640) and camera photos (12–48 MP).
 */
export const MAX_INPUT_PIXELS = 50_000_000;

export interface DetectorOptions {
  /** Keep detections scoring at least this (0..1). Default 0.3. */
  scoreThreshold?: number;
  /** Non-max suppression IoU above which the weaker of two boxes is dropped. Default 0.4. */
  iouThreshold?: number;
  /** Upper bound on detections per image (the graph emits at most 100). Default 100. */
  maxDetections?: number;
  /** Run one dummy inference at load so the first real call is not a 0.5–1 s outlier. Default true. */
  warmup?: boolean;
  /**
   * Wasm threads for each image (1..8), fixed by the first detector of a thread. Default 1.
   * Callers size it against the cores: see detector-threads.ts.
   */
  threads?: number;
}

export interface DetectionResult {
  detections: Detection[];
  /** Decode + inference + post-processing time inside the detector, milliseconds. */
  inferenceMs: number;
  /** Source image size (after EXIF orientation), the space the boxes are in. */
  width: number;
  height: number;
}

export interface Detector {
  readonly model: string;
  /** Threads the wasm backend actually runs (as tfjs reports it). */
  readonly threads: number;
  detect(image: Buffer): Promise<DetectionResult>;
  dispose(): void;
}

/** The input is not a decodable image (empty, unknown format, corrupt, too large): a client error. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    message: string,
    /** InvalidImage, or ImageTooLarge for a pixel count over MAX_INPUT_PIXELS. */
    readonly code: 'InvalidImage' | 'ImageTooLarge' = 'InvalidImage',
  ) {
    super(message);
  }
}

interface Runtime {
  tf: typeof TfCore;
  loadGraphModel: typeof TfConverter.loadGraphModel;
  sharp: typeof SharpModule;
  threads: number;
}

let runtime: Promise<Runtime> | undefined;

/** Loads tfjs + the wasm backend once per thread (the backend is global state of tfjs-core). */
function loadRuntime(threads: number): Promise<Runtime> {
  runtime ??= (async () => {
    // require, not import: see the header comment (lazy), and tfjs-backend-wasm must register
    // itself on the very tfjs-core instance we use (both CommonJS).
    const tf = require('@tensorflow/tfjs-core') as typeof TfCore;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof TfWasm;
    const { loadGraphModel } = require('@tensorflow/tfjs-converter') as typeof TfConverter;
    const sharp = require('sharp') as typeof SharpModule;
    if (threads > 1) (require('./wasm-threads') as typeof WasmThreads).registerThreadedWasmBackend(tf, wasm, threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
    return { tf, loadGraphModel, sharp, threads: wasm.getThreadsCount() };
  })();
  return runtime;
}

/** Path of centernet.json; the package's `exports` hides models/, so go via its main file. */
export function centerNetModelPath(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models', 'centernet.json');
}

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: object;
  weightsManifest: { paths: string[]; weights: TfCore.io.WeightsManifestEntry[] }[];
}

/** tfjs-core has no file loader in Node: this IOHandler reads the JSON graph and its weight shards. */
function fileModelHandler(modelJsonPath: string): TfCore.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await fs.promises.readFile(modelJsonPath, 'utf8')) as ModelJson;
      const dir = path.dirname(modelJsonPath);
      const shards = await Promise.all(
        json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.promises.readFile(path.join(dir, p)))),
      );
      const weights = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      };
    },
  };
}

export async function createDetector(options: DetectorOptions = {}): Promise<Detector> {
  const scoreThreshold = options.scoreThreshold ?? 0.3;
  const iouThreshold = options.iouThreshold ?? 0.4;
  const maxDetections = options.maxDetections ?? 100;
  if (!(scoreThreshold >= 0 && scoreThreshold <= 1)) throw new RangeError(`scoreThreshold must be in [0, 1], got ${scoreThreshold}`);
  if (!(iouThreshold > 0 && iouThreshold <= 1)) throw new RangeError(`iouThreshold must be in (0, 1], got ${iouThreshold}`);
  if (!(Number.isInteger(maxDetections) && maxDetections >= 1)) throw new RangeError(`maxDetections must be a positive integer, got ${maxDetections}`);
  const threads = options.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 8)) throw new RangeError(`threads must be an integer from 1 to 8, got ${threads}`);

  const { tf, loadGraphModel, sharp, threads: actualThreads } = await loadRuntime(threads);
  const model = await loadGraphModel(fileModelHandler(centerNetModelPath()));
  let disposed = false;

  const run = (rgb: Uint8Array): TfCore.Tensor =>
    tf.tidy(() => {
      const input = tf.cast(tf.tensor4d(rgb, [1, INPUT_SIZE, INPUT_SIZE, 3], 'int32'), 'float32');
      return model.execute(input, OUTPUT_NODE) as TfCore.Tensor;
    });

  if (options.warmup ?? true) run(new Uint8Array(INPUT_SIZE * INPUT_SIZE * 3)).dispose();

  /** Decode any sharp-readable format to 512×512 RGB8; every failure here is the client's input. */
  async function decode(image: Buffer): Promise<{ rgb: Buffer; width: number; height: number }> {
    if (image.length === 0) throw new ImageDecodeError('The request body is empty: send the image bytes.');
    const opts = { autoOrient: true, limitInputPixels: MAX_INPUT_PIXELS };
    let width: number | undefined;
    let height: number | undefined;
    try {
      // The header only, without the pixel limit, so the refusal below can say what the image is.
      const meta = await sharp(image, { autoOrient: true, limitInputPixels: false }).metadata();
      width = meta.autoOrient?.width ?? meta.width;
      height = meta.autoOrient?.height ?? meta.height;
    } catch (err) {
      throw new ImageDecodeError(`Could not decode the request body as an image: ${(err as Error).message}`);
    }
    if (!width || !height) throw new ImageDecodeError('Could not decode the request body as an image: it has no dimensions');
    if (width * height > MAX_INPUT_PIXELS) {
      throw new ImageDecodeError(
        `The image is ${width}×${height} pixels (${((width * height) / 1e6).toFixed(0)} MP), over the ${MAX_INPUT_PIXELS / 1e6} MP limit; it was not decoded.`,
        'ImageTooLarge',
      );
    }
    try {
      // fit 'fill' stretches like the model's own pre-processing; boxes are scaled back per axis.
      const { data, info } = await sharp(image, opts)
        .removeAlpha()
        .toColourspace('srgb')
        .resize(INPUT_SIZE, INPUT_SIZE, { fit: 'fill' })
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3 || data.length !== INPUT_SIZE * INPUT_SIZE * 3) {
        throw new Error(`unexpected decoded layout (${info.channels} channels, ${data.length} bytes)`);
      }
      return { rgb: data, width, height };
    } catch (err) {
      throw new ImageDecodeError(`Could not decode the request body as an image: ${(err as Error).message}`);
    }
  }

  return {
    model: DETECTOR_MODEL_NAME,
    threads: actualThreads,
    async detect(image: Buffer): Promise<DetectionResult> {
      if (disposed) throw new Error('detector has been disposed');
      const started = performance.now();
      const { rgb, width, height } = await decode(image);
      const output = run(rgb);
      let rows: Float32Array;
      try {
        rows = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
      const detections = postProcess(rows, { width, height, scoreThreshold, iouThreshold, maxDetections });
      return { detections, inferenceMs: round(performance.now() - started, 2), width, height };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

interface PostProcessOptions {
  width: number;
  height: number;
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
}

type Box = [number, number, number, number];

/**
 * Threshold, class-agnostic greedy NMS, scale from 512-px model space to source pixels, clamp.
 * Class-agnostic because CenterNet emits several class hypotheses for one object centre
 * (car + truck on the same box): one label per object is what a scoring endpoint should answer.
 */
export function postProcess(rows: Float32Array, o: PostProcessOptions): Detection[] {
  const candidates: { box: Box; score: number; classId: number }[] = [];
  for (let i = 0; i + ROW <= rows.length; i += ROW) {
    const score = rows[i + 4];
    const classId = rows[i + 5];
    if (!(score >= o.scoreThreshold) || !Number.isInteger(classId) || classId < 0 || classId >= COCO_LABELS.length) continue;
    candidates.push({ box: [rows[i], rows[i + 1], rows[i + 2], rows[i + 3]], score, classId });
  }
  candidates.sort((a, b) => b.score - a.score);

  const kept: typeof candidates = [];
  for (const c of candidates) {
    if (kept.length >= o.maxDetections) break;
    if (kept.every((k) => boxIoU(k.box, c.box) <= o.iouThreshold)) kept.push(c);
  }

  const sx = o.width / INPUT_SIZE;
  const sy = o.height / INPUT_SIZE;
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return kept.map((k) => ({
    label: cocoLabel(k.classId),
    classId: k.classId,
    score: round(k.score, 4),
    box: [
      round(clamp(k.box[0] * sx, o.width), 1),
      round(clamp(k.box[1] * sy, o.height), 1),
      round(clamp(k.box[2] * sx, o.width), 1),
      round(clamp(k.box[3] * sy, o.height), 1),
    ],
  }));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
