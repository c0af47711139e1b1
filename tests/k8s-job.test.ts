/**
 * `cloudbench k8s job`: the manifests validate against the Kubernetes OpenAPI schema (the validators
 * kubernetes-models generates from it, offline), the Job runs the shard contract of `cloudbench run`,
 * no secret value reaches them, and every refusal is one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import YAML from 'yaml';
import {
  buildJobManifests,
  envReferences,
  literalSecretPath,
  parseResultsTo,
  quantityValue,
  type K8sJobOptions,
  type K8sManifest,
} from '../src/cli/k8s-manifests';
import { ROOT, runCli } from './helpers/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-k8s-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Real-looking values in the environment of the CLI: none may reach the manifests. */
const SECRET_ENV = {
  AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=SECRETc2VjcmV0;EndpointSuffix=core.windows.net',
  AZUREML_KEY: 'SECRET-aml-k3y',
};

const CONFIG_TEXT = `name: scale-out test
platforms:
  aws:
    storage:   { type: s3, bucket: my-bench-bucket, region: eu-west-1 }
    inference: { type: sagemaker, endpointName: yolov8-endpoint, region: eu-west-1 }
  azure:
    storage:   { type: azure-blob, container: bench, connectionString: "\${AZURE_STORAGE_CONNECTION_STRING}" }
    inference: { type: azureml, scoringUri: "https://my-ep.westeurope.inference.ml.azure.com/score", key: "\${AZUREML_KEY}" }
dataset: { type: synthetic, count: 64, seed: 1 }   # a comment stays too
batchSize: 16
`;

function writeConfig(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}
const CONFIG = writeConfig('experiment.yaml', CONFIG_TEXT);

/** The product's stderr lines, without the development note printed while src/ is newer than dist/. */
function errLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/^cloudbench: note: src\/ is newer than dist\//.test(l));
}

function k8sJob(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = runCli(['k8s', 'job', ...args], env, 60_000);
  const docs = r.status === 0 && r.stdout.trim() ? YAML.parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sManifest) : [];
  return { ...r, docs, errors: errLines(r.stderr) };
}

/** Validation against the OpenAPI schema: throws with the failing paths. */
function validate(doc: K8sManifest): void {
  if (doc.kind === 'Job') new Job(doc as IJob).validate();
  else if (doc.kind === 'ConfigMap') new ConfigMap(doc as IConfigMap).validate();
  else throw new Error(`unexpected kind ${(doc as { kind: string }).kind}`);
}

const jobOf = (docs: K8sManifest[]) => docs.find((d): d is IJob => d.kind === 'Job')!;
const configMapOf = (docs: K8sManifest[]) => docs.find((d): d is IConfigMap => d.kind === 'ConfigMap')!;
const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One line `cloudbench: …`, exit 1, no stack trace. */
function assertOneLineFailure(r: ReturnType<typeof k8sJob>, pattern: RegExp): void {
  assert.equal(r.status, 1, `exit status (stderr: ${r.stderr})`);
  assert.equal(r.errors.length, 1, `one line on stderr, got:\n${r.errors.join('\n')}`);
  assert.match(r.errors[0], /^cloudbench: /);
  assert.match(r.errors[0], pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.equal(r.stdout, '', 'nothing on stdout');
}

const START = '2099-03-01T14:00:00Z';
const BASE = ['--config', CONFIG, '--results-to', 's3://my-results/bench/', '--start-at', START, '--secret', 'cloud-creds'];

test('the manifests of a 3-shard and a 10-shard job validate against the Kubernetes schema', () => {
  for (const shards of [3, 10]) {
    const r = k8sJob([...BASE, '--shards', String(shards), '--run-id', `cb-test-${shards}`, '--region', 'eu-west-1', '--zone', 'eu-west-1a', '--namespace', 'bench'], SECRET_ENV);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.docs.map((d) => d.kind), ['ConfigMap', 'Job']);
    for (const doc of r.docs) {
      assert.doesNotThrow(() => validate(doc), `${doc.kind} of ${shards} shards`);
      assert.match(doc.metadata!.name!, DNS_LABEL);
      assert.ok(doc.metadata!.name!.length <= 63);
      assert.equal(doc.metadata!.namespace, 'bench');
      assert.equal(doc.metadata!.labels!['app.kubernetes.io/name'], 'cloudbench');
      assert.equal(doc.metadata!.labels!['cloudbench.dev/run'], `cb-test-${shards}`);
    }
    const spec = jobOf(r.docs).spec!;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.completions, shards);
    assert.equal(spec.parallelism, shards);
    assert.equal(spec.backoffLimitPerIndex, 0);
    assert.equal(spec.backoffLimit, undefined, 'backoffLimit would fail the whole Job at the first failed shard');
    assert.equal(spec.template.spec!.restartPolicy, 'Never');
    assert.equal(spec.template.metadata!.labels!['cloudbench.dev/run'], `cb-test-${shards}`);
  }
});

