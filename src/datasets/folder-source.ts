/**
 * An ImageSource over a directory of JPEG/PNG files, searched recursively (e.g. COCO train2017).
 *
 * How a file is recognised as an image: by its extension when listing (.jpg, .jpeg, .png, any case),
 * and by its magic bytes whenever its bytes are actually read (read() and open()). Sniffing every
 * file at listing time would mean opening 118k files before the first upload, which on a network
 * disk costs minutes; checking on read is free because the bytes pass through anyway. A file whose
 * bytes contradict its extension (an HTML error page saved as .jpg, a PNG named .jpg) fails its
 * read with DatasetError NOT_AN_IMAGE rather than being sent with the wrong content type.
 *
 * Skipped while listing: names starting with '.' (hidden files, macOS "._x.jpg" resource forks,
 * the synthetic cache's marker and partial files), other extensions, and symlinked directories
 * (they can form cycles); symlinked files are followed.
 *
 * Order: ascending by relative name ('/' separators), plain UTF-16 code-unit comparison, so the
 * order is the same on every machine and locale. The folder is walked once, on first use; the sorted
 * names are kept (a few MB for 118k files) and sizes are read per batch, so batches() starting deep
 * into the dataset costs no stat() calls for the skipped part.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Transform, type TransformCallback, pipeline } from 'node:stream';
import { mapLimit } from '../concurrency';
import {
  DatasetError,
  type BatchOptions,
  type ImageBatch,
  type ImageContentType,
  type ImageItem,
  type ImageSource,
} from './types';

const CONTENT_TYPE_BY_EXTENSION: Readonly<Record<string, ImageContentType>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
};

/** Bytes needed to tell JPEG from PNG (PNG's signature is the longer one). */
const MAGIC_LENGTH = 8;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** stat() calls in flight at once: enough to hide disk latency, few enough not to exhaust file handles. */
const STAT_CONCURRENCY = 32;

/** The content type implied by a file name's extension, or undefined if it is not an image name. */
export function contentTypeForName(name: string): ImageContentType | undefined {
  return CONTENT_TYPE_BY_EXTENSION[path.extname(name).toLowerCase()];
}

/** The content type implied by a file's first bytes (at least 8 for PNG, 3 for JPEG), or undefined. */
export function sniffContentType(head: Uint8Array): ImageContentType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => head[i] === b)) return 'image/png';
  return undefined;
}

/** Plain code-unit order, independent of locale (unlike localeCompare). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkMagic(head: Uint8Array, expected: ImageContentType, filePath: string): void {
  const actual = sniffContentType(head);
  if (actual === expected) return;
  const what = actual ? `its bytes are a ${actual === 'image/png' ? 'PNG' : 'JPEG'}` : 'its bytes are not a JPEG or PNG';
  throw new DatasetError(
    'NOT_AN_IMAGE',
    `${filePath} is named like a ${expected === 'image/png' ? 'PNG' : 'JPEG'} but ${what}. ` +
      'Fix or remove the file, or rename it to match its content.',
    filePath,
  );
}

/** Passes bytes through unchanged after checking the first MAGIC_LENGTH of them. */
class MagicCheck extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  private checked = false;

  constructor(
    private readonly expected: ImageContentType,
    private readonly filePath: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.checked) return done(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < MAGIC_LENGTH) return done();
    this.release(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.checked) return done();
    this.release(done); // a file shorter than MAGIC_LENGTH: still checked, and rejected if too short
  }

  private release(done: TransformCallback): void {
    const buffered = Buffer.concat(this.head);
    this.head = [];
    this.checked = true;
    try {
      checkMagic(buffered, this.expected, this.filePath);
    } catch (err) {
      return done(err as Error);
    }
    done(null, buffered);
  }
}

class FolderImageItem implements ImageItem {
  constructor(
    readonly name: string,
    readonly size: number,
    readonly contentType: ImageContentType,
    readonly path: string,
  ) {}

  open(): NodeJS.ReadableStream {
    const check = new MagicCheck(this.contentType, this.path);
    // pipeline forwards a read error (file deleted, permissions) to the stream the caller holds.
    return pipeline(fs.createReadStream(this.path), check, () => {});
  }

