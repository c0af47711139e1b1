import type { PlatformConfig } from '../config/targets';
import type { LocalStackConfig } from './stack-types';

/**
 * The two platforms of the study on the local stack: `aws` = S3 + SageMaker runtime,
 * `azure` = Blob Storage + Azure ML online endpoint.
 */
export function localPlatforms(config: LocalStackConfig): { aws: PlatformConfig; azure: PlatformConfig } {
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
  };
}
