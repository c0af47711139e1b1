/**
 * A local Cloud Storage endpoint speaking the subset of the JSON API that the official Node client
 * (@google-cloud/storage, `apiEndpoint`) and Google's CLI (`gcloud storage`, with
 * `api_endpoint_overrides/storage`) use: buckets (insert, get, list, delete), object uploads
 * (`uploadType=media`, `multipart` and `resumable` with 308 Resume Incomplete), object metadata and
 * media (with a byte range), listings with prefix, delimiter and page tokens, and delete.
 * Errors carry Google's JSON error shape. No npm package serves this API (firebase-tools' storage
 * emulator needs a Java rules runtime downloaded at start), so it is written here, on fastify, and
 * tested against the official client and, where the machine has it, gcloud.
 *
 * Like Google's own emulators it does not check credentials: it listens on 127.0.0.1 only.
 */
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { checkObjectName, conditionNotMet, GcsError, GcsObjects, type GcsObjectMeta } from './gcs-objects';
import { readBody } from './http-io';
import { ResumableSessions } from './gcs-resumable';
import { MultipartError, readMultipartRelated } from './gcs-multipart';
import { applyServerTimeouts, type ServerTimeouts } from './server-timeouts';

export interface GcsServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  /** Buckets that exist from the start. */
  buckets?: string[];
  timeouts?: Partial<ServerTimeouts>;
}

export interface RunningGcsServer {
  port: number;
  /** What the Node client's `apiEndpoint` and gcloud's storage endpoint override take. */
  apiEndpoint: string;
  close(): Promise<void>;
}

type Query = Record<string, string | undefined>;

/** The object resource as the JSON API returns it. */
function objectResource(base: string, m: GcsObjectMeta): object {
  const path = `b/${encodeURIComponent(m.bucket)}/o/${encodeURIComponent(m.name)}`;
  return {
    kind: 'storage#object',
    id: `${m.bucket}/${m.name}/${m.generation}`,
    selfLink: `${base}/storage/v1/${path}`,
    mediaLink: `${base}/download/storage/v1/${path}?generation=${m.generation}&alt=media`,
    ...m,
  };
}

function bucketResource(base: string, b: { name: string; timeCreated: string; location: string }): object {
  return {
    kind: 'storage#bucket',
    id: b.name,
    selfLink: `${base}/storage/v1/b/${b.name}`,
    name: b.name,
    projectNumber: '0',
    metageneration: '1',
    location: b.location,
    storageClass: 'STANDARD',
    etag: 'CAE=',
    timeCreated: b.timeCreated,
    updated: b.timeCreated,
    locationType: 'region',
  };
}

/** The object name from a `…/b/{bucket}/o/{object}` path (kept encoded by clients: "a%2Fb.jpg"). */
function objectNameOf(rawUrl: string): string {
  const pathname = rawUrl.split('?')[0];
  const at = pathname.indexOf('/o/');
  try {
    return checkObjectName(decodeURIComponent(pathname.slice(at + 3)));
  } catch (err) {
    if (err instanceof GcsError) throw err;
    throw new GcsError(400, 'invalid', 'The object name is not valid percent-encoding.');
  }
}

/** Reads a small JSON request body (bucket insert, resumable start); empty is `{}`. */
async function readJson(req: IncomingMessage, limit = 1 << 20): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  if (body.buffer === undefined) throw new GcsError(400, 'invalid', 'The JSON body is too large.');
  const text = body.buffer.toString('utf8').trim();
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new GcsError(400, 'parseError', 'Parse Error: the request body is not a JSON object.');
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}

