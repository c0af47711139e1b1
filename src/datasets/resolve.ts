/** The ImageSource a dataset config describes: a folder as it is, or a synthetic dataset from the cache. */
import { createFolderSource } from './folder-source';
import { prepareSyntheticDataset, type PrepareSyntheticOptions } from './synthetic';
import type { DatasetConfig, ImageSource } from './types';

export type ResolveDatasetOptions = PrepareSyntheticOptions;

/** A folder is checked (exists, holds images) before returning; a synthetic dataset is generated once. */
export async function resolveDatasetSource(config: DatasetConfig, opts: ResolveDatasetOptions = {}): Promise<ImageSource> {
  const dir = config.type === 'folder' ? config.path : await prepareSyntheticDataset(config, opts);
  const source = createFolderSource(dir);
  await source.scan();
  return source;
}
