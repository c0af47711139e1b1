/**
 * Object keys of a run: `<keyPrefix><run-id>/<platform>/b<batch>/<image name>`, built so that
 * what a store keeps is exactly what the request row records, on every store.
 *
 * Image names are file paths, and a few characters do not survive every store: Azure Blob turns
 * `\` into `/`, and control characters (CR, tab, …) come back altered from XML listings (S3 turns
 * CR into LF, Azure into `&#xD;`). Those are percent-encoded (UTF-8, upper-case hex), and so is `%`
 * itself so that two different names never share a key. Everything else — spaces, non-ASCII
 * letters, `+`, `#`, `?` — round-trips unchanged through both SDKs and is kept as it is.
 */

const UNSAFE = /[%\\\u0000-\u001f\u007f-\u009f]/gu;

/** The key form of an image name (see above); the identity for ordinary names. */
export function encodeKeyName(name: string): string {
  return name.replace(UNSAFE, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

function batchPrefix(keyPrefix: string, runId: string, platform: string, batch: number): string {
  return `${keyPrefix}${runId}/${platform}/b${String(batch).padStart(5, '0')}/`;
}

export function objectKey(keyPrefix: string, runId: string, platform: string, batch: number, imageName: string): string {
  return `${batchPrefix(keyPrefix, runId, platform, batch)}${encodeKeyName(imageName)}`;
}

/** Everything a run put on a platform lives under this prefix (cleanup deletes only under it). */
export function platformPrefix(keyPrefix: string, runId: string, platform: string): string {
  return `${keyPrefix}${runId}/${platform}/`;
}
