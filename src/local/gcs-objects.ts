/**
 * The local Cloud Storage endpoint's buckets and objects on disk (gcs-server.ts speaks the JSON API
 * over them). An object's bytes live in a file named by the SHA-256 of its name (GCS names are up
 * to 1,024 bytes and may hold any character; a file name may not), its metadata in a JSON file
 * beside it; a sorted index of names per bucket, rebuilt from the metadata at start, answers
 * listings in name order. Bytes are streamed in and out and hashed on the way (MD5 and CRC32C, the
 * hashes GCS reports), so an object of any size never sits in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable, type Readable } from 'node:stream';
import { CRC32C } from '@google-cloud/storage';

export interface GcsObjectMeta {
  name: string;
  bucket: string;
  generation: string;
  metageneration: string;
  contentType: string;
  size: string;
  md5Hash: string;
  crc32c: string;
  etag: string;
  timeCreated: string;
  updated: string;
  storageClass: 'STANDARD';
  metadata?: Record<string, string>;
}

export interface GcsBucketMeta {
  name: string;
  timeCreated: string;
  location: string;
}

/** A request the JSON API answers with an error status and reason (gcs-server.ts renders it). */
export class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** What an upload sets besides its bytes; `ifGenerationMatch` is GCS's precondition (0: the object must not exist yet). */
export interface StoreOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  ifGenerationMatch?: string;
}

/** GCS's answer when an `ifGenerationMatch` precondition does not hold. */
export function conditionNotMet(): GcsError {
  return new GcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  maxResults: number;
  /** Continue after this name (the page token decodes to it). */
  after?: string;
  startOffset?: string;
  endOffset?: string;
}

export interface ListPage {
  items: GcsObjectMeta[];
  prefixes: string[];
  /** The last name or prefix of this page, when more follow. */
  nextAfter?: string;
}

/** Checks an object name the way GCS does: 1–1,024 UTF-8 bytes, no CR/LF, not "." or "..". */
export function checkObjectName(name: string | undefined): string {
  if (!name) throw new GcsError(400, 'required', 'Required parameter: name');
  if (Buffer.byteLength(name) > 1024) throw new GcsError(400, 'invalid', 'The object name is longer than 1024 bytes.');
  if (/[\r\n]/.test(name) || name === '.' || name === '..') throw new GcsError(400, 'invalid', `The object name ${JSON.stringify(name)} is not valid.`);
  return name;
}

/** GCS's rule: 3–63 characters, or up to 222 with dots, each dot-separated part at most 63; no "..". */
export function isBucketName(name: string): boolean {
  if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name) || name.includes('..')) return false;
  return name.includes('.') ? name.split('.').every((p) => p.length > 0 && p.length <= 63) : name.length <= 63;
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * GCS lists names in UTF-8 byte order. JavaScript's `<` compares UTF-16 units, which agrees except
 * where a character beyond U+FFFF (a surrogate pair) meets one in U+E000–U+FFFF.
 */
