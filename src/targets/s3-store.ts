import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Readable } from 'node:stream';
import type { S3TargetConfig } from '../config/targets';
import { abortable, trackCall } from './call-context';
import { createDeadlineAgents } from './deadline-agent';
import { callRecord, downloadBody, startCall } from './measure';
import { createRetryStrategy, DEFAULT_RETRY } from './retry';
import { DEFAULT_TIMEOUTS } from './timeouts';
import type { AdapterOptions, GetResult, ObjectStore } from './types';

interface SdkError {
  $metadata?: { attempts?: number; httpStatusCode?: number };
  name?: string;
}

/**
 * S3 (or any S3-compatible store) through @aws-sdk/client-s3.
 *
 * Against a custom endpoint (emulators) flexible checksums are only used when an operation
 * requires them: s3rver stores `aws-chunked` stream uploads with the chunk framing inside the
 * object. Real AWS keeps the SDK defaults (CRC32 on every upload).
 *
 * CPU: measured calls go through smithy's handler cache (`cacheMiddleware`: the middleware stack
 * is resolved once per command class, not per request), which the SDK only uses for calls made
 * without per-call options; so the caller's signal goes to the deadline agent (which ends the
 * attempt) and to the awaiting caller, not to `send()`.
 */
export function createS3Store(cfg: S3TargetConfig, opts: AdapterOptions = {}): ObjectStore {
  const custom = cfg.endpoint !== undefined;
  const uploadTimeouts = opts.timeouts?.upload ?? DEFAULT_TIMEOUTS;
  const downloadTimeouts = opts.timeouts?.download ?? DEFAULT_TIMEOUTS;
  const retry = opts.retry ?? DEFAULT_RETRY;
  // Housekeeping calls (head, create, list, delete) run outside a measured call: upload deadlines.
  const agents = createDeadlineAgents(uploadTimeouts);
  const retryStrategy = createRetryStrategy(retry);
  const clientConfig: S3ClientConfig = {
    region: cfg.region,
    ...(custom ? { endpoint: cfg.endpoint, forcePathStyle: cfg.forcePathStyle ?? true } : {}),
    ...(cfg.forcePathStyle !== undefined ? { forcePathStyle: cfg.forcePathStyle } : {}),
    // A copy: the SDK writes tracking fields ($source) into the credentials object it is given.
    ...(cfg.credentials ? { credentials: { ...cfg.credentials } } : {}),
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    requestHandler: new NodeHttpHandler({ httpAgent: agents.http, httpsAgent: agents.https }),
    retryStrategy,
    cacheMiddleware: true,
  };
  const client = new S3Client(clientConfig);
  // For a download's re-requests after its body broke: one attempt each, within the call's budget.
  const onceClient = new S3Client({ ...clientConfig, requestHandler: new NodeHttpHandler({ httpAgent: agents.http, httpsAgent: agents.https }), retryStrategy: createRetryStrategy({ maxAttempts: 1 }) });
  const Bucket = cfg.bucket;

  return {
    kind: 's3',
    location: `s3://${Bucket} (${cfg.region}${custom ? `, ${cfg.endpoint}` : ''})`,

    async ensureContainer({ signal } = {}) {
      try {
        await client.send(new HeadBucketCommand({ Bucket }), { abortSignal: signal });
        return;
      } catch (err) {
        const status = (err as SdkError).$metadata?.httpStatusCode;
        // HEAD answers carry no error body, so the SDK cannot name the error: say what the status means.
        if (status === 403) {
          throw new Error(`HeadBucket ${Bucket}: 403 Forbidden (wrong credentials, or no s3:ListBucket permission on the bucket)`);
        }
        if (status === 301) throw new Error(`HeadBucket ${Bucket}: 301 (the bucket is in another region than ${cfg.region})`);
        if (status !== 404 && (err as SdkError).name !== 'NotFound') throw err;
      }
      await client.send(
        new CreateBucketCommand({
          Bucket,
          // us-east-1 is the one region that must not be named as a location constraint.
          ...(custom || cfg.region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: cfg.region as never } }),
        }),
        { abortSignal: signal },
      );
    },

    async put(key, body, size, { signal } = {}) {
      const clock = startCall();
      const outcome = await trackCall(uploadTimeouts, signal, () =>
        abortable(signal, client.send(new PutObjectCommand({ Bucket, Key: key, Body: body as Buffer | Readable, ContentLength: size }))),
      );
      return callRecord(clock, size, outcome);
    },

    async get(key, { signal, toFile } = {}): Promise<GetResult> {
      const clock = startCall();
      const outcome = await trackCall(downloadTimeouts, signal, (call) =>
        downloadBody(
          async (again) => (await abortable(signal, (again ? onceClient : client).send(new GetObjectCommand({ Bucket, Key: key })))).Body as AsyncIterable<Uint8Array>,
          { call, maxAttempts: retry.maxAttempts, strategy: retryStrategy, sinceStart: clock.elapsed, toFile },
        ),
      );
      const got = outcome.value;
      return { body: got?.body, record: callRecord(clock, got?.bytes ?? 0, outcome, { ttfbMs: got?.ttfbMs }) };
    },

    async list(prefix, { pageSize, signal } = {}) {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const out = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken, MaxKeys: pageSize }), { abortSignal: signal });
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys;
    },

    async delete(keys, { signal } = {}) {
      let deleted = 0;
      // DeleteObjects takes at most 1000 keys per request.
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        const out = await client.send(
          new DeleteObjectsCommand({ Bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: false } }),
          { abortSignal: signal },
        );
        if (out.Errors && out.Errors.length > 0) {
          const first = out.Errors[0];
          throw new Error(`S3 refused to delete ${out.Errors.length} object(s), e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`);
        }
        deleted += out.Deleted?.length ?? chunk.length;
      }
      return deleted;
    },

    async close() {
      client.destroy();
      onceClient.destroy();
      agents.destroy();
    },
  };
}
