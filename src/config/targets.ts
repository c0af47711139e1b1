/** Typed configuration of storage and inference targets (local emulators or real clouds). */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3TargetConfig {
  type: 's3';
  bucket: string;
  region: string;
  /** Custom endpoint (emulators, S3-compatible stores). Omit for real AWS. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Omit to use the AWS default credential chain (env, profile, SSO, instance role). */
  credentials?: AwsCredentials;
}

export interface AzureBlobTargetConfig {
  type: 'azure-blob';
  container: string;
  /** Full connection string (account key or SAS). */
  connectionString?: string;
  /** e.g. https://myaccount.blob.core.windows.net, used with accountKey or sasToken. */
  accountUrl?: string;
  accountName?: string;
  accountKey?: string;
  sasToken?: string;
}

export type StorageTargetConfig = S3TargetConfig | AzureBlobTargetConfig;

export interface SageMakerTargetConfig {
  type: 'sagemaker';
  endpointName: string;
  region: string;
  /** Custom runtime endpoint (the local stack). Omit for real AWS. */
  endpoint?: string;
  credentials?: AwsCredentials;
  customAttributes?: string;
}

export interface AzureMlTargetConfig {
  type: 'azureml';
  /** The online endpoint's scoring URI (…/score). */
  scoringUri: string;
  /** Endpoint key or AML token, sent as `Authorization: Bearer <key>`. */
  key: string;
  /** Optional `azureml-model-deployment` header to pin a deployment. */
  deployment?: string;
}

export interface HttpTargetConfig {
  type: 'http';
  /** A plain REST scoring app (the study's App Service web app). */
  url: string;
  headers?: Record<string, string>;
}

export type InferenceTargetConfig = SageMakerTargetConfig | AzureMlTargetConfig | HttpTargetConfig;

/** A platform is a named pair of storage and inference targets. */
export interface PlatformConfig {
  storage: StorageTargetConfig;
  inference: InferenceTargetConfig;
}
