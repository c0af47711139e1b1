/**
 * The JSON API's multipart upload body (`multipart/related`: a JSON metadata part, then the media
 * part), read from the file it was streamed into. Only the head and the tail are read: the media's
 * bytes stay on disk and are copied from its offsets, so an upload of any size is never in memory.
 */
import fs from 'node:fs/promises';

export interface MultipartUpload {
  metadata: Record<string, unknown>;
  /** The media part's Content-Type. */
  contentType?: string;
  /** The media's byte offsets in the file: [start, end). */
  start: number;
  end: number;
}

const HEAD_BYTES = 1 << 20;

/**
 * The first of `needle` with CRLF line ends or bare LF (Python's email package, used by gcloud,
 * writes LF; RFC 2046 says CRLF; GCS accepts both).
 */
function find(buf: Buffer, needle: string, from: number, last = false): { at: number; length: number } | undefined {
  const hits = [needle, needle.replace(/\r\n/g, '\n')]
    .map((n) => ({ at: last ? buf.lastIndexOf(n) : buf.indexOf(n, from), length: Buffer.byteLength(n) }))
    .filter((h) => h.at >= 0);
  if (hits.length === 0) return undefined;
  // A CRLF hit is also an LF hit one byte later: the longer one at the same place wins.
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

export async function readMultipartRelated(file: string, boundary: string): Promise<MultipartUpload> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await fh.read(head, 0, head.length, 0);
    // Part 1: the metadata JSON.
    const open = find(head, `--${boundary}\r\n`, 0);
    if (!open) throw new Error('no opening boundary');
    const h1 = find(head, '\r\n\r\n', open.at + open.length);
    if (!h1) throw new Error('the metadata part has no header end');
    const next = find(head, `\r\n--${boundary}\r\n`, h1.at + h1.length);
    if (!next) throw new Error('the metadata part has no closing boundary within the first MiB');
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(head.subarray(h1.at + h1.length, next.at).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      throw new Error('the metadata part is not JSON');
    }
    // Part 2: the media, from after its headers to the closing delimiter at the end.
    const from = next.at + next.length;
    const h2 = find(head, '\r\n\r\n', from);
    if (!h2) throw new Error('the media part has no header end');
    const mediaHeaders = headers(head.subarray(from, h2.at).toString('latin1'));
    const start = h2.at + h2.length;
    const tailSize = Math.min(size - start, boundary.length + 12);
    const tail = Buffer.alloc(tailSize);
    await fh.read(tail, 0, tailSize, size - tailSize);
    const close = find(tail, `\r\n--${boundary}--`, 0, true);
    if (!close) throw new Error('no closing boundary at the end');
    return { metadata, contentType: mediaHeaders['content-type'], start, end: size - tailSize + close.at };
  } finally {
    await fh.close();
  }
}
