/**
 * cloudbench public API. The CLI and the notebooks use only what is exported here.
 */
export { VERSION } from './version';
export { UserError } from './errors';

// Boundary types
export type * from './targets/types';
export type * from './config/targets';

// Targets: storage and inference adapters, built from config
export { createS3Store } from './targets/s3-store';
export { createAzureBlobStore } from './targets/azure-blob-store';
export { createObjectStore, createInferenceEndpoint } from './targets/factory';
export { createSageMakerEndpoint } from './targets/sagemaker-endpoint';
export { createAzureMlEndpoint, createHttpEndpoint } from './targets/azureml-endpoint';

// Embedded local stack
export {
  startLocalStack,
  startDetachedStack,
  stopDetachedStack,
  readStackState,
  probeStack,
  type LocalStack,
  type LocalStackConfig,
  type LocalStackOptions,
  type StackState,
} from './local/stack';
export { localPlatforms } from './local/platforms';

// Datasets
export * from './datasets';

// Experiment config and engine
export {
  parseExperimentConfig,
  loadExperimentConfig,
  localDemoConfig,
  resolvePlatforms,
  configHash,
  redactSecrets,
  ConfigError,
  PHASES,
  type ExperimentConfig,
  type Phase,
  type RunOrder,
  type PlatformSpec,
} from './config/experiment';
export { runExperiment, type RunEvent, type RunOptions, type RunResult } from './experiment/runner';
export { loadRun, type LoadedRun } from './experiment/load-run';
export { MIB, batchMetrics, phaseSeconds, type BatchRow, type RequestRow } from './experiment/records';
export type { RunManifest } from './experiment/manifest';
export { summarizeBatches, measuredBatches, BATCH_METRICS } from './experiment/summary';

// Statistics
export * from './analysis/stats';
export { mulberry32 } from './random';
