/** Image datasets: folder and synthetic sources, and their manifests. */
export * from './types';
export { createFolderSource, FolderImageSource, contentTypeForName, sniffContentType, compareNames } from './folder-source';
export {
  synthesizeDataset,
  syntheticDatasetDir,
  syntheticImageName,
  prepareSyntheticDataset,
  pickDimensions,
  COMPLETE_MARKER,
  SYNTHETIC_GENERATOR_VERSION,
  type SynthesizeOptions,
  type SynthesizeResult,
  type PrepareSyntheticOptions,
} from './synthetic';
export { resolveDatasetSource, type ResolveDatasetOptions } from './resolve';
export { computeManifest, hashImage, manifestLine, type ManifestOptions } from './manifest';
