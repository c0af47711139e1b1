/**
 * Resumable upload sessions of the local Cloud Storage endpoint: a session's bytes gather in a temp
 * file across PUTs (`Content-Range: bytes START-END/TOTAL`, `START-*` for "the rest of the object
 * in this request", `*` for an unknown total; `bytes *\/TOTAL` asks for the status). The PUTs of one
 * session run one at a time (a client retrying while its first attempt still sends must not
 * interleave bytes), the received count is what is on disk (bytes a cut-off request buffered but
 * never wrote are not claimed), a finished session still answers with its object (a client whose
 * final reply was lost asks again), and idle sessions expire with their files.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GcsError, type GcsObjectMeta, type GcsObjects, type StoreOptions } from './gcs-objects';

export interface SessionTarget extends StoreOptions {
  bucket: string;
  name: string;
}

interface Session extends SessionTarget {
  file: string;
  received: number;
  lastUsed: number;
  /** The PUT in progress; the next one waits for it. */
  busy: Promise<unknown>;
}

export type ChunkOutcome = { done: GcsObjectMeta } | { received: number };

const RANGE = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/;
const FINISHED_KEPT = 1000;

export class ResumableSessions {
  private readonly live = new Map<string, Session>();
  private readonly finished = new Map<string, GcsObjectMeta>();

  constructor(
    private readonly store: GcsObjects,
    /** A session unused this long is dropped (GCS keeps them a week; a local stack needs less). */
    private readonly idleMs = 3_600_000,
  ) {}

  start(target: SessionTarget): string {
    this.expireIdle();
    const id = randomBytes(16).toString('base64url');
    this.live.set(id, { ...target, file: this.store.tempFile(), received: 0, lastUsed: Date.now(), busy: Promise.resolve() });
    return id;
  }

  /** One PUT to a session: its bytes appended in order, or the session's status when it carries none. */
  put(id: string, contentRange: string | undefined, contentLength: number, body: Readable): Promise<ChunkOutcome> {
    const session = this.live.get(id);
    if (!session) {
      body.resume();
      const done = this.finished.get(id);
      if (done) return Promise.resolve({ done });
      return Promise.reject(new GcsError(404, 'notFound', 'No such upload session (it expired, was cancelled, or never existed).'));
    }
    const run = session.busy.then(() => this.apply(id, session, contentRange, contentLength, body));
    session.busy = run.catch(() => undefined);
    return run;
  }

  cancel(id: string): void {
    const session = this.live.get(id);
    if (!session) return;
    this.live.delete(id);
    fs.rmSync(session.file, { force: true });
  }

  closeAll(): void {
    for (const id of [...this.live.keys()]) this.cancel(id);
  }

  private async apply(id: string, session: Session, contentRange: string | undefined, contentLength: number, body: Readable): Promise<ChunkOutcome> {
    if (this.live.get(id) !== session) {
      // Finished or cancelled while this request waited its turn.
      body.resume();
      const done = this.finished.get(id);
      if (done) return { done };
      throw new GcsError(404, 'notFound', 'No such upload session (it was cancelled).');
    }
    session.lastUsed = Date.now();
    // No Content-Range: the whole object in this one request.
    const m = RANGE.exec((contentRange ?? `bytes 0-*/${contentLength}`).trim());
    if (!m) {
      body.resume();
      throw new GcsError(400, 'invalid', `Bad Content-Range ${JSON.stringify(contentRange)}: expected bytes START-END/TOTAL, START-*/TOTAL or */TOTAL (TOTAL may be *).`);
    }
    const carriesBytes = m[1] !== undefined;
    const start = carriesBytes ? Number(m[1]) : session.received;
    const toTheEnd = m[2] === '*';
    let total = m[3] === '*' ? undefined : Number(m[3]);
    if (start > session.received) {
      body.resume();
      throw new GcsError(400, 'invalid', `The chunk starts at byte ${start} but only ${session.received} bytes were received.`);
    }
    if (carriesBytes) {
      // Bytes the session already has (a client resending after a lost reply) are skipped.
      let skip = session.received - start;
      try {
        await pipeline(
          body,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              const keep = skip >= chunk.length ? undefined : chunk.subarray(skip);
              skip = Math.max(0, skip - chunk.length);
              if (keep) yield keep;
            }
          },
          fs.createWriteStream(session.file, { flags: 'a' }),
        );
      } finally {
        // What is on disk, whatever happened to the request: a cut-off one may have buffered more than it wrote.
        session.received = fs.statSync(session.file).size;
      }
      // `START-*` with an unknown total: this request carried the rest of the object.
      if (toTheEnd && total === undefined) total = session.received;
    } else body.resume();
    if (total === undefined || session.received < total) return { received: session.received };
    this.live.delete(id);
    const meta = await this.store.commitFile(session.bucket, session.name, session.file, session);
    this.finished.set(id, meta);
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!);
    return { done: meta };
  }

  private expireIdle(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [id, s] of this.live) if (s.lastUsed < cutoff) this.cancel(id);
  }
}
