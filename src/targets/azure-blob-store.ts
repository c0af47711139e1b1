import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { forEachLimit } from '../concurrency';
import type { AzureBlobTargetConfig } from '../config/targets';
import { trackCall } from './call-context';
import { createDeadlineAgents, type DeadlineAgents } from './deadline-agent';
import { callRecord, downloadBody, startCall } from './measure';
import { createRetryStrategy, DEFAULT_RETRY, type RetryPolicy } from './retry';
import { DEFAULT_TIMEOUTS } from './timeouts';
import type { AdapterOptions, GetResult, ObjectStore } from './types';

const AGENT_POLICY = 'cloudbenchDeadlineAgent';

/**
 * Routes every attempt through the deadline agents (which count attempts and apply deadlines,
 * deadline-agent.ts). Added once to the client's core pipeline, after the retry policy so it sees
 * each try; every client derived from this one (container, blob) shares that pipeline.
 * `additionalPolicies` cannot be used: each derived client would add the policy again.
 * The pipeline is not public API; @azure/storage-blob is pinned, and a test fails without it.
 */
function installDeadlineAgents(client: BlobServiceClient, agents: DeadlineAgents): void {
  const core = (client as unknown as { pipeline?: { _corePipeline?: CorePipeline } }).pipeline?._corePipeline;
  if (!core) throw new Error('@azure/storage-blob: no core pipeline to install request deadlines on (unexpected SDK version)');
  if (core.getOrderedPolicies().some((p) => p.name === AGENT_POLICY)) return;
  core.addPolicy(
    {
      name: AGENT_POLICY,
      sendRequest(request, next) {
        request.agent = agents.for(request.url);
        return next(request);
      },
    },
    { afterPhase: 'Retry' },
  );
}

interface AgentPolicy {
  name: string;
  sendRequest(request: { url: string; agent?: unknown }, next: (r: { url: string; agent?: unknown }) => Promise<unknown>): Promise<unknown>;
}

interface CorePipeline {
  addPolicy(policy: AgentPolicy, options: { afterPhase: 'Retry' }): void;
  getOrderedPolicies(): Array<{ name: string }>;
}

/** Azure Storage's retry options for a policy: our attempt budget; its own backoff unless a base is set. */
function storageRetryOptions(retry: RetryPolicy): StoragePipelineOptions['retryOptions'] {
  return {
    maxTries: retry.maxAttempts,
    ...(retry.baseDelayMs !== undefined ? { retryDelayInMs: Math.max(1, retry.baseDelayMs), maxRetryDelayInMs: 20_000 } : {}),
  };
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
export function createAzureBlobStore(cfg: AzureBlobTargetConfig, opts: AdapterOptions = {}): ObjectStore {
  const uploadTimeouts = opts.timeouts?.upload ?? DEFAULT_TIMEOUTS;
  const downloadTimeouts = opts.timeouts?.download ?? DEFAULT_TIMEOUTS;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const client = serviceClient(cfg, { retryOptions: storageRetryOptions(retry) });
  // Housekeeping calls (create, list, delete) run outside a measured call: upload deadlines.
  const agents = createDeadlineAgents(uploadTimeouts);
  installDeadlineAgents(client, agents);
  // For a body that breaks after the SDK returned (the SDK's own ranged resume is turned off below).
  const bodyRetries = createRetryStrategy(retry);
  const container = client.getContainerClient(cfg.container);
  // For a download's re-requests after its body broke: one attempt each, within the call's budget.
  const onceClient = serviceClient(cfg, { retryOptions: { maxTries: 1 } });
  installDeadlineAgents(onceClient, agents);
  const onceContainer = onceClient.getContainerClient(cfg.container);

  return {
    kind: 'azure-blob',
    location: `${describeAccount(client)}/${cfg.container}`,

    async ensureContainer({ signal } = {}) {
      await container.createIfNotExists({ abortSignal: signal });
    },

    async put(key, body, size, { signal } = {}) {
      const clock = startCall();
      const blob = container.getBlockBlobClient(key);
      // A stream is handed over as a factory, the form upload() accepts for Node streams.
      const payload = Buffer.isBuffer(body) ? body : () => body;
      const outcome = await trackCall(uploadTimeouts, signal, () => blob.upload(payload, size, { abortSignal: signal }));
      return callRecord(clock, size, outcome);
    },

    async get(key, { signal, toFile } = {}): Promise<GetResult> {
      const clock = startCall();
      // download() + reading the stream: downloadToBuffer() adds a HEAD request before every GET.
      // maxRetryRequests 0: the SDK's ranged resume turns a reset into an AbortError and a stall
      // into "Data corruption failure"; downloadBody() fetches again and keeps the real cause.
      const outcome = await trackCall(downloadTimeouts, signal, (call) =>
        downloadBody(
          async (again) => {
            const res = await (again ? onceContainer : container).getBlobClient(key).download(0, undefined, { abortSignal: signal, maxRetryRequests: 0 });
            if (!res.readableStreamBody) throw new Error('Azure Blob download returned no body stream');
            return res.readableStreamBody as AsyncIterable<Buffer>;
          },
          { call, maxAttempts: retry.maxAttempts, strategy: bodyRetries, sinceStart: clock.elapsed, toFile },
        ),
      );
      const got = outcome.value;
      return { body: got?.body, record: callRecord(clock, got?.bytes ?? 0, outcome, { ttfbMs: got?.ttfbMs }) };
    },

    async list(prefix, { pageSize, signal } = {}) {
      const keys: string[] = [];
      const pages = container.listBlobsFlat({ prefix, abortSignal: signal }).byPage({ maxPageSize: pageSize });
      for await (const page of pages) for (const blob of page.segment.blobItems) keys.push(blob.name);
      return keys;
    },

    async delete(keys, { signal } = {}) {
      // One DELETE per blob (Azurite does not implement the blob batch API), 8 at a time; a
      // failure stops new deletes and is thrown once the ones in flight have ended.
      let deleted = 0;
      await forEachLimit(keys, 8, async (key) => {
        const res = await container.getBlobClient(key).deleteIfExists({ abortSignal: signal });
        if (res.succeeded) deleted += 1;
      }, signal);
      return deleted;
    },

    async close() {
      agents.destroy();
    },
  };
}
