import type { Command } from 'commander';
import { UserError } from '../errors';
import {
  probeStack,
  readStackState,
  startDetachedStack,
  startLocalStack,
  stopDetachedStack,
  type LocalStackConfig,
  type LocalStackOptions,
} from '../local/stack';
import { addAutoscaleOptions, autoscaleFromFlags, type LoadFlags } from './load-options';
import { instancesOption, portOption } from './options';
import { table } from './output';

export function describeStack(config: LocalStackConfig): string {
  const blob = /BlobEndpoint=([^;]+)/.exec(config.azureBlob.connectionString)?.[1] ?? '?';
  const rows = [
    ['service', 'endpoint', 'details'],
    ['S3 (s3rver)', config.s3.endpoint, `bucket ${config.s3.bucket}, keys ${config.s3.accessKeyId}/${config.s3.secretAccessKey}`],
    ['Azure Blob (Azurite)', blob, `container ${config.azureBlob.container}`],
    ['SageMaker runtime', config.sagemaker.endpoint, `endpoint ${config.sagemaker.endpointName}, region ${config.sagemaker.region}`],
    ['Azure ML scoring', config.azureml.scoringUri, 'Authorization: Bearer <key> (see --json)'],
    ['Cloud Storage JSON API', config.gcs.apiEndpoint, `bucket ${config.gcs.bucket}, project ${config.gcs.projectId}, no credentials checked`],
    ['Vertex AI prediction', config.vertex.apiEndpoint, `${config.vertex.endpoint}, Authorization: Bearer <token> (see --json)`],
  ];
  const s3env = `AWS_ACCESS_KEY_ID=${config.s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${config.s3.secretAccessKey} AWS_DEFAULT_REGION=${config.s3.region}`;
  const smEnv = `AWS_ACCESS_KEY_ID=${config.sagemaker.accessKeyId} AWS_SECRET_ACCESS_KEY=${config.sagemaker.secretAccessKey} AWS_DEFAULT_REGION=${config.sagemaker.region}`;
  return [
    table(rows, { header: true }),
    '',
    'Try it with the AWS CLI:',
    `  ${s3env} aws --endpoint-url ${config.s3.endpoint} s3 cp photo.jpg s3://${config.s3.bucket}/photo.jpg`,
    `  ${smEnv} aws --endpoint-url ${config.sagemaker.endpoint} sagemaker-runtime invoke-endpoint \\`,
    `    --endpoint-name ${config.sagemaker.endpointName} --content-type image/jpeg --body fileb://photo.jpg out.json`,
    '',
    'With gcloud (any token will do for storage):',
    `  CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE=${config.gcs.apiEndpoint}/ CLOUDSDK_AUTH_ACCESS_TOKEN_FILE=<a file holding any text> \\`,
    `    gcloud storage cp photo.jpg gs://${config.gcs.bucket}/photo.jpg`,
    '',
    'Vertex AI predict with curl (TOKEN: vertex.accessToken of --json):',
    `  printf '{"instances":[{"b64":"%s"}]}' "$(base64 -w0 photo.jpg)" > body.json`,
    `  curl -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d @body.json \\`,
    `    ${config.vertex.apiEndpoint}/v1/${config.vertex.endpoint}:predict`,
  ].join('\n');
}

interface UpOptions extends Pick<LoadFlags, 'autoscale' | 'autoscaleTarget' | 'provisionS' | 'cooldownS'> {
  detach?: boolean;
  json?: boolean;
  instances: number;
  s3Port?: number;
  blobPort?: number;
  gcsPort?: number;
  inferencePort?: number;
  dataDir?: string;
}

function stackOptions(o: UpOptions): LocalStackOptions {
  const autoscale = autoscaleFromFlags(o);
  return { instances: o.instances, ...(autoscale ? { autoscale } : {}), s3Port: o.s3Port, blobPort: o.blobPort, gcsPort: o.gcsPort, inferencePort: o.inferencePort, dataDir: o.dataDir };
}

export function registerStackCommands(program: Command): void {
  const stack = program
    .command('stack')
    .description('run the embedded local cloud (Azurite, s3rver, a Cloud Storage endpoint, SageMaker-, Azure-ML- and Vertex-AI-protocol endpoints) on 127.0.0.1');

  const up = stack
    .command('up')
    .description('start the local stack (foreground; Ctrl-C stops it). --detach leaves it running in the background')
    .option('--detach', 'start in the background and return; stop with `cloudbench stack down`')
    .option('--json', 'print the connection details as one JSON object')
    .option('--instances <n>', 'detector worker threads behind the endpoints (endpoint scaling)', instancesOption, 1)
    .option('--s3-port <port>', 'fixed port for S3 (default: ephemeral)', portOption('--s3-port'))
    .option('--blob-port <port>', 'fixed port for Azure Blob (default: ephemeral)', portOption('--blob-port'))
    .option('--gcs-port <port>', 'fixed port for Cloud Storage (default: ephemeral)', portOption('--gcs-port'))
    .option('--inference-port <port>', 'fixed port for the inference endpoints (default: ephemeral)', portOption('--inference-port'))
    .option('--data-dir <dir>', 'keep emulator data in this folder (default: a temp folder removed on stop)');
  addAutoscaleOptions(up)
    .action(async (o: UpOptions) => {
      const started = Date.now();
      if (o.detach) {
        const state = await startDetachedStack(stackOptions(o));
        if (o.json) console.log(JSON.stringify(state.config));
        else {
          console.log(`Local stack running in the background (pid ${state.pid}, started in ${((Date.now() - started) / 1000).toFixed(1)} s).`);
          console.log(describeStack(state.config));
          console.log(`\nLog: ${state.logFile}\nStop it with: cloudbench stack down`);
        }
        return;
      }
      if (readStackState()) {
        throw new UserError('a detached local stack is already running; stop it first with `cloudbench stack down`');
      }
      const local = await startLocalStack(stackOptions(o));
      if (o.json) console.log(JSON.stringify(local.config));
      else {
        console.log(`Local stack is up (pid ${local.pid}, started in ${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C stops it.`);
        console.log(describeStack(local.config));
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      if (!o.json) console.log('\nStopping the local stack…');
      await local.stop();
      if (!o.json) console.log('Stopped.');
    });

  stack
    .command('status')
    .description('show whether a detached local stack is running and whether each service answers')
    .option('--json', 'print the state as JSON')
    .action(async (o: { json?: boolean }) => {
      const state = readStackState();
      if (!state) {
        if (o.json) console.log(JSON.stringify({ running: false }));
        else console.log('No detached local stack is running. Start one with `cloudbench stack up --detach`.');
        return;
      }
      const services = await probeStack(state.config);
      if (o.json) {
        console.log(JSON.stringify({ running: true, pid: state.pid, startedAt: state.startedAt, services, config: state.config }));
        return;
      }
      console.log(`Local stack running (pid ${state.pid}, since ${state.startedAt}).`);
      console.log(table([['service', 'answers'], ...Object.entries(services).map(([k, v]) => [k, v ? 'yes' : 'NO'])], { header: true }));
      console.log('');
      console.log(describeStack(state.config));
    });

  stack
    .command('down')
    .description('stop the detached local stack and remove its data')
    .action(async () => {
      const stopped = await stopDetachedStack();
      console.log(stopped ? 'Local stack stopped.' : 'No detached local stack was running.');
    });
}
