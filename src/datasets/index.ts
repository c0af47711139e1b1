/** Image datasets: folder and synthetic sources, and their manifests. */
export * from './types';
export { createFolderSource, FolderImageSource, contentTypeForName, sniffContentType, compareNames } from './folder-source';
export {
  synthesizeDataset,
  syntheticDatasetDir,
  syntheticImageName,
  resolveDatasetSource,
  pickDimensions,
  COMPLETE_MARKER,
  MAX_SYNTHETIC_COUNT,
  SYNTHETIC_GENERATOR_VERSION,
  type SynthesizeOptions,
  type SynthesizeResult,
  type ResolveDatasetOptions,
} from './synthetic';
export { computeManifest, hashImage, manifestLine, type ManifestOptions } from './manifest';
