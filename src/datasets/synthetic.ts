/**
 * COCO-like synthetic images built from the three bundled photos (horses, a dog with a bicycle and a
 * truck, a person with a dog and a horse), so a COCO detector finds real objects in every image.
 *
 * Why synthetic: benchmarks need thousands of realistic payloads without shipping 19 GB of COCO.
 * What is matched: COCO train2017's image dimensions (long side 640 for most images, median 640x480,
 * landscape/portrait/square/other mixes) and its mean file size (~160 KB), which is what storage and
 * inference timings depend on. Content: crops around known objects, mirror flips, zoom, two photos
 * side by side, brightness/contrast/colour jitter, and sensor-like noise (which is also what brings
 * the JPEG size up to COCO's; the photos alone are smoother than typical COCO pictures).
 *
 * Determinism: image i is a pure function of (seed, i), from a seeded PRNG (mulberry32) - no
 * Math.random, no clock. Same seed and count give byte-identical files with the same sharp/libvips
 * build; the first n images of a bigger set equal a set of n. Across libvips builds (different SIMD
 * paths) pixels could differ slightly, so results record the dataset manifest, not just the seed.
 *
 * Memory: the three decoded photos (~1 MB each) plus the images in flight (GENERATION_CONCURRENCY).
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { forEachLimit } from '../concurrency';
import { datasetCacheDir } from '../paths';
import { mulberry32Uint, type Random } from '../random';
import { DatasetError, MAX_SEED, MAX_SYNTHETIC_COUNT, type SyntheticDatasetConfig } from './types';

/** Bump when the output of the generator changes, so cached datasets are regenerated. */
export const SYNTHETIC_GENERATOR_VERSION = 1;
/** Written last into a synthetic dataset folder; its presence means the folder is complete. */
export const COMPLETE_MARKER = '.complete.json';
/** File names are img-000000.jpg...: six digits keep name order equal to index order. */

const PHOTOS_DIR = path.join(__dirname, 'photos');

// --- Seeded randomness --------------------------------------------------------------------------

/** Independent stream per image, so image i does not depend on how many images came before it. */
function imageSeed(seed: number, index: number): number {
  // Two rounds of a murmur3-style finaliser spread (seed, index) over the 32-bit state.
  let h = (seed >>> 0) ^ Math.imul(index + 1, 0x9e3779b1);
  for (let round = 0; round < 2; round++) {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

const uniform = (rnd: Random, lo: number, hi: number): number => lo + (hi - lo) * rnd();
const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];

// --- The source photos --------------------------------------------------------------------------

/** [x1, y1, x2, y2] in source pixels. */
type Box = readonly [number, number, number, number];

interface PhotoSpec {
  file: string;
  /** Objects the detector finds in the original (MB3-CenterNet boxes, rounded outwards). */
  objects: readonly Box[];
}

const PHOTOS: readonly PhotoSpec[] = [
  // 773x512: three horses in a field.
  { file: 'horses.jpg', objects: [[0, 185, 318, 412], [236, 194, 440, 372], [432, 206, 602, 347]] },
  // 768x576: bicycle, dog, truck.
  { file: 'dog.jpg', objects: [[110, 122, 568, 426], [124, 208, 312, 545], [468, 75, 690, 170]] },
  // 640x424: person, dog, horse.
  { file: 'person.jpg', objects: [[186, 95, 276, 375], [65, 262, 205, 346], [396, 136, 602, 345]] },
];

interface DecodedPhoto {
  spec: PhotoSpec;
  pixels: Buffer; // RGB, 3 bytes per pixel
  width: number;
  height: number;
}

async function decodePhotos(): Promise<DecodedPhoto[]> {
  return Promise.all(
    PHOTOS.map(async (spec) => {
      const { data, info } = await sharp(path.join(PHOTOS_DIR, spec.file))
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { spec, pixels: data, width: info.width, height: info.height };
    }),
  );
}

// --- Image plan: everything random is decided here, up front ------------------------------------

interface Size {
  width: number;
  height: number;
}

/**
 * Dimensions shaped on COCO train2017: about 1/3 are 640x480, about 1/4 are 640x42x (3:2), about 1/5
 * portrait 480x640/427x640, then 16:9, square, a few with a long side under 640, and a tail of other
 * aspect ratios. Medians come out at 640 wide and 480 high, as in COCO.
 */
export function pickDimensions(rnd: Random): Size {
  const r = rnd();
  if (r < 0.32) return { width: 640, height: 480 };
  if (r < 0.52) return { width: 640, height: 427 };
  if (r < 0.56) return { width: 640, height: pick(rnd, [424, 425, 426, 428]) };
  if (r < 0.66) return { width: 480, height: 640 };
  if (r < 0.74) return { width: 427, height: 640 };
  if (r < 0.79) return { width: 640, height: 360 };
  if (r < 0.83) return { width: 640, height: 640 };
  if (r < 0.86) return pick(rnd, [{ width: 500, height: 375 }, { width: 500, height: 333 }, { width: 612, height: 612 }]);
  const short = 320 + Math.floor(rnd() * 320);
  return rnd() < 0.75 ? { width: 640, height: short } : { width: short, height: 640 };
}

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface TilePlan {
  photo: number;
  crop: Rect;
  flip: boolean;
  /** Where the tile goes on the canvas, and its size there. */
  target: Rect;
}

interface ImagePlan {
  size: Size;
  tiles: TilePlan[];
  brightness: number;
  contrast: number;
  saturation: number;
  channelGain: [number, number, number];
  /** Standard deviation of the added noise, in 8-bit levels (luma; chroma noise is a third). */
  noise: number;
  quality: number;
}

function unionBox(boxes: readonly Box[]): Box {
  return [
    Math.min(...boxes.map((b) => b[0])),
    Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])),
    Math.max(...boxes.map((b) => b[3])),
  ];
}

