/**
 * The web application: the study's detect page (an image to every chosen platform, boxes side by
 * side) and the runs page (run folders, their reports and files, a running run live). fastify
 * (kept, fast, schema-checked routes, body limits built in) serves the API and the static pages.
 *
 * Safety: 127.0.0.1 unless told otherwise, and then every request needs the token printed at
 * start; uploads are limited in size and must be JPEG or PNG; runs are reached by id and files by
 * a fixed list of names (no path from a request is ever joined); platform descriptions carry no
 * secrets; a content security policy keeps the pages from loading anything off this server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { analysisOf, sniffContentType, verdictLine, type PlatformConfig } from '../index';
import { DetectService } from './detect-service';
import { batchRowsOf, progressChart, RunFolders } from './run-files';
import { sampleNames, samplePath } from './samples';

export interface AppOptions {
  platforms: Record<string, PlatformConfig>;
  outDir: string;
  host?: string;
  port?: number;
  /** Largest upload, bytes (default 6 MiB: SageMaker's real-time payload limit). */
  maxUploadBytes?: number;
  /** Required when host is not loopback; generated when absent. */
  token?: string;
}

export interface RunningApp {
  url: string;
  /** Set when the app listens beyond loopback: every request must carry it. */
  token: string | null;
  close(): Promise<void>;
}

const DEFAULT_MAX_UPLOAD = 6 * 1024 * 1024;
const PUBLIC_DIR = path.resolve(__dirname, '..', '..', 'app', 'public');
const PAGES: Record<string, string> = { '/': 'detect.html', '/runs': 'runs.html' };
const ASSETS: Record<string, string> = { '/app.css': 'text/css', '/common.js': 'text/javascript', '/detect.js': 'text/javascript', '/runs.js': 'text/javascript' };
const CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const fail = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ error: message });

function tokenOk(req: FastifyRequest, token: string): boolean {
  const same = (given: unknown) => {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given.trim());
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  // The header and the query are tried each on its own (a proxy may add an Authorization header of its own).
  return same(req.headers.authorization?.replace(/^Bearer\s+/i, '')) || same((req.query as Record<string, unknown> | undefined)?.token);
}

/**
 * On loopback without a token, only requests addressed to loopback are served: a web page whose
 * domain was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused.
 */
