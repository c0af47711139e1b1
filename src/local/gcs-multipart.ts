/**
 * The JSON API's multipart upload body (`multipart/related`: a JSON metadata part, then the media
 * part), read as it arrives: the small head is parsed for the metadata, then the media bytes flow on
 * to the object store as they come, holding back only enough of the end to find the closing
 * delimiter. An upload of any size is never in memory and is written to disk once.
 */
export interface MultipartUpload {
  metadata: Record<string, unknown>;
  /** The media part's Content-Type. */
  contentType?: string;
  /** The media's bytes; throws MultipartError if the body does not end with the closing delimiter. */
  media: AsyncIterable<Buffer>;
}

export class MultipartError extends Error {}

const HEAD_LIMIT = 1 << 20;

/**
 * The first (or, with `last`, the final) place of `needle` written with CRLF line ends or bare LF
 * (Python's email package, which gcloud uses, writes LF; RFC 2046 says CRLF; GCS accepts both).
 */
function find(buf: Buffer, needle: string, from: number, last = false): { at: number; length: number } | undefined {
  const hits = [needle, needle.replace(/\r\n/g, '\n')]
    .map((n) => ({ at: last ? buf.lastIndexOf(n) : buf.indexOf(n, from), length: Buffer.byteLength(n) }))
    .filter((h) => h.at >= 0);
  if (hits.length === 0) return undefined;
  // A CRLF hit is also an LF hit one byte later: the longer one ending at the same place wins.
  return hits.reduce((a, b) => {
    if (b.at + b.length === a.at + a.length) return a.length >= b.length ? a : b;
    return last ? (b.at > a.at ? b : a) : b.at < a.at ? b : a;
  });
}

function headers(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/** The metadata and where the media starts, once `head` holds both; undefined while it does not yet. */
function parseHead(head: Buffer, boundary: string): { metadata: Record<string, unknown>; contentType?: string; start: number } | undefined {
  const open = find(head, `--${boundary}\r\n`, 0);
  if (!open) return undefined;
  const h1 = find(head, '\r\n\r\n', open.at + open.length);
  if (!h1) return undefined;
  const next = find(head, `\r\n--${boundary}\r\n`, h1.at + h1.length);
  if (!next) return undefined;
  const from = next.at + next.length;
  const h2 = find(head, '\r\n\r\n', from);
  if (!h2) return undefined;
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(head.subarray(h1.at + h1.length, next.at).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    throw new MultipartError('the metadata part is not JSON');
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new MultipartError('the metadata part is not a JSON object');
  return { metadata, contentType: headers(head.subarray(from, h2.at).toString('latin1'))['content-type'], start: h2.at + h2.length };
}

export async function readMultipartRelated(body: AsyncIterable<Buffer>, boundary: string): Promise<MultipartUpload> {
  const it = body[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let parsed: ReturnType<typeof parseHead>;
  while (!(parsed = parseHead(head, boundary))) {
    if (head.length > HEAD_LIMIT) throw new MultipartError('no metadata and media part headers within the first MiB');
    const r = await it.next();
    if (r.done) throw new MultipartError('the body ended before the media part began');
    head = Buffer.concat([head, r.value]);
  }
  const { start } = parsed;
  // The closing delimiter with its line ends and a trailing newline fits in this many bytes.
  const hold = boundary.length + 12;
  async function* media(): AsyncGenerator<Buffer> {
    let pending = head.subarray(start);
    for (;;) {
      if (pending.length > hold) {
        yield pending.subarray(0, pending.length - hold);
        pending = pending.subarray(pending.length - hold);
      }
      const r = await it.next();
      if (r.done) break;
      pending = Buffer.concat([pending, r.value]);
    }
    const close = find(pending, `\r\n--${boundary}--`, 0, true);
    if (!close) throw new MultipartError('no closing boundary at the end');
    if (close.at > 0) yield pending.subarray(0, close.at);
  }
  return { metadata: parsed.metadata, contentType: parsed.contentType, media: media() };
}