/** Upscaling beyond this looks unlike a photo (and blurs objects); larger crops are used instead. */
const MAX_UPSCALE = 2.2;

/**
 * A crop of the photo with the tile's aspect ratio that contains `focus` whenever the aspect allows,
 * zoomed anywhere between "just the focus" and "as much of the photo as fits".
 */
function chooseCrop(rnd: Random, photo: { width: number; height: number }, focus: Box, tile: Size): Rect {
  const aspect = tile.width / tile.height;
  const [fx1, fy1, fx2, fy2] = focus;
  const maxW = Math.min(photo.width, photo.height * aspect);
  const minW = Math.min(maxW, Math.max((fx2 - fx1) * 1.05, (fy2 - fy1) * 1.05 * aspect, tile.width / MAX_UPSCALE));
  const w = uniform(rnd, minW, maxW);
  const h = w / aspect;
  const place = (lo: number, hi: number, length: number, limit: number): number => {
    const from = Math.max(0, hi - length);
    const to = Math.min(lo, limit - length);
    // Focus larger than the crop on this axis: centre on it and accept a partial object.
    if (from > to) return Math.min(Math.max((lo + hi) / 2 - length / 2, 0), limit - length);
    return uniform(rnd, from, to);
  };
  // Clamped because w/aspect can exceed the photo by a rounding error.
  const left = Math.max(0, Math.floor(place(fx1, fx2, w, photo.width)));
  const top = Math.max(0, Math.floor(place(fy1, fy2, h, photo.height)));
  return {
    left,
    top,
    width: Math.max(1, Math.min(Math.round(w), photo.width - left)),
    height: Math.max(1, Math.min(Math.round(h), photo.height - top)),
  };
}

function planImage(rnd: Random, photos: readonly DecodedPhoto[]): ImagePlan {
  const size = pickDimensions(rnd);
  const tiles: TilePlan[] = [];
  const addTile = (photoIndex: number, target: Rect, wholeScene: boolean): void => {
    const photo = photos[photoIndex];
    const objects = photo.spec.objects;
    const focus = wholeScene ? unionBox(objects) : pick(rnd, objects);
    const crop = chooseCrop(rnd, photo, focus, target);
    tiles.push({ photo: photoIndex, crop, flip: rnd() < 0.5, target });
  };

  if (rnd() < 0.55) {
    // One photo filling the frame.
    addTile(Math.floor(rnd() * photos.length), { left: 0, top: 0, ...size }, rnd() < 0.5);
  } else {
    // Two different photos side by side. Split across the axis that leaves tiles closest to the
    // photos' own ~3:2 shape, so crops keep more of each scene.
    const first = Math.floor(rnd() * photos.length);
    const second = (first + 1 + Math.floor(rnd() * (photos.length - 1))) % photos.length;
    const ratio = uniform(rnd, 0.4, 0.6);
    // How far a shape is from 3:2, as a ratio >= 1 (like |log|, without Math.log's engine-dependent last bits).
    const shapeError = (w: number, h: number): number => Math.max(w / h / 1.5, 1.5 / (w / h));
    const splitVertically =
      shapeError(size.width * ratio, size.height) < shapeError(size.width, size.height * ratio);
    if (splitVertically) {
      const w1 = Math.round(size.width * ratio);
      addTile(first, { left: 0, top: 0, width: w1, height: size.height }, rnd() < 0.3);
      addTile(second, { left: w1, top: 0, width: size.width - w1, height: size.height }, rnd() < 0.3);
    } else {
      const h1 = Math.round(size.height * ratio);
      addTile(first, { left: 0, top: 0, width: size.width, height: h1 }, rnd() < 0.3);
      addTile(second, { left: 0, top: h1, width: size.width, height: size.height - h1 }, rnd() < 0.3);
    }
  }

  return {
    size,
    tiles,
    brightness: uniform(rnd, 0.85, 1.15),
    contrast: uniform(rnd, 0.85, 1.2),
    saturation: uniform(rnd, 0.75, 1.25),
    channelGain: [uniform(rnd, 0.93, 1.07), uniform(rnd, 0.93, 1.07), uniform(rnd, 0.93, 1.07)],
    // Noise and quality set the file size. Tuned so the mean is COCO's ~160 KB (measured: 158 KiB over
    // 200 images, 156.5 KiB over 1000); quality is the stronger lever, as 4:2:0 chroma and quantisation
    // discard much of the noise. Their spread gives a spread of sizes (about 55-300 KiB).
    noise: uniform(rnd, 3, 12),
    quality: Math.floor(uniform(rnd, 90, 99)), // 90..98
  };
}