  async read(): Promise<Buffer> {
    const bytes = await fsp.readFile(this.path);
    checkMagic(bytes.subarray(0, MAGIC_LENGTH), this.contentType, this.path);
    return bytes;
  }
}

function nonNegativeInteger(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new DatasetError('INVALID_ARGUMENT', `${what} must be a whole number >= 0 (got ${value}).`);
  }
  return value;
}

export class FolderImageSource implements ImageSource {
  readonly description: string;
  readonly root: string;
  private names: Promise<string[]> | undefined;

  constructor(dir: string) {
    this.root = path.resolve(dir);
    this.description = `folder ${this.root}`;
  }

  /**
   * Walks the folder (once; later calls reuse the result) and returns how many images it holds.
   * Call it early to surface a wrong path or an empty folder before any work starts.
   */
  async scan(): Promise<number> {
    return (await this.sortedNames()).length;
  }

  async count(): Promise<number> {
    return this.scan();
  }

  async list(): Promise<ImageItem[]> {
    return this.itemsFor(await this.sortedNames());
  }

  async *batches(batchSize: number, opts: BatchOptions = {}): AsyncIterable<ImageBatch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new DatasetError('INVALID_ARGUMENT', `Batch size must be a whole number >= 1 (got ${batchSize}).`);
    }
    const startBatch = nonNegativeInteger(opts.startBatch, 0, 'startBatch');
    const maxBatches = nonNegativeInteger(opts.maxBatches, Number.POSITIVE_INFINITY, 'maxBatches');
    const names = await this.sortedNames();
    for (let index = startBatch, yielded = 0; yielded < maxBatches; index++, yielded++) {
      const slice = names.slice(index * batchSize, (index + 1) * batchSize);
      if (slice.length === 0) return;
      yield { index, items: await this.itemsFor(slice) };
    }
  }

  private async itemsFor(names: readonly string[]): Promise<ImageItem[]> {
    return mapLimit(names, STAT_CONCURRENCY, async (name) => {
      const filePath = path.join(this.root, ...name.split('/'));
      const stats = await fsp.stat(filePath);
      // contentTypeForName cannot fail here: only image names were kept by the walk.
      return new FolderImageItem(name, stats.size, contentTypeForName(name)!, filePath);
    });
  }

  private sortedNames(): Promise<string[]> {
    // Cache the promise, not the result, so concurrent first calls share one walk;
    // a failed walk is forgotten so a retry (after the user fixes the path) walks again.
    this.names ??= this.walkRoot().catch((err: unknown) => {
      this.names = undefined;
      throw err;
    });
    return this.names;
  }

  private async walkRoot(): Promise<string[]> {
    let stats: fs.Stats;
    try {
      stats = await fsp.stat(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DatasetError('NOT_FOUND', `Dataset folder ${this.root} does not exist.`, this.root);
      }
      throw err;
    }
    if (!stats.isDirectory()) {
      throw new DatasetError(
        'NOT_A_DIRECTORY',
        `Dataset path ${this.root} is a file, not a folder. Give the folder that holds the images.`,
        this.root,
      );
    }
    const names: string[] = [];
    let skipped = 0;
    const walk = async (dir: string, prefix: string): Promise<void> => {
      // opendir streams entries, so a flat folder of 118k files is not read into one array first.
      for await (const entry of await fsp.opendir(dir)) {
        if (entry.name.startsWith('.')) continue;
        const full = path.join(dir, entry.name);
        const name = prefix + entry.name;
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          isFile = (await fsp.stat(full).catch(() => undefined))?.isFile() ?? false;
        }
        if (entry.isDirectory()) await walk(full, name + '/');
        else if (isFile && contentTypeForName(name)) names.push(name);
        else skipped++;
      }
    };
    await walk(this.root, '');
    if (names.length === 0) {
      const detail = skipped > 0 ? ` (it has ${skipped} other entr${skipped === 1 ? 'y' : 'ies'})` : ' (it is empty)';
      throw new DatasetError(
        'NO_IMAGES',
        `Dataset folder ${this.root} contains no .jpg, .jpeg or .png files${detail}.`,
        this.root,
      );
    }
    return names.sort(compareNames);
  }
}

/** A source over every JPEG/PNG under `dir`; nothing is read until first use (see FolderImageSource.scan). */
export function createFolderSource(dir: string): FolderImageSource {
  return new FolderImageSource(dir);
}