/** `Range: bytes=a-b | a- | -n` against an object of `size` bytes; undefined for none or an unsatisfiable range. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    // A last byte before the first is not a valid range: ignored, the whole object is sent (RFC 9110).
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'unsatisfiable' : { start, end };
}

export async function startGcsServer(opts: GcsServerOptions): Promise<RunningGcsServer> {
  const store = new GcsObjects(opts.dataDir);
  for (const b of opts.buckets ?? []) {
    try {
      store.createBucket(b);
    } catch (err) {
      if (!(err instanceof GcsError && err.status === 409)) throw err;
    }
  }
  const sessions = new ResumableSessions(store);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  applyServerTimeouts(app.server, opts.timeouts);
  // Bodies are streamed by the handlers (uploads go to disk as they arrive), never parsed up front.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  let base = '';

  app.setErrorHandler((err, _req, reply) => {
    const e = err instanceof GcsError ? err : new GcsError(500, 'backendError', (err as Error).message);
    void reply.code(e.status).send({ error: { code: e.status, message: e.message, errors: [{ message: e.message, domain: 'global', reason: e.reason }] } });
  });
  app.setNotFoundHandler((req, reply) => {
    req.raw.resume();
    void reply.code(404).send({ error: { code: 404, message: `Not Found: ${req.method} ${req.url.split('?')[0]}`, errors: [{ message: 'Not Found', domain: 'global', reason: 'notFound' }] } });
  });

  // ── buckets ──
  app.get('/storage/v1/b', async () => ({ kind: 'storage#buckets', items: store.buckets().map((b) => bucketResource(base, b)) }));
  app.post('/storage/v1/b', async (req) => {
    const body = await readJson(req.raw);
    return bucketResource(base, store.createBucket(String(body.name ?? ''), typeof body.location === 'string' ? body.location.toUpperCase() : undefined));
  });
  app.get<{ Params: { bucket: string } }>('/storage/v1/b/:bucket', async (req) => bucketResource(base, store.bucket(req.params.bucket)));
  app.delete<{ Params: { bucket: string } }>('/storage/v1/b/:bucket', async (req, reply) => {
    store.deleteBucket(req.params.bucket);
    return reply.code(204).send();
  });

  // ── objects: list, metadata, media, delete ──
  app.get<{ Params: { bucket: string }; Querystring: Query }>('/storage/v1/b/:bucket/o', async (req) => {
    const q = req.query;
    const maxResults = Math.min(Math.max(Number(q.maxResults ?? 1000) || 1000, 1), 1000);
    let after: string | undefined;
    if (q.pageToken) after = Buffer.from(q.pageToken, 'base64url').toString('utf8');
    const page = store.list(req.params.bucket, { prefix: q.prefix, delimiter: q.delimiter, maxResults, after, startOffset: q.startOffset, endOffset: q.endOffset });
    return {
      kind: 'storage#objects',
      ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
      ...(page.items.length > 0 ? { items: page.items.map((m) => objectResource(base, m)) } : {}),
      ...(page.nextAfter !== undefined ? { nextPageToken: Buffer.from(page.nextAfter).toString('base64url') } : {}),
    };
  });

  async function getObject(req: FastifyRequest<{ Params: { bucket: string }; Querystring: Query }>, reply: FastifyReply, media: boolean) {
    const meta = store.get(req.params.bucket, objectNameOf(req.raw.url ?? ''));
    if (req.query.generation && req.query.generation !== meta.generation) throw new GcsError(404, 'notFound', `No such object: ${meta.bucket}/${meta.name}#${req.query.generation}`);
    if (req.query.ifGenerationMatch !== undefined && req.query.ifGenerationMatch !== meta.generation) throw conditionNotMet();
    if (!media && req.query.alt !== 'media') return objectResource(base, meta);
    const size = Number(meta.size);
    const range = byteRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      void reply.header('Content-Range', `bytes */${size}`);
      throw new GcsError(416, 'requestedRangeNotSatisfiable', 'The requested range cannot be satisfied.');
    }
    void reply.headers({
      'Content-Type': meta.contentType,
      'Content-Length': String(range ? range.end - range.start + 1 : size),
      'x-goog-hash': `crc32c=${meta.crc32c},md5=${meta.md5Hash}`,
      'x-goog-generation': meta.generation,
      'x-goog-metageneration': meta.metageneration,
      'x-goog-stored-content-length': meta.size,
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-storage-class': meta.storageClass,
      'Accept-Ranges': 'bytes',
      ETag: meta.etag,
      'Last-Modified': new Date(meta.updated).toUTCString(),
    });
    if (range) void reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    return reply.send(store.read(meta, range));
  }
  app.get<{ Params: { bucket: string }; Querystring: Query }>('/storage/v1/b/:bucket/o/*', (req, reply) => getObject(req, reply, false));
  app.get<{ Params: { bucket: string }; Querystring: Query }>('/download/storage/v1/b/:bucket/o/*', (req, reply) => getObject(req, reply, true));
  app.delete<{ Params: { bucket: string }; Querystring: Query }>('/storage/v1/b/:bucket/o/*', async (req, reply) => {
    store.delete(req.params.bucket, objectNameOf(req.raw.url ?? ''), req.query.ifGenerationMatch);
    return reply.code(204).send();
  });

  // ── uploads ──
  // gcloud (apitools) sends resumable uploads to /resumable/upload/…; the Node client to /upload/….
  const UPLOAD_PATHS = ['/upload/storage/v1/b/:bucket/o', '/resumable/upload/storage/v1/b/:bucket/o'];
  app.post<{ Params: { bucket: string }; Querystring: Query }>(UPLOAD_PATHS[0], upload);
  app.post<{ Params: { bucket: string }; Querystring: Query }>(UPLOAD_PATHS[1], upload);
  async function upload(req: FastifyRequest<{ Params: { bucket: string }; Querystring: Query }>, reply: FastifyReply) {
    const { bucket } = req.params;
    store.bucket(bucket); // 404 before any byte is stored
    const q = req.query;
    const contentType = req.headers['content-type'];
    if (q.uploadType === 'media') {
      const meta = await store.put(bucket, checkObjectName(q.name), req.raw, { contentType, ifGenerationMatch: q.ifGenerationMatch });
      return objectResource(base, meta);
    }
    if (q.uploadType === 'multipart') {
      // gcloud quotes the boundary with single quotes.
      const boundary = /boundary=(?:"([^"]+)"|'([^']+)'|([^;\s]+))/i.exec(contentType ?? '')?.slice(1).find(Boolean);
      if (!/^multipart\/related/i.test(contentType ?? '') || !boundary) throw new GcsError(400, 'invalid', 'A multipart upload needs Content-Type multipart/related with a boundary.');
      const malformed = (err: unknown) => (err instanceof MultipartError ? new GcsError(400, 'invalid', `Malformed multipart body: ${err.message}`) : err);
      const part = await readMultipartRelated(req.raw, boundary).catch((err: unknown) => {
        throw malformed(err);
      });
      const name = checkObjectName(typeof part.metadata.name === 'string' ? part.metadata.name : q.name);
      const meta = await store
        .put(bucket, name, Readable.from(part.media), {
          contentType: (typeof part.metadata.contentType === 'string' ? part.metadata.contentType : undefined) ?? part.contentType,
          metadata: stringMap(part.metadata.metadata),
          ifGenerationMatch: q.ifGenerationMatch,
        })
        .catch((err: unknown) => {
          throw malformed(err);
        });
      return objectResource(base, meta);
    }
    if (q.uploadType === 'resumable') {
      const body = await readJson(req.raw);
      const id = sessions.start({
        bucket,
        name: checkObjectName(typeof body.name === 'string' ? body.name : q.name),
        contentType: (typeof body.contentType === 'string' ? body.contentType : undefined) ?? (req.headers['x-upload-content-type'] as string | undefined),
        metadata: stringMap(body.metadata),
        ifGenerationMatch: q.ifGenerationMatch,
      });
      const location = `${base}${req.url.startsWith('/resumable/') ? '/resumable' : ''}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}`;
      return reply.code(200).headers({ Location: location, 'X-GUploader-UploadID': id }).send();
    }
    req.raw.resume();
    throw new GcsError(400, 'invalid', `Unsupported uploadType ${JSON.stringify(q.uploadType ?? '')}: use media, multipart or resumable.`);
  }

  // A resumable upload's chunks (and status queries: `Content-Range: bytes */TOTAL`).
  for (const url of UPLOAD_PATHS) {
    app.put<{ Querystring: Query }>(url, chunk);
    app.delete<{ Querystring: Query }>(url, cancel);
  }
  async function chunk(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) {
    const range = req.headers['content-range'];
    const outcome = await sessions.put(req.query.upload_id ?? '', typeof range === 'string' ? range : undefined, Number(req.headers['content-length'] ?? 0), req.raw);
    if ('done' in outcome) return objectResource(base, outcome.done);
    void reply.code(308);
    if (outcome.received > 0) void reply.header('Range', `bytes=0-${outcome.received - 1}`);
    return reply.send();
  }
  async function cancel(req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) {
    req.raw.resume();
    sessions.cancel(req.query.upload_id ?? '');
    return reply.code(499).send();
  }

  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const { port } = app.server.address() as { port: number };
  base = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return {
    port,
    apiEndpoint: base,
    async close() {
      await app.close();
      sessions.closeAll();
    },
  };
}