test('a broken manifest fails validation (the check can fail)', () => {
  const options: K8sJobOptions = {
    runId: 'cb-broken', shards: 3, image: 'cloudbench:test', config: { key: 'experiment.yaml', text: CONFIG_TEXT },
    resultsTo: 's3://b/p', startAt: new Date(START), secrets: [], cpu: '2', memory: '2Gi', podLabels: {},
  };
  const [configMap, job] = buildJobManifests(options);
  assert.doesNotThrow(() => validate(job));
  const broken = structuredClone(job) as unknown as { spec: { completions: unknown } };
  broken.spec.completions = '3';
  assert.throws(() => validate(broken as unknown as IJob), /completions must be integer/);
  const badQuantity = structuredClone(job);
  badQuantity.spec!.template.spec!.containers[0].resources!.limits!.cpu = 'lots';
  assert.throws(() => validate(badQuantity), /resources\/limits\/cpu/);
  const noContainers = structuredClone(job) as unknown as { spec: { template: { spec: Record<string, unknown> } } };
  delete noContainers.spec.template.spec.containers;
  assert.throws(() => validate(noContainers as unknown as IJob), /containers/);
  const badConfigMap = structuredClone(configMap) as unknown as { data: Record<string, unknown> };
  badConfigMap.data['experiment.yaml'] = 42;
  assert.throws(() => validate(badConfigMap as unknown as IConfigMap), /must be string/);
});

test('the Job runs the shard contract: shard count, start, run id, results, from the pod\'s index', () => {
  const r = k8sJob([...BASE, '--shards', '3', '--run-id', 'cb-contract', '--region', 'eu-west-1', '--zone', 'eu-west-1b', '--service-account', 'bench-sa', '--pod-label', 'azure.workload.identity/use=true'], SECRET_ENV);
  assert.equal(r.status, 0, r.stderr);
  const pod = jobOf(r.docs).spec!.template;
  const c = pod.spec!.containers[0];
  const args = c.args!;
  assert.equal(args[0], 'run');
  assert.equal(argAfter(args, '--shard'), '3');
  assert.equal(argAfter(args, '--start-at'), START);
  assert.equal(argAfter(args, '--run-id'), 'cb-contract');
  assert.equal(argAfter(args, '--results-to'), 's3://my-results/bench');
  assert.equal(argAfter(args, '--config'), '/config/experiment.yaml');
  assert.equal(argAfter(args, '--out'), '/work/reports');

  const env = Object.fromEntries(c.env!.map((e) => [e.name, e]));
  assert.equal(env.CLOUDBENCH_NODE.valueFrom!.fieldRef!.fieldPath, 'spec.nodeName');
  assert.equal(env.CLOUDBENCH_POD.valueFrom!.fieldRef!.fieldPath, 'metadata.name');
  assert.equal(env.CLOUDBENCH_REGION.value, 'eu-west-1');
  assert.equal(env.CLOUDBENCH_ZONE.value, 'eu-west-1b');
  assert.equal(pod.spec!.nodeSelector!['topology.kubernetes.io/region'], 'eu-west-1');
  assert.equal(pod.spec!.nodeSelector!['topology.kubernetes.io/zone'], 'eu-west-1b');
  const cacheDir = env.CLOUDBENCH_CACHE_DIR.value!;
  const mounts = c.volumeMounts!.map((m) => ({ ...m, volume: pod.spec!.volumes!.find((v) => v.name === m.name)! }));
  assert.ok(mounts.some((m) => cacheDir.startsWith(`${m.mountPath}/`) && m.volume.emptyDir), 'the cache is on an emptyDir');
  for (const p of ['/work', '/tmp']) assert.ok(mounts.find((m) => m.mountPath === p)?.volume.emptyDir, `${p} is an emptyDir`);
  assert.equal(mounts.find((m) => m.mountPath === '/config')?.volume.configMap?.name, 'cb-contract-config');

  assert.equal(pod.spec!.serviceAccountName, 'bench-sa');
  assert.equal(pod.metadata!.labels!['azure.workload.identity/use'], 'true');
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 'cloud-creds' } }]);
  assert.deepEqual(c.resources!.requests, c.resources!.limits, 'Guaranteed QoS');
  assert.deepEqual(c.resources!.limits, { cpu: '2', memory: '2Gi' });
  assert.equal(pod.spec!.securityContext!.runAsNonRoot, true);
  assert.equal(pod.spec!.securityContext!.runAsUser, 1000);
  assert.equal(pod.spec!.securityContext!.seccompProfile!.type, 'RuntimeDefault');
  assert.equal(c.securityContext!.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext!.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext!.capabilities!.drop, ['ALL']);
});

