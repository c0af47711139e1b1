/**
 * Boundary types for image datasets: where the benchmark's payloads come from.
 *
 * A source hands out metadata first and bytes only on demand, so a run over COCO train2017
 * (118k files, ~19 GB) holds names and sizes in memory, never the images themselves.
 */
import { UserError } from '../errors';

export type ImageContentType = 'image/jpeg' | 'image/png';

/** One image file of a dataset. Holds no bytes: `open()`/`read()` go to disk each time. */
export interface ImageItem {
  /** Path relative to the dataset root, '/' separators on every OS (used as the object key). */
  readonly name: string;
  /** File size in bytes, as seen when the item was listed. */
  readonly size: number;
  readonly contentType: ImageContentType;
  /** Absolute path on the local disk. */
  readonly path: string;
  /** A fresh stream of the file's bytes (for streaming uploads). */
  open(): NodeJS.ReadableStream;
  /** The whole file (one image at a time is fine; a whole dataset never is). */
  read(): Promise<Buffer>;
}

export interface ImageBatch {
  /** Absolute batch number: batch k holds items [k*batchSize, (k+1)*batchSize). */
  index: number;
  items: ImageItem[];
}

export interface BatchOptions {
  /** First batch to yield (default 0), e.g. to resume an interrupted run. */
  startBatch?: number;
  /** Stop after this many batches (default: until the dataset ends). */
  maxBatches?: number;
}

export interface ImageSource {
  /** Human-readable origin, e.g. "folder /data/coco/train2017". */
  readonly description: string;
  /**
   * Every item, ascending by name in plain code-unit order (what `a < b` compares), no duplicates.
   * The order is part of the contract: batches are reproducible and manifests can be streamed.
   * Metadata only, no bytes.
   */
  list(): Promise<ImageItem[]>;
  /** How many items list() would return, when the source can tell without listing them all. */
  count?(): Promise<number>;
  /** Consecutive batches in the same order as list(); the last batch may be partial. */
  batches(batchSize: number, opts?: BatchOptions): AsyncIterable<ImageBatch>;
}

/** Fingerprint of a dataset, recorded with results so two runs can prove they used the same images. */
export interface DatasetManifest {
  count: number;
  totalBytes: number;
  /** Hex sha256 over the per-file lines; format documented in manifest.ts. */
  sha256: string;
  /** The source's description. */
  source: string;
}

/** A directory of JPEG/PNG files (searched recursively), e.g. COCO train2017. */
export interface FolderDatasetConfig {
  type: 'folder';
  path: string;
}

/** The largest synthetic dataset the generator makes (each image is written to the cache, ~160 KB on average). */
export const MAX_SYNTHETIC_COUNT = 1_000_000;
/** Seeds are 32-bit (the generator's PRNG state). */
export const MAX_SEED = 0xffffffff;

/** Generated COCO-like images built from the bundled photos; cached on disk after the first run. */
export interface SyntheticDatasetConfig {
  type: 'synthetic';
  count: number;
  /** Same seed + count gives byte-identical files (default 1). */
  seed?: number;
  /** Where generated datasets are kept (overrides the caller's default cache directory). */
  cacheDir?: string;
}

export type DatasetConfig = FolderDatasetConfig | SyntheticDatasetConfig;

export type DatasetErrorCode =
  | 'NOT_FOUND'
  | 'NOT_A_DIRECTORY'
  | 'NO_IMAGES'
  | 'NOT_AN_IMAGE'
  | 'UNREADABLE'
  | 'INVALID_ARGUMENT';

/**
 * A dataset problem the user can fix (wrong path, empty folder, a mislabelled file).
 * The message is written for the person running the benchmark, not for a developer.
 */
export class DatasetError extends UserError {
  override readonly name = 'DatasetError';
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
    /** The path concerned, when there is one. */
    readonly path?: string,
  ) {
    super(message);
  }
}