// --- Rendering ----------------------------------------------------------------------------------

async function renderTile(photo: DecodedPhoto, tile: TilePlan): Promise<Buffer> {
  let pipeline = sharp(photo.pixels, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .extract(tile.crop)
    .resize(tile.target.width, tile.target.height, { fit: 'fill' });
  if (tile.flip) pipeline = pipeline.flop();
  return pipeline.raw().toBuffer();
}

/**
 * Colour jitter and noise, in place. Only integer and basic float arithmetic (no Math.log/exp,
 * whose last bits may vary between engines), so the pixels are identical on every machine.
 */
function jitterPixels(pixels: Buffer, plan: ImagePlan, next: () => number): void {
  const { brightness, contrast, saturation: s, channelGain, noise } = plan;
  // Per channel the adjustment is linear in the saturated value: out = gain * sat + offset.
  const gain = channelGain.map((g) => contrast * brightness * g);
  const offset = channelGain.map((g) => (128 - 128 * contrast) * brightness * g);
  const [g0, g1, g2] = gain;
  const [o0, o1, o2] = offset;
  // Luma grain: the sum of a uint32's four bytes is bell-shaped, mean 510, sd 147.8 (Irwin-Hall).
  const grainScale = noise / 147.8;
  // Chroma noise: one byte per channel, uniform; sd of a third of the luma grain.
  const chromaScale = noise / 3 / 73.9;
  const clamp = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));
  for (let i = 0; i < pixels.length; i += 3) {
    const r = pixels[i];
    const g = pixels[i + 1];
    const b = pixels[i + 2];
    const lumaPart = (0.299 * r + 0.587 * g + 0.114 * b) * (1 - s);
    const u = next();
    const grain = ((u & 255) + ((u >>> 8) & 255) + ((u >>> 16) & 255) + (u >>> 24) - 510) * grainScale;
    const c = next();
    pixels[i] = clamp(g0 * (lumaPart + r * s) + o0 + grain + ((c & 255) - 127.5) * chromaScale);
    pixels[i + 1] = clamp(g1 * (lumaPart + g * s) + o1 + grain + (((c >>> 8) & 255) - 127.5) * chromaScale);
    pixels[i + 2] = clamp(g2 * (lumaPart + b * s) + o2 + grain + (((c >>> 16) & 255) - 127.5) * chromaScale);
  }
}

