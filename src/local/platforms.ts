import type { PlatformConfig } from '../config/targets';
import type { LocalStackConfig } from './stack-types';

/**
 * The platforms on the local stack: the study's two, `aws` = S3 + SageMaker runtime and
 * `azure` = Blob Storage + Azure ML online endpoint, and `gcp` = Cloud Storage + Vertex AI.
 */
export function localPlatforms(config: LocalStackConfig): { aws: PlatformConfig; azure: PlatformConfig; gcp: PlatformConfig } {
  return {
    aws: {
      storage: {
        type: 's3',
        bucket: config.s3.bucket,
        region: config.s3.region,
        endpoint: config.s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey },
      },
      inference: {
        type: 'sagemaker',
        endpointName: config.sagemaker.endpointName,
        region: config.sagemaker.region,
        endpoint: config.sagemaker.endpoint,
        credentials: { accessKeyId: config.sagemaker.accessKeyId, secretAccessKey: config.sagemaker.secretAccessKey },
      },
    },
    azure: {
      storage: { type: 'azure-blob', connectionString: config.azureBlob.connectionString, container: config.azureBlob.container },
      inference: { type: 'azureml', scoringUri: config.azureml.scoringUri, key: config.azureml.key },
    },
    gcp: {
      storage: { type: 'gcs', bucket: config.gcs.bucket, projectId: config.gcs.projectId, apiEndpoint: config.gcs.apiEndpoint },
      inference: { type: 'vertex', endpoint: config.vertex.endpoint, apiEndpoint: config.vertex.apiEndpoint, accessToken: config.vertex.accessToken },
    },
  };
}
