import os from 'node:os';
import path from 'node:path';

/** Per-user cache: generated datasets, the detached stack's state. CLOUDBENCH_CACHE_DIR overrides. */
export function cacheRoot(): string {
  return process.env.CLOUDBENCH_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'cloudbench');
}

export function datasetCacheDir(): string {
  return path.join(cacheRoot(), 'datasets');
}