function hostOk(req: FastifyRequest): boolean {
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const host = opts.host ?? '127.0.0.1';
  const token = LOOPBACK.has(host) ? null : (opts.token ?? randomBytes(18).toString('base64url'));
  const maxUpload = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD;
  const detect = new DetectService(opts.platforms);
  const runs = new RunFolders(opts.outDir);
  // forceCloseConnections: close() must not wait for a live-progress stream or a keep-alive socket.
  const app: FastifyInstance = Fastify({ bodyLimit: maxUpload, logger: false, forceCloseConnections: true });

  app.addContentTypeParser(/^image\/.*/, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (req, reply) => {
    reply.header('Content-Security-Policy', CSP).header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer');
    if (token && !tokenOk(req, token)) return fail(reply, 401, 'this app needs its token: open the URL it printed at start (…?token=…)');
    if (!token && !hostOk(req)) return fail(reply, 403, 'this app answers only requests addressed to 127.0.0.1 or localhost');
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 413, `the image is larger than ${(maxUpload / 2 ** 20).toFixed(0)} MiB, the upload limit`);
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return fail(reply, 415, 'send the image bytes as image/jpeg or image/png');
    if (err.statusCode && err.statusCode < 500) return fail(reply, err.statusCode, err.message);
    return fail(reply, 500, `internal error: ${err.message}`);
  });

  for (const [route, file] of Object.entries(PAGES)) {
    app.get(route, async (_req, reply) => reply.type('text/html; charset=utf-8').send(fs.readFileSync(path.join(PUBLIC_DIR, file))));
  }
  for (const [route, type] of Object.entries(ASSETS)) {
    app.get(route, async (_req, reply) => reply.type(type).send(fs.readFileSync(path.join(PUBLIC_DIR, route.slice(1)))));
  }

  app.get('/api/platforms', async () => ({ platforms: detect.describe(), maxUploadBytes: maxUpload }));
  app.get('/api/samples', async () => ({ samples: sampleNames() }));
  app.get<{ Params: { name: string } }>('/samples/:name', async (req, reply) => {
    const file = samplePath(req.params.name);
    if (!file) return fail(reply, 404, `no sample photo "${req.params.name}"`);
    return reply.type('image/jpeg').send(fs.readFileSync(file));
  });

  app.post<{ Querystring: { platforms?: string; iou?: string } }>('/api/detect', async (req, reply) => {
    const body = req.body;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (!/^image\//i.test(type) && type.toLowerCase() !== 'application/octet-stream') return fail(reply, 415, 'send the image bytes as image/jpeg or image/png');
    if (!Buffer.isBuffer(body) || body.length === 0) return fail(reply, 400, 'no image: send the image bytes as the request body');
    // What the bytes are, whatever the request claims.
    const kind = sniffContentType(body);
    if (!kind) return fail(reply, 415, 'that is not a JPEG or PNG image');
    const names = (req.query.platforms ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) return fail(reply, 400, 'choose at least one platform');
    const unknown = names.filter((n) => !detect.has(n));
    if (unknown.length) return fail(reply, 400, `unknown platform ${unknown.map((n) => JSON.stringify(n)).join(', ')} (this app has ${detect.describe().map((p) => p.name).join(', ')})`);
    const iouText = req.query.iou ?? '0.5';
    const threshold = Number(iouText);
    if (!(threshold > 0 && threshold <= 1)) return fail(reply, 400, `iou must be a number in (0, 1], got ${JSON.stringify(iouText)}`);
    return detect.detect(body, kind, names, threshold);
  });

  app.get('/api/runs', async () => ({ outDir: path.resolve(opts.outDir), runs: runs.list() }));
  app.get<{ Params: { id: string } }>('/api/runs/:id/summary', async (req, reply) => {
    const dir = runs.dirOf(req.params.id);
    if (!dir) return fail(reply, 404, `no run "${req.params.id}" in ${path.resolve(opts.outDir)}`);
    try {
      const { model, from } = await analysisOf(dir);
      return {
        from,
        verdicts: model.metrics.map((m) => verdictLine(m, model.alpha)),
        requirements: model.requirements.requirements.map((r) => ({ title: r.title, best: r.best })),
        capacity: model.load ? { target: `p${model.load.slo.percentile} ≤ ${model.load.slo.ms} ms`, verdict: model.load.verdict.text, platforms: model.load.capacity.map((c) => ({ platform: c.platform, rps: c.capacityRps, atLeast: c.failing === null })) } : null,
      };
    } catch (err) {
      return fail(reply, 409, `this run cannot be analysed yet: ${(err as Error).message.split('\n')[0]}`);
    }
  });
  app.get<{ Params: { id: string; name: string } }>('/runs/:id/files/:name', async (req, reply) => {
    const found = runs.file(req.params.id, req.params.name);
    if (!found) return fail(reply, 404, `no file "${req.params.name}" in a run "${req.params.id}" of ${path.resolve(opts.outDir)}`);
    const download = !req.params.name.endsWith('.html') && !req.params.name.endsWith('.pdf');
    if (download) reply.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(`${req.params.id}-${req.params.name}`)}`);
    // The report is our own self-contained page: it may use its inline styles (and nothing else).
    if (req.params.name === 'report.html') reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    return reply.type(found.type).send(fs.createReadStream(found.file));
  });
  app.get<{ Params: { id: string } }>('/api/runs/:id/events', async (req, reply) => {
    const dir = runs.dirOf(req.params.id);
    if (!dir) return fail(reply, 404, `no run "${req.params.id}" in ${path.resolve(opts.outDir)}`);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'Content-Security-Policy': CSP });
    res.flushHeaders(); // the page sees the stream open even before the first update
    let sent = -1;
    let status = '';
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      res.end();
    };
    const tick = async () => {
      if (closed) return;
      try {
        const state = runs.state(dir);
        const rows = batchRowsOf(dir);
        if (rows.length !== sent || state.status !== status) {
          sent = rows.length;
          status = state.status;
          const chart = await progressChart(rows, state.platforms).catch(() => null);
          if (closed) return;
          res.write(`data: ${JSON.stringify({ status, batches: rows.length, plannedBatches: state.plannedBatches * state.platforms.length, last: rows[rows.length - 1] ?? null, chart })}\n\n`);
        }
        if (status !== 'running') return stop();
        timer = setTimeout(() => void tick(), 1000);
      } catch (err) {
        // A file caught mid-write or gone: say so and end the stream; the server carries on.
        if (!closed) res.write(`event: failure\ndata: ${JSON.stringify({ error: (err as Error).message })}\n\n`);
        stop();
      }
    };
    req.raw.on('close', () => {
      closed = true;
      clearTimeout(timer);
    });
    await tick();
  });

  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port ?? 0;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token ? `?token=${token}` : ''}`,
    token,
    async close() {
      await app.close();
      await detect.close();
    },
  };
}
