/**
 * Google Cloud Storage through the official client (@google-cloud/storage 7: the last line for
 * Node 20). Uploads are one simple (multipart) upload each, as S3's PutObject and Azure's Put Blob
 * are; downloads read the media stream, which the client checks against the object's CRC32C.
 *
 * Request deadlines and attempt counts: the client sends through teeny-request, which keeps one
 * keep-alive agent per protocol in a module-level pool and takes no agent from its caller. The
 * pool's entries are set to deadline agents (deadline-agent.ts) once per process; measured calls
 * get their own deadlines through the call context, housekeeping calls the defaults.
 */
import path from 'node:path';
import { IdempotencyStrategy, RETRYABLE_ERR_FN_DEFAULT, Storage, type ApiError, type StorageOptions } from '@google-cloud/storage';
import type { GcsTargetConfig } from '../config/targets';
import { forEachLimit } from '../concurrency';
import { abortable, currentCall, isTransportFailure, trackCall } from './call-context';
import { createDeadlineAgents, type DeadlineAgents } from './deadline-agent';
import { callRecord, downloadBody, startCall } from './measure';
import { createRetryStrategy, DEFAULT_RETRY, type RetryPolicy } from './retry';
import { DEFAULT_TIMEOUTS } from './timeouts';
import type { AdapterOptions, GetResult, ObjectStore } from './types';

let sharedAgents: DeadlineAgents | undefined;

/**
 * Puts deadline agents into the teeny-request pool the storage client uses (the copy it resolves,
 * not whichever copy a bare import would find). The client destroys the pooled agent when one
 * download stream fails (its guard against a node-fetch 2 socket leak); with one shared agent that
 * would reset every other download in flight, so destroy() is a no-op there: the deadline agent
 * has already closed the broken socket.
 */
function installTeenyAgents(): void {
  if (sharedAgents) return;
  // The package's main file (its exports hide package.json); resolution walks up from there.
  const storageDir = path.dirname(require.resolve('@google-cloud/storage'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { pool } = require(require.resolve('teeny-request/build/src/agents', { paths: [storageDir] })) as { pool: Map<string, unknown> };
  const agents = createDeadlineAgents(DEFAULT_TIMEOUTS);
  for (const agent of [agents.http, agents.https]) agent.destroy = () => undefined;
  pool.set('http:forever', agents.http);
  pool.set('https:forever', agents.https);
  sharedAgents = agents;
}

/**
 * The client's retry options for a policy: our attempt budget, and its own backoff (1 s·2^n plus up
 * to 1 s of jitter). It has no base delay to set, so a policy's base caps the delay instead, at
 * base·2^(attempts−1), the longest a retry waits under the other adapters' strategy — but never
 * below 1 s: its upload retries (async-retry) start at 1 s and refuse a smaller cap.
 */
function storageRetryOptions(retry: RetryPolicy): StorageOptions['retryOptions'] {
  return {
    retryableErrorFn: retryable,
    autoRetry: retry.maxAttempts > 1,
    maxRetries: Math.max(0, retry.maxAttempts - 1),
    ...(retry.baseDelayMs !== undefined ? { maxRetryDelay: Math.max(1000, Math.min(20_000, retry.baseDelayMs * 2 ** (retry.maxAttempts - 1))) / 1000 } : {}),
    // Uploads of a fresh key are as safe to repeat as S3's PutObject, which the AWS SDK retries.
    idempotencyStrategy: IdempotencyStrategy.RetryAlways,
  };
}

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/**
 * What the client retries: its own list (408, 429, 5xx, resets), and also a refused connection and
 * an attempt ended by our deadlines, which the AWS and Azure SDKs retry and its list leaves out;
 * otherwise one injected fault would count differently per cloud.
 */
function retryable(err: ApiError): boolean {
  if (RETRYABLE_ERR_FN_DEFAULT(err)) return true;
  const call = currentCall();
  if (call && isTransportFailure(call)) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && TRANSPORT_CODES.has(code);
}

/**
 * A JSON API error's "reason" (notFound, forbidden, …) and message, else its HTTP status. A failed
 * download stream carries the whole error body as its message, so that is read too.
 */
export function gcsError(err: unknown): { code?: string; message?: string } {
  const e = err as { errors?: Array<{ reason?: string }>; code?: unknown; message?: string };
  const reason = e?.errors?.[0]?.reason;
  if (reason) return { code: reason };
  try {
    const body = JSON.parse(e?.message ?? '') as { error?: { errors?: Array<{ reason?: string }>; status?: string; message?: string } };
    const inner = body.error?.errors?.[0]?.reason ?? body.error?.status;
    if (inner) return { code: inner, message: body.error?.message };
  } catch {
    // not a JSON body
  }
  return { code: typeof e?.code === 'number' ? `HTTP_${e.code}` : undefined };
}

/** Rethrows a client error named by its JSON API reason, so the row's errorCode reads like S3's NoSuchKey. */
function named<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    const { code, message } = gcsError(err);
    if (err instanceof Error) {
      if (code) err.name = code;
      if (message) err.message = message;
    }
    throw err;
  });
}

