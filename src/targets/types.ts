/**
 * Boundary types shared by every storage and inference adapter.
 *
 * Adapters never throw for a failed *measured* call: in a benchmark a failure is data, so it comes
 * back as a CallRecord with ok=false and an errorCode. Housekeeping calls (list, delete, ensure)
 * throw, because a run cannot go on sensibly without them.
 */
import type { ScoringResponse } from '../protocol/scoring';
import type { RetryPolicy } from './retry';
import type { RequestTimeouts } from './timeouts';

/** What every measured call reports. Times are from the monotonic clock (performance.now()). */
export interface CallRecord {
  /** Wall-clock start, epoch milliseconds (for humans and for ordering across processes). */
  startedAt: number;
  /** Monotonic start, performance.now() of the calling thread: orders calls and spans phases exactly. */
  startedMono: number;
  /** Monotonic duration of the whole call including retries, milliseconds. */
  durationMs: number;
  /** Time to first byte of the response body (downloads only), milliseconds. */
  ttfbMs?: number;
  /** Payload bytes sent (upload, inference) or received (download). */
  bytes: number;
  /** HTTP attempts made, retries by the SDK and of a broken download body included (1 = no retry). */
  attempts: number;
  ok: boolean;
  /** Service error code (e.g. NoSuchKey, BlobNotFound, ModelError) or a local code (ChecksumMismatch). */
  errorCode?: string;
  errorMessage?: string;
}

export type StorageKind = 's3' | 'azure-blob' | 'gcs';

/** Per measured call. */
export interface CallOptions {
  /** Aborting ends the call at once; its record says `Aborted`. */
  signal?: AbortSignal;
}

export interface GetOptions extends CallOptions {
  /** Write the body to this file (created or truncated) instead of returning it: for objects too large to hold in memory. */
  toFile?: string;
}

/** How an adapter treats its requests: deadlines per kind of call, and the retry budget. */
export interface AdapterOptions {
  /** Uploads (and the store's housekeeping calls), downloads, inferences; defaults: DEFAULT_TIMEOUTS. */
  timeouts?: { upload?: RequestTimeouts; download?: RequestTimeouts; inference?: RequestTimeouts };
  retry?: RetryPolicy;
}

export interface GetResult {
  record: CallRecord;
  /** The object's bytes; undefined when the call failed or they went to `toFile`. */
  body?: Buffer;
}

export interface ObjectStore {
  readonly kind: StorageKind;
  /** Human-readable location, e.g. "s3://bucket (us-east-1)". Never contains secrets. */
  readonly location: string;
  /** Create the bucket/container if it does not exist (no-op when it does). */
  ensureContainer(opts?: CallOptions): Promise<void>;
  /** Upload one object. `body` may be a Buffer or a Readable of exactly `size` bytes (the SDKs do not retry a stream). */
  put(key: string, body: Buffer | NodeJS.ReadableStream, size: number, opts?: CallOptions): Promise<CallRecord>;
  /** Download one object completely (a body that breaks is fetched again within the retry budget). */
  get(key: string, opts?: GetOptions): Promise<GetResult>;
  /** All keys under a prefix, following pagination (pageSize: keys per page, service default if absent). */
  list(prefix: string, opts?: { pageSize?: number } & CallOptions): Promise<string[]>;
  /** Delete the given keys (batched where the service allows). Returns how many were deleted. */
  delete(keys: string[], opts?: CallOptions): Promise<number>;
  /** Release sockets and agents. */
  close(): Promise<void>;
}

export type InferenceKind = 'sagemaker' | 'azureml' | 'http' | 'vertex';

export interface InferenceResult {
  record: CallRecord;
  /** Parsed response; undefined when the call failed. */
  response?: ScoringResponse;
}

export interface InferenceEndpoint {
  readonly kind: InferenceKind;
  /** Human-readable location, never containing secrets. */
  readonly location: string;
  invoke(image: Buffer, contentType: string, opts?: CallOptions): Promise<InferenceResult>;
  close(): Promise<void>;
}