test('no secret value reaches the manifests: the config is kept as written, credentials only by reference', () => {
  const r = k8sJob([...BASE, '--shards', '2', '--secret', 'more-creds'], SECRET_ENV);
  assert.equal(r.status, 0, r.stderr);
  for (const value of Object.values(SECRET_ENV)) {
    assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), 'a secret value was written');
  }
  assert.doesNotMatch(r.stdout, /SECRET/);
  assert.equal(configMapOf(r.docs).data!['experiment.yaml'], CONFIG_TEXT, 'the config text as written, ${NAME} unexpanded');
  const c = jobOf(r.docs).spec!.template.spec!.containers[0];
  for (const e of c.env!) {
    assert.ok(e.valueFrom || ['CLOUDBENCH_REGION', 'CLOUDBENCH_ZONE', 'CLOUDBENCH_CACHE_DIR', 'HOME'].includes(e.name), `env ${e.name} set by value`);
    assert.ok(!Object.keys(SECRET_ENV).includes(e.name), `env ${e.name} is a config variable`);
  }
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 'cloud-creds' } }, { secretRef: { name: 'more-creds' } }]);
  assert.match(r.stdout, /Secret cloud-creds, more-creds must hold them/, 'the YAML says which variables the Secrets must hold');
});

test('without --secret, one stderr line names the variables that must come from a Secret (and the manifests are written)', () => {
  const r = k8sJob(['--config', CONFIG, '--results-to', 'gs://b/p', '--shards', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.docs.length, 2);
  const notes = r.errors.filter((l) => /\$\{AZURE_STORAGE_CONNECTION_STRING\}, \$\{AZUREML_KEY\}/.test(l));
  assert.equal(notes.length, 1, r.stderr);
  assert.match(notes[0], /must come from a Secret, given with --secret/);
  assert.equal(jobOf(r.docs).spec!.template.spec!.containers[0].envFrom, undefined);
  const withSecret = k8sJob([...BASE, '--shards', '2']);
  assert.equal(withSecret.errors.filter((l) => /--secret NAME/.test(l)).length, 0);
});

test('the default run id names the Job and the shards start 180 s from now, said on stderr', () => {
  const before = Date.now();
  const r = k8sJob(['--config', CONFIG, '--results-to', 'az://acct/results/bench', '--shards', '4', '--secret', 's']);
  assert.equal(r.status, 0, r.stderr);
  const job = jobOf(r.docs);
  const id = job.metadata!.name!;
  assert.match(id, /^cb-\d{8}-\d{6}-[0-9a-f]{4}$/);
  assert.equal(configMapOf(r.docs).metadata!.name, `${id}-config`);
  const args = job.spec!.template.spec!.containers[0].args!;
  assert.equal(argAfter(args, '--run-id'), id);
  assert.equal(argAfter(args, '--results-to'), 'az://acct/results/bench');
  const start = Date.parse(argAfter(args, '--start-at'));
  assert.ok(start >= before + 179_000 && start <= Date.now() + 181_000, `start ${argAfter(args, '--start-at')}`);
  assert.ok(r.errors.some((l) => l.includes(argAfter(args, '--start-at')) && /apply the manifests before then/.test(l)), r.stderr);
});

test('--out writes one multi-document file and prints the kubectl steps', () => {
  const out = path.join(dir, 'k8s');
  const r = k8sJob([...BASE, '--shards', '3', '--run-id', 'cb-out', '--namespace', 'bench', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const file = path.join(out, 'cb-out.yaml');
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as K8sManifest);
  assert.deepEqual(docs.map((d) => d.kind), ['ConfigMap', 'Job']);
  docs.forEach(validate);
  assert.match(r.stdout, /kubectl apply -n bench -f \S*cb-out\.yaml/);
  assert.match(r.stdout, /kubectl wait -n bench --for=condition=complete job\/cb-out --timeout=\S+/);
  assert.match(r.stdout, /cloudbench merge s3:\/\/my-results\/bench\/cb-out\/ --out reports/);
});

test('a literal secret in the config is refused in one line naming the field, without echoing it', () => {
  const cases: [string, string, RegExp][] = [
    ['key', 'inference: { type: azureml, scoringUri: "https://e.example/score", key: "LITERAL-k3y" }', /config\.platforms\.x\.inference\.key holds a literal secret/],
    ['connection string', 'storage: { type: azure-blob, container: bench, connectionString: "AccountName=a;AccountKey=LITERAL-c2VjcmV0;EndpointSuffix=core.windows.net" }', /config\.platforms\.x\.storage\.connectionString holds a literal secret/],
    ['SAS in a connection string', 'storage: { type: azure-blob, container: bench, connectionString: "BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=2022&sig=LITERAL" }', /connectionString holds a literal secret/],
    ['header', 'inference: { type: http, url: "https://e.example/score", headers: { Authorization: "Bearer LITERAL-token" } }', /config\.platforms\.x\.inference\.headers\.Authorization holds a literal secret/],
    ['Functions code in a URL', 'inference: { type: http, url: "https://e.example/api/score?code=LITERAL-code" }', /config\.platforms\.x\.inference\.url holds a literal secret/],
  ];
  for (const [what, field, pattern] of cases) {
    const filler = field.startsWith('storage')
      ? 'inference: { type: http, url: "https://e.example/score" }'
      : 'storage: { type: s3, bucket: b-1, region: eu-west-1 }';
    const file = writeConfig(`literal-${what.replace(/\W+/g, '-')}.yaml`, `platforms:\n  x:\n    ${field}\n    ${filler}\ndataset: { type: synthetic, count: 8 }\n`);
    const r = k8sJob(['--config', file, '--results-to', 's3://b/p', '--shards', '2']);
    assertOneLineFailure(r, pattern);
    assert.match(r.errors[0], /ConfigMap/);
    assert.doesNotMatch(r.stderr, /LITERAL/, `${what}: the secret is echoed`);
  }
});

test('a config of the local stack is refused in one line: pods cannot reach it', () => {
  const file = writeConfig('local.yaml', 'platforms: { aws: local:aws, azure: local:azure }\ndataset: { type: synthetic, count: 8 }\n');
  assertOneLineFailure(k8sJob(['--config', file, '--results-to', 's3://b/p', '--shards', '2']), /uses the local stack .*pods cannot reach/);
});

test('--results-to missing or not s3:// az:// gs:// is one line', () => {
  assertOneLineFailure(k8sJob(['--config', CONFIG, '--shards', '2']), /--results-to is required: .*deleted with the pod/);
  assertOneLineFailure(k8sJob(['--config', CONFIG, '--shards', '2', '--results-to', 'https://b.example/p']), /--results-to is "https:\/\/b\.example\/p": give s3:\/\/bucket\/prefix, az:\/\/account\/container\/prefix or gs:\/\/bucket\/prefix$/);
  assertOneLineFailure(k8sJob(['--config', CONFIG, '--shards', '2', '--results-to', 'az://acct']), /--results-to is "az:\/\/acct": give /);
});

test('bad input: one line each, exit 1, nothing written', () => {
  const cases: [string[], RegExp][] = [
    [['--shards', '0'], /--shards takes a whole number from 1 to 1000, got 0/],
    [['--shards', '1001'], /--shards takes a whole number from 1 to 1000, got 1001/],
    [['--shards', '2', '--cpu', 'lots'], /--cpu takes a number of cores .* got lots/],
    [['--shards', '2', '--memory', '512m'], /--memory 512m means 512 thousandths of a byte; write 512Mi/],
    [['--shards', '2', '--memory', '64Mi'], /--memory takes a Kubernetes quantity of at least 256Mi/],
    [['--shards', '2', '--start-at', 'tomorrow'], /--start-at is ".*": give an ISO 8601 time with its zone/],
    [['--shards', '2', '--start-at', '2099-03-01T14:00:00'], /--start-at is ".*": give an ISO 8601 time with its zone/],
    [['--shards', '2', '--start-at', '2001-01-01T00:00:00Z'], /--start-at 2001-01-01T00:00:00Z is in the past/],
    [['--shards', '2', '--start-at', START, '--start-in', '60'], /give --start-at or --start-in, not both/],
    [['--shards', '2', '--start-in', '0'], /--start-in takes a whole number from 1 to 604800, got 0/],
    [['--shards', '2', '--run-id', 'Run_1'], /--run-id takes 1-56 lowercase letters/],
    [['--shards', '2', '--run-id', `cb-${'x'.repeat(60)}`], /--run-id takes 1-56/],
    [['--shards', '2', '--secret', 'Not A Name'], /--secret takes a Kubernetes object name/],
    [['--shards', '2', '--pod-label', 'novalue'], /--pod-label takes key=value, got novalue/],
    [['--shards', '2', '--pod-label', 'cloudbench.dev/run=x'], /--pod-label: cloudbench\.dev\/run is set by cloudbench/],
  ];
  for (const [args, pattern] of cases) {
    assertOneLineFailure(k8sJob(['--config', CONFIG, '--results-to', 's3://b/p', ...args]), pattern);
  }
  assertOneLineFailure(k8sJob(['--config', path.join(dir, 'nope.yaml'), '--results-to', 's3://b/p', '--shards', '2']), /config file .*nope\.yaml does not exist/);
  const invalid = writeConfig('invalid.yaml', CONFIG_TEXT.replace('batchSize: 16', 'batchSize: 0'));
  assertOneLineFailure(k8sJob(['--config', invalid, '--results-to', 's3://b/p', '--shards', '2']), /config\.batchSize: expected a whole number from 1 to 1000000, got 0/);
  // Checked before anything is printed: one line, not notes and then the error.
  const aFile = writeConfig('a-file.txt', 'x');
  assertOneLineFailure(k8sJob(['--config', CONFIG, '--results-to', 's3://b/p', '--shards', '2', '--out', `${aFile}/k8s`]), /--out: cannot write to .*a-file\.txt\/k8s/);
  const out = path.join(dir, 'not-written');
  assertOneLineFailure(k8sJob(['--config', CONFIG, '--results-to', 's3://b/p', '--shards', '0', '--out', out]), /--shards/);
  assert.ok(!fs.existsSync(out));
});

test('the example config for real clouds makes a Job; its folder dataset is pointed out', () => {
  const r = k8sJob(['--config', path.join(ROOT, 'templates', 'experiment.example.yaml'), '--results-to', 's3://b/p', '--shards', '2', '--secret', 'cloud-creds']);
  assert.equal(r.status, 0, r.stderr);
  r.docs.forEach(validate);
  assert.ok(r.errors.some((l) => /the dataset is a folder .*\/data\/coco\/train2017.* the Job mounts nothing there/.test(l)), r.stderr);
});

test('the config checks behind the command', () => {
  assert.deepEqual(envReferences({ a: '${B}', c: ['x${A}y${B}'], d: { e: '${C_1}' } }), ['B', 'A', 'C_1']);
  // References pass, literals do not.
  assert.equal(literalSecretPath({ p: { key: '${K}', accountKey: '${A}${B}', connectionString: 'AccountName=a;AccountKey=${K};EndpointSuffix=x' } }), undefined);
  assert.equal(literalSecretPath({ p: { headers: { Authorization: 'Bearer ${T}', 'Content-Type': 'application/json' } } }), undefined);
  assert.equal(literalSecretPath({ p: { url: 'https://e.example/score?model=yolo&code=${CODE}' } }), undefined);
  assert.equal(literalSecretPath({ p: { key: 'abc${K}' } }), 'config.p.key');
  assert.equal(literalSecretPath({ p: [{ sasToken: 12345 }] }), 'config.p[0].sasToken');
  assert.equal(literalSecretPath({ p: { url: 'http://user:pw@e.example/x' } }), 'config.p.url');
  assert.equal(parseResultsTo('s3://bucket/a/b/'), 's3://bucket/a/b');
  assert.equal(parseResultsTo('gs://bucket'), 'gs://bucket');
  assert.throws(() => parseResultsTo('s3://bucket/p?x=1'), /--results-to is "s3:\/\/bucket\/p\?x=1": give/);
  assert.equal(quantityValue('500m'), 0.5);
  assert.equal(quantityValue('2Gi'), 2 * 2 ** 30);
  assert.equal(quantityValue('1e3'), 1000);
  assert.equal(quantityValue('two'), undefined);
});