function byUtf8(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Binary search: the index of the first name ≥ `name` (> when `after`). */
function lowerBound(sorted: string[], name: string, after = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = byUtf8(sorted[mid], name);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Hashes the bytes passing through: GCS's base64 MD5 and CRC32C, and the count. */
function hashing(): Transform & { result(): { md5Hash: string; crc32c: string; size: number } } {
  const md5 = createHash('md5');
  const crc = new CRC32C();
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      md5.update(chunk);
      crc.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return Object.assign(t, { result: () => ({ md5Hash: md5.digest('base64'), crc32c: crc.toString(), size }) });
}

export class GcsObjects {
  private readonly index = new Map<string, { names: string[]; meta: Map<string, GcsObjectMeta>; bucket: GcsBucketMeta }>();
  private lastGeneration = 0;

  constructor(private readonly root: string) {
    // Uploads in progress when a stack stopped are of no one's any more. The folder's name starts
    // with a dot, which no bucket name can: a bucket named "tmp" lives beside it, not in it.
    fs.rmSync(this.tmpDir(), { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir(), { recursive: true });
    for (const bucket of fs.readdirSync(root)) {
      if (bucket.startsWith('.')) continue;
      const file = path.join(root, bucket, 'bucket.json');
      if (!fs.existsSync(file)) continue;
      const entry = { names: [] as string[], meta: new Map<string, GcsObjectMeta>(), bucket: JSON.parse(fs.readFileSync(file, 'utf8')) as GcsBucketMeta };
      for (const f of fs.readdirSync(path.join(root, bucket, 'objects'))) {
        if (!f.endsWith('.json')) continue;
        const meta = JSON.parse(fs.readFileSync(path.join(root, bucket, 'objects', f), 'utf8')) as GcsObjectMeta;
        entry.meta.set(meta.name, meta);
      }
      entry.names = [...entry.meta.keys()].sort(byUtf8);
      this.index.set(bucket, entry);
    }
  }

  createBucket(name: string, location = 'US-CENTRAL1'): GcsBucketMeta {
    if (!isBucketName(name)) throw new GcsError(400, 'invalid', `Invalid bucket name: '${name}'`);
    if (this.index.has(name)) throw new GcsError(409, 'conflict', 'Your previous request to create the named bucket succeeded and you already own it.');
    const bucket: GcsBucketMeta = { name, timeCreated: new Date().toISOString(), location };
    fs.mkdirSync(path.join(this.root, name, 'objects'), { recursive: true });
    fs.writeFileSync(path.join(this.root, name, 'bucket.json'), JSON.stringify(bucket));
    this.index.set(name, { names: [], meta: new Map(), bucket });
    return bucket;
  }

  bucket(name: string): GcsBucketMeta {
    return this.entry(name).bucket;
  }

  buckets(): GcsBucketMeta[] {
    return [...this.index.values()].map((e) => e.bucket).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  deleteBucket(name: string): void {
    const entry = this.entry(name);
    if (entry.names.length > 0) throw new GcsError(409, 'conflict', 'The bucket you tried to delete is not empty.');
    fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
    this.index.delete(name);
  }

  get(bucket: string, name: string): GcsObjectMeta {
    const meta = this.entry(bucket).meta.get(name);
    if (!meta) throw new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);
    return meta;
  }

  /** The object's bytes from `start` to `end` inclusive (the whole object when absent). */
  read(meta: GcsObjectMeta, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.dataPath(meta.bucket, meta.name), range ?? {});
  }

  /** A fresh file to receive an upload (a resumable upload's bytes gather in it across requests). */
  tempFile(): string {
    const file = path.join(this.tmpDir(), randomBytes(12).toString('hex'));
    fs.writeFileSync(file, '');
    return file;
  }

  /**
   * Stores `body` as the object, replacing any earlier generation; the bytes go to a temp file
   * first and are renamed into place, so a reader never sees half an object.
   */
  put(bucket: string, name: string, body: Readable, opts: StoreOptions = {}): Promise<GcsObjectMeta> {
    const tmp = this.tempFile();
    return this.hashThenCommit(bucket, name, tmp, body, fs.createWriteStream(tmp), opts);
  }

  /** Stores a finished temp file (a resumable upload's) as the object: read once to hash it, then renamed into place. */
  commitFile(bucket: string, name: string, tmp: string, opts: StoreOptions = {}): Promise<GcsObjectMeta> {
    return this.hashThenCommit(bucket, name, tmp, fs.createReadStream(tmp), new Writable({ write: (_chunk, _enc, done) => done() }), opts);
  }

  /** Hashes `source` on its way to `sink` (the temp file, or nowhere when it is already there), then commits `tmp`. */
  private async hashThenCommit(bucket: string, name: string, tmp: string, source: Readable, sink: Writable, opts: StoreOptions): Promise<GcsObjectMeta> {
    const hash = hashing();
    try {
      await pipeline(source, hash, sink);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    return this.commit(bucket, name, tmp, hash.result(), opts);
  }

  private commit(bucket: string, name: string, tmp: string, hashes: { md5Hash: string; crc32c: string; size: number }, opts: StoreOptions): GcsObjectMeta {
    try {
      const entry = this.entry(bucket);
      const existing = entry.meta.get(name);
      if (opts.ifGenerationMatch !== undefined && opts.ifGenerationMatch !== (existing?.generation ?? '0')) throw conditionNotMet();
      const now = new Date().toISOString();
      // Microseconds since the epoch, as GCS's generations are; strictly increasing.
      this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
      const meta: GcsObjectMeta = {
        name,
        bucket,
        generation: String(this.lastGeneration),
        metageneration: '1',
        contentType: opts.contentType || 'application/octet-stream',
        size: String(hashes.size),
        md5Hash: hashes.md5Hash,
        crc32c: hashes.crc32c,
        etag: Buffer.from(String(this.lastGeneration)).toString('base64'),
        timeCreated: now,
        updated: now,
        storageClass: 'STANDARD',
        ...(opts.metadata && Object.keys(opts.metadata).length > 0 ? { metadata: opts.metadata } : {}),
      };
      fs.renameSync(tmp, this.dataPath(bucket, name));
      fs.writeFileSync(`${this.dataPath(bucket, name)}.json`, JSON.stringify(meta));
      if (!existing) entry.names.splice(lowerBound(entry.names, name), 0, name);
      entry.meta.set(name, meta);
      return meta;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** `ifGenerationMatch`: delete only that generation (GCS's precondition). */
  delete(bucket: string, name: string, ifGenerationMatch?: string): void {
    const entry = this.entry(bucket);
    const meta = entry.meta.get(name);
    if (!meta) throw new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);
    if (ifGenerationMatch !== undefined && ifGenerationMatch !== meta.generation) throw conditionNotMet();
    entry.meta.delete(name);
    entry.names.splice(lowerBound(entry.names, name), 1);
    fs.rmSync(this.dataPath(bucket, name), { force: true });
    fs.rmSync(`${this.dataPath(bucket, name)}.json`, { force: true });
  }

  /** One page of a listing in name order; with a delimiter, names past it fold into prefixes (both count toward maxResults, as in GCS). */
  list(bucket: string, o: ListOptions): ListPage {
    const { names, meta } = this.entry(bucket);
    const prefix = o.prefix ?? '';
    let i = lowerBound(names, prefix);
    if (o.startOffset !== undefined) i = Math.max(i, lowerBound(names, o.startOffset));
    if (o.after !== undefined) i = Math.max(i, lowerBound(names, o.after, true));
    const items: GcsObjectMeta[] = [];
    const prefixes: string[] = [];
    let last: string | undefined;
    for (; i < names.length; i++) {
      const name = names[i];
      if (!name.startsWith(prefix) || (o.endOffset !== undefined && byUtf8(name, o.endOffset) >= 0)) break;
      if (items.length + prefixes.length >= o.maxResults) return { items, prefixes, nextAfter: last };
      const cut = o.delimiter ? name.indexOf(o.delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const folded = name.slice(0, cut + o.delimiter!.length);
        prefixes.push(folded);
        // Skip every name under this prefix: the page continues after the whole group.
        last = `${folded}\uffff`;
        i = lowerBound(names, last) - 1;
      } else {
        items.push(meta.get(name)!);
        last = name;
      }
    }
    return { items, prefixes };
  }

  private entry(bucket: string) {
    const entry = this.index.get(bucket);
    if (!entry) throw new GcsError(404, 'notFound', 'The specified bucket does not exist.');
    return entry;
  }

  private tmpDir(): string {
    return path.join(this.root, '.tmp');
  }

  private dataPath(bucket: string, name: string): string {
    return path.join(this.root, bucket, 'objects', createHash('sha256').update(name).digest('hex'));
  }
}
