import type { InferenceTargetConfig, StorageTargetConfig } from '../config/targets';
import { createAzureBlobStore } from './azure-blob-store';
import { createAzureMlEndpoint, createHttpEndpoint } from './azureml-endpoint';
import { createGcsStore } from './gcs-store';
import { createS3Store } from './s3-store';
import { createSageMakerEndpoint } from './sagemaker-endpoint';
import { createVertexEndpoint } from './vertex-endpoint';
import type { AdapterOptions, InferenceEndpoint, ObjectStore } from './types';

export function createObjectStore(cfg: StorageTargetConfig, opts: AdapterOptions = {}): ObjectStore {
  switch (cfg.type) {
    case 's3':
      return createS3Store(cfg, opts);
    case 'azure-blob':
      return createAzureBlobStore(cfg, opts);
    case 'gcs':
      return createGcsStore(cfg, opts);
  }
}

export function createInferenceEndpoint(cfg: InferenceTargetConfig, opts: AdapterOptions = {}): InferenceEndpoint {
  switch (cfg.type) {
    case 'sagemaker':
      return createSageMakerEndpoint(cfg, opts);
    case 'azureml':
      return createAzureMlEndpoint(cfg, opts);
    case 'http':
      return createHttpEndpoint(cfg, opts);
    case 'vertex':
      return createVertexEndpoint(cfg, opts);
  }
}