async function renderImage(photos: readonly DecodedPhoto[], seed: number, index: number): Promise<Buffer> {
  const next = mulberry32Uint(imageSeed(seed, index));
  const plan = planImage(() => next() / 4294967296, photos);
  const { width, height } = plan.size;
  const canvas = Buffer.alloc(width * height * 3);
  for (const tile of plan.tiles) {
    const pixels = await renderTile(photos[tile.photo], tile);
    const rowBytes = tile.target.width * 3;
    for (let y = 0; y < tile.target.height; y++) {
      pixels.copy(canvas, ((tile.target.top + y) * width + tile.target.left) * 3, y * rowBytes, (y + 1) * rowBytes);
    }
  }
  jitterPixels(canvas, plan, next);
  return sharp(canvas, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: plan.quality, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

// --- Writing a dataset --------------------------------------------------------------------------

export interface SynthesizeOptions {
  count: number;
  outDir: string;
  seed?: number;
  /** Called after each image is written, with how many are done so far. */
  onProgress?: (done: number, total: number) => void;
  /** Stop generating (images being written finish first); the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface SynthesizeResult {
  dir: string;
  count: number;
  totalBytes: number;
}

/** Images generated at once: one per core (sharp's work runs off the main thread), capped at 2. */
const GENERATION_CONCURRENCY = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length));

export function syntheticImageName(index: number): string {
  return `img-${String(index).padStart(6, '0')}.jpg`;
}

function validateCountAndSeed(count: number, seed: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SYNTHETIC_COUNT) {
    throw new DatasetError(
      'INVALID_ARGUMENT',
      `Synthetic dataset count must be a whole number from 1 to ${MAX_SYNTHETIC_COUNT} (got ${count}).`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new DatasetError('INVALID_ARGUMENT', `Synthetic dataset seed must be a whole number from 0 to ${MAX_SEED} (got ${seed}).`);
  }
}

/**
 * Writes img-000000.jpg ... into outDir (created if needed; same-named files are overwritten).
 * Each file is written under a hidden temporary name and renamed, so a visible file is always whole.
 */
export async function synthesizeDataset(opts: SynthesizeOptions): Promise<SynthesizeResult> {
  const { count, outDir, seed = 1, onProgress, signal } = opts;
  validateCountAndSeed(count, seed);
  const dir = path.resolve(outDir);
  await fsp.mkdir(dir, { recursive: true });
  const photos = await decodePhotos();

  let done = 0;
  let totalBytes = 0;
  const indexes = Array.from({ length: count }, (_, i) => i);
  await forEachLimit(indexes, GENERATION_CONCURRENCY, async (index) => {
    const bytes = await renderImage(photos, seed, index);
    const name = syntheticImageName(index);
    // Per process: several clients sharing one cache (shards on one machine) may write the same image at once.
    const partial = path.join(dir, `.${name}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
    await fsp.writeFile(partial, bytes);
    await fsp.rename(partial, path.join(dir, name));
    totalBytes += bytes.length;
    onProgress?.(++done, count);
  }, signal);
  return { dir, count, totalBytes };
}

// --- The on-disk cache --------------------------------------------------------------------------

interface CompleteMarker {
  generatorVersion: number;
  count: number;
  seed: number;
  totalBytes: number;
  /** For diagnosing byte differences between machines (see "Determinism" above). */
  libvips: string;
}

/** Stable cache folder of one synthetic dataset; includes the generator version so old caches are not reused. */
export function syntheticDatasetDir(cacheDir: string, count: number, seed: number): string {
  return path.resolve(cacheDir, `synthetic-v${SYNTHETIC_GENERATOR_VERSION}-n${count}-s${seed}`);
}

async function readMarker(dir: string): Promise<CompleteMarker | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, COMPLETE_MARKER), 'utf8')) as CompleteMarker;
  } catch {
    return undefined; // missing or torn: treat as incomplete
  }
}

export interface PrepareSyntheticOptions {
  /** Where synthetic datasets are generated (default datasetCacheDir(): the per-user cache); the config's cacheDir wins. */
  cacheDir?: string;
  /** Progress of generating; not called when the cache is reused. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * The folder of a synthetic dataset, generated into the cache once and reused afterwards; a folder
 * without a matching completion marker (an interrupted generation) is generated again.
 */
export async function prepareSyntheticDataset(config: SyntheticDatasetConfig, opts: PrepareSyntheticOptions = {}): Promise<string> {
  const seed = config.seed ?? 1;
  validateCountAndSeed(config.count, seed);
  const dir = syntheticDatasetDir(config.cacheDir ?? opts.cacheDir ?? datasetCacheDir(), config.count, seed);
  const marker = await readMarker(dir);
  const complete =
    marker?.generatorVersion === SYNTHETIC_GENERATOR_VERSION && marker.count === config.count && marker.seed === seed;
  if (!complete) {
    await fsp.rm(path.join(dir, COMPLETE_MARKER), { force: true });
    const result = await synthesizeDataset({ count: config.count, outDir: dir, seed, onProgress: opts.onProgress, signal: opts.signal });
    const done: CompleteMarker = {
      generatorVersion: SYNTHETIC_GENERATOR_VERSION,
      count: result.count,
      seed,
      totalBytes: result.totalBytes,
      libvips: sharp.versions.vips,
    };
    // Renamed into place: another process checking the cache never reads half a marker.
    const partialMarker = path.join(dir, `${COMPLETE_MARKER}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
    await fsp.writeFile(partialMarker, JSON.stringify(done, null, 2) + '\n');
    await fsp.rename(partialMarker, path.join(dir, COMPLETE_MARKER));
  }
  return dir;
}
