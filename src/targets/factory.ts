import type { InferenceTargetConfig, StorageTargetConfig } from '../config/targets';
import { createAzureBlobStore } from './azure-blob-store';
import { createAzureMlEndpoint, createHttpEndpoint } from './azureml-endpoint';
import { createS3Store } from './s3-store';
import { createSageMakerEndpoint } from './sagemaker-endpoint';
import type { InferenceEndpoint, ObjectStore } from './types';

export function createObjectStore(cfg: StorageTargetConfig): ObjectStore {
  switch (cfg.type) {
    case 's3':
      return createS3Store(cfg);
    case 'azure-blob':
      return createAzureBlobStore(cfg);
  }
}

export function createInferenceEndpoint(cfg: InferenceTargetConfig): InferenceEndpoint {
  switch (cfg.type) {
    case 'sagemaker':
      return createSageMakerEndpoint(cfg);
    case 'azureml':
      return createAzureMlEndpoint(cfg);
    case 'http':
      return createHttpEndpoint(cfg);
  }
}