function storageClient(cfg: GcsTargetConfig, retry: RetryPolicy): Storage {
  return new Storage({
    ...(cfg.projectId ? { projectId: cfg.projectId } : {}),
    ...(cfg.apiEndpoint ? { apiEndpoint: cfg.apiEndpoint } : {}),
    ...(cfg.keyFilename ? { keyFilename: cfg.keyFilename } : {}),
    retryOptions: storageRetryOptions(retry),
  });
}

export function createGcsStore(cfg: GcsTargetConfig, opts: AdapterOptions = {}): ObjectStore {
  installTeenyAgents();
  const uploadTimeouts = opts.timeouts?.upload ?? DEFAULT_TIMEOUTS;
  const downloadTimeouts = opts.timeouts?.download ?? DEFAULT_TIMEOUTS;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const bucket = storageClient(cfg, retry).bucket(cfg.bucket);
  // For a download's re-requests after its body broke: one attempt each, within the call's budget.
  const onceBucket = storageClient(cfg, { maxAttempts: 1 }).bucket(cfg.bucket);
  const bodyRetries = createRetryStrategy(retry);
  const prefix = cfg.prefix ? `${cfg.prefix.replace(/\/+$/, '')}/` : '';
  const full = (key: string) => `${prefix}${key}`;

  return {
    kind: 'gcs',
    location: `gs://${cfg.bucket}${prefix ? `/${prefix.slice(0, -1)}` : ''}${cfg.apiEndpoint ? ` (${cfg.apiEndpoint})` : ''}`,

    async ensureContainer() {
      const [exists] = await named(bucket.exists());
      if (!exists) await named(bucket.create());
    },

    async put(key, body, size, { signal } = {}) {
      const clock = startCall();
      const file = bucket.file(full(key));
      // The client takes no signal, and retries an aborted attempt after its backoff: stop at the abort.
      const outcome = await trackCall(uploadTimeouts, signal, () =>
        named(abortable(signal,
          Buffer.isBuffer(body)
            ? file.save(body, { resumable: false })
            : new Promise<void>((resolve, reject) => {
                // A stream cannot be sent twice, so it is one attempt whatever the retry budget.
                const out = file.createWriteStream({ resumable: false });
                out.once('error', reject).once('finish', resolve);
                (body as NodeJS.ReadableStream).once('error', (err) => out.destroy(err as Error));
                (body as NodeJS.ReadableStream).pipe(out);
              }),
        )),
      );
      return callRecord(clock, size, outcome);
    },

    async get(key, { signal, toFile } = {}): Promise<GetResult> {
      const clock = startCall();
      const outcome = await trackCall(downloadTimeouts, signal, (call) =>
        named(abortable(signal,
          downloadBody(async (again) => (again ? onceBucket : bucket).file(full(key)).createReadStream() as AsyncIterable<Buffer>, {
            call,
            maxAttempts: retry.maxAttempts,
            strategy: bodyRetries,
            sinceStart: clock.elapsed,
            toFile,
          }),
        )),
      );
      const got = outcome.value;
      return { body: got?.body, record: callRecord(clock, got?.bytes ?? 0, outcome, { ttfbMs: got?.ttfbMs }) };
    },

    async list(listPrefix, { pageSize } = {}) {
      const keys: string[] = [];
      type Query = { prefix: string; maxResults?: number; pageToken?: string; autoPaginate: false };
      let query: Query | null = {
        prefix: full(listPrefix),
        ...(pageSize ? { maxResults: pageSize } : {}),
        autoPaginate: false,
      };
      while (query) {
        const [files, next] = (await named(bucket.getFiles(query))) as unknown as [Array<{ name: string }>, Query | null | undefined];
        for (const f of files) keys.push(f.name.slice(prefix.length));
        query = next?.pageToken ? { ...query, pageToken: next.pageToken } : null;
      }
      return keys;
    },

    async delete(keys, { signal } = {}) {
      // The JSON API's batch endpoint is a separate multipart protocol; one DELETE per object, 8 at a time.
      let deleted = 0;
      await forEachLimit(keys, 8, async (key) => {
        const [res] = await named(bucket.file(full(key)).delete({ ignoreNotFound: true }));
        if ((res as { statusCode?: number } | undefined)?.statusCode !== 404) deleted += 1;
      }, signal);
      return deleted;
    },

    async close() {
      // The pooled agents are shared by every store in the process and outlive this one.
    },
  };
}
