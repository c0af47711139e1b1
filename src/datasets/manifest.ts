/**
 * Dataset fingerprint: proves two runs (or two machines) used byte-identical images.
 *
 * Format. For each image, in ascending name order (plain code-unit order, as sources list them):
 *
 *     <name>\t<size in bytes, decimal>\t<sha256 of the file, lowercase hex>\n
 *
 * where <name> is the path relative to the dataset root with '/' separators, UTF-8 encoded.
 * The manifest's sha256 is the sha256 of all lines concatenated. Reproduce it with shell tools
 * (for ASCII names without tabs or newlines; hidden files and non-image names are not part of a
 * dataset, see folder-source.ts):
 *
 *     cd DATASET_DIR && find . -name '.?*' -prune -o -type f \
 *       \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -print | sed 's|^\./||' | LC_ALL=C sort |
 *       while IFS= read -r f; do
 *         printf '%s\t%s\t%s\n' "$f" "$(wc -c < "$f" | tr -d ' ')" "$(sha256sum "$f" | cut -d' ' -f1)"
 *       done | sha256sum
 *
 * Memory stays flat: files are streamed through the hash a few at a time and each line goes straight
 * into the running dataset hash, so nothing grows with the dataset but two counters.
 */
import { createHash } from 'node:crypto';
import type { DatasetManifest, ImageItem, ImageSource } from './types';
import { mapLimit } from '../concurrency';

export interface ManifestOptions {
  /** Called after each file is hashed. `total` is the image count. */
  onProgress?: (done: number, total: number) => void;
  /** Stop hashing (files being read finish first); the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Files hashed in parallel: overlaps disk reads with hashing without holding many open files. */
const HASH_CONCURRENCY = 4;
/** Items fetched per batch from the source (metadata only). */
const MANIFEST_BATCH_SIZE = 256;

/** sha256 and byte count of one file, streamed. */
export async function hashImage(item: ImageItem): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of item.open() as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** One manifest line (see the format above). */
export function manifestLine(name: string, size: number, sha256: string): string {
  return `${name}\t${size}\t${sha256}\n`;
}

export async function computeManifest(source: ImageSource, opts: ManifestOptions = {}): Promise<DatasetManifest> {
  const total = source.count ? await source.count() : (await source.list()).length;
  const datasetHash = createHash('sha256');
  let count = 0;
  let totalBytes = 0;
  let previous: string | undefined;
  for await (const batch of source.batches(MANIFEST_BATCH_SIZE)) {
    for (const item of batch.items) {
      // Lines are hashed as they come, so the source's order must already be the manifest's order.
      if (previous !== undefined && !(previous < item.name)) {
        throw new Error(
          `${source.description} lists "${item.name}" after "${previous}": sources must list names in ascending ` +
            'code-unit order without duplicates, or the manifest would not be reproducible.',
        );
      }
      previous = item.name;
    }
    // Sizes come from the bytes actually hashed, so a file changed since listing cannot give a
    // line whose size and hash disagree.
    const hashes = await mapLimit(batch.items, HASH_CONCURRENCY, async (item) => {
      const result = await hashImage(item);
      count++; // not inside onProgress?.(...): optional chaining would skip the increment
      opts.onProgress?.(count, total);
      return result;
    }, opts.signal);
    batch.items.forEach((item, i) => {
      datasetHash.update(manifestLine(item.name, hashes[i].size, hashes[i].sha256), 'utf8');
      totalBytes += hashes[i].size;
    });
  }
  return { count, totalBytes, sha256: datasetHash.digest('hex'), source: source.description };
}
