import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AzureBlobTargetConfig } from '../config/targets';
import { failedRecord, finished, readBody, startCall } from './measure';
import type { GetResult, ObjectStore } from './types';

/**
 * The Azure SDK does not report how many HTTP attempts an operation took, so a per-retry pipeline
 * policy counts them into the calling operation's AsyncLocalStorage slot (which follows the call
 * through every await, also when several calls run concurrently).
 */
const attemptCounter = new AsyncLocalStorage<{ attempts: number }>();
const countAttemptsPolicy = {
  name: 'cloudbenchCountAttempts',
  async sendRequest(request: unknown, next: (r: unknown) => Promise<unknown>) {
    const slot = attemptCounter.getStore();
    if (slot) slot.attempts += 1;
    return next(request);
  },
};

function withAttempts<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; attempts: number }> {
  const slot = { attempts: 0 };
  return attemptCounter.run(slot, async () => {
    try {
      const value = await fn();
      return { value, attempts: Math.max(1, slot.attempts) };
    } catch (error) {
      return { error, attempts: Math.max(1, slot.attempts) };
    }
  });
}

/**
 * Adds the counting policy once to the client's core pipeline, after the retry policy so it sees
 * every attempt. Every client derived from this one (container, blob) shares that pipeline.
 * `additionalPolicies` cannot be used: each derived client would add the policy again.
 * The pipeline is not public API; @azure/storage-blob is pinned, and without it attempts read 1.
 */
function installAttemptCounter(client: BlobServiceClient): void {
  const core = (client as unknown as { pipeline?: { _corePipeline?: CorePipeline } }).pipeline?._corePipeline;
  if (core && !core.getOrderedPolicies().some((p) => p.name === countAttemptsPolicy.name)) {
    core.addPolicy(countAttemptsPolicy, { afterPhase: 'Retry' });
  }
}

interface CorePipeline {
  addPolicy(policy: typeof countAttemptsPolicy, options: { afterPhase: 'Retry' }): void;
  getOrderedPolicies(): Array<{ name: string }>;
}

function serviceClient(cfg: AzureBlobTargetConfig, options: StoragePipelineOptions): BlobServiceClient {
  if (cfg.connectionString) return BlobServiceClient.fromConnectionString(cfg.connectionString, options);
  if (!cfg.accountUrl) {
    throw new Error('azure-blob target needs either "connectionString" or "accountUrl" (with "accountKey" or "sasToken").');
  }
  if (cfg.accountKey) {
    const accountName = cfg.accountName ?? new URL(cfg.accountUrl).hostname.split('.')[0];
    return new BlobServiceClient(cfg.accountUrl, new StorageSharedKeyCredential(accountName, cfg.accountKey), options);
  }
  if (cfg.sasToken) {
    const sas = cfg.sasToken.startsWith('?') ? cfg.sasToken : `?${cfg.sasToken}`;
    return new BlobServiceClient(`${cfg.accountUrl}${sas}`, new AnonymousCredential(), options);
  }
  throw new Error('azure-blob target with "accountUrl" also needs "accountKey" or "sasToken".');
}

/** Where the account lives, without secrets. */
function describeAccount(client: BlobServiceClient): string {
  const url = new URL(client.url);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}`;
}

/** Azure Blob Storage (or Azurite) through @azure/storage-blob, block blobs uploaded in one Put Blob. */
export function createAzureBlobStore(
  cfg: AzureBlobTargetConfig,
  opts: { retryOptions?: StoragePipelineOptions['retryOptions'] } = {},
): ObjectStore {
  const client = serviceClient(cfg, { retryOptions: opts.retryOptions });
  installAttemptCounter(client);
  const container = client.getContainerClient(cfg.container);

  return {
    kind: 'azure-blob',
    location: `${describeAccount(client)}/${cfg.container}`,

    async ensureContainer() {
      await container.createIfNotExists();
    },

    async put(key, body, size) {
      const call = startCall();
      const blob = container.getBlockBlobClient(key);
      // A stream is handed over as a factory, the form upload() accepts for Node streams.
      const payload = Buffer.isBuffer(body) ? body : () => body;
      const r = await withAttempts(() => blob.upload(payload, size));
      if (r.error) return failedRecord(call, size, r.attempts, r.error);
      return { ...finished(call), bytes: size, attempts: r.attempts, ok: true };
    },

    async get(key): Promise<GetResult> {
      const call = startCall();
      // download() + reading the stream: downloadToBuffer() adds a HEAD request before every GET.
      const r = await withAttempts(async () => {
        const res = await container.getBlobClient(key).download(0);
        if (!res.readableStreamBody) throw new Error('Azure Blob download returned no body stream');
        return readBody(res.readableStreamBody as AsyncIterable<Buffer>, call.elapsed);
      });
      if (r.error || !r.value) return { record: failedRecord(call, 0, r.attempts, r.error) };
      const { body, ttfbMs } = r.value;
      return {
        body,
        record: { ...finished(call), ttfbMs, bytes: body.length, attempts: r.attempts, ok: true },
      };
    },

    async list(prefix, opts = {}) {
      const keys: string[] = [];
      const pages = container.listBlobsFlat({ prefix }).byPage({ maxPageSize: opts.pageSize });
      for await (const page of pages) for (const blob of page.segment.blobItems) keys.push(blob.name);
      return keys;
    },

    async delete(keys) {
      // One DELETE per blob: Azurite does not implement the blob batch API.
      let deleted = 0;
      const queue = [...keys];
      const worker = async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
          const res = await container.getBlobClient(key).deleteIfExists();
          if (res.succeeded) deleted += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
      return deleted;
    },

    async close() {
      // The SDK's shared HTTP client keeps no per-client sockets that need closing.
    },
  };
}
