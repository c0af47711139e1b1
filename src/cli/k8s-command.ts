/** `cloudbench k8s job`: the manifests of a run scaled out over N pods of an Indexed Job. */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, loadExperimentConfig, parseExperimentConfig, usesLocalStack, type ExperimentConfig } from '../config/experiment';
import type { Json } from '../config/validate';
import { ensureWritableDir, writeFileAtomically } from '../durable-files';
import { UserError } from '../errors';
import { VERSION } from '../version';
import {
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  DEFAULT_START_IN_S,
  MAX_SHARDS,
  buildJobManifests,
  checkCpu,
  checkDnsLabel,
  checkDnsSubdomain,
  checkLabelValue,
  checkMemory,
  checkDnsRunId,
  configMapName,
  defaultRunId,
  envReferences,
  isoInstant,
  literalSecretPath,
  manifestsToYaml,
  parsePodLabel,
  parseResultsTo,
  parseStartAt,
  quantityValue,
  resultsOfRun,
} from './k8s-manifests';
import { intOption } from './options';
import { formatDuration } from './output';

interface K8sJobFlags {
  config: string;
  shards: number;
  image: string;
  namespace?: string;
  out?: string;
  resultsTo?: string;
  startAt?: string;
  startIn?: number;
  secret?: string[];
  serviceAccount?: string;
  cpu: string;
  memory: string;
  region?: string;
  zone?: string;
  runId?: string;
  podLabel?: string[];
}

/** A ConfigMap holds at most 1 MiB. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/**
 * What stands in for a `${NAME}` while the config is checked here (the values exist only in the
 * pods): tried in turn for the variables of a field that refuses the one before, so that a bucket,
 * a URL or a Vertex endpoint read from the environment passes and the rest of the config is checked.
 */
const PLACEHOLDERS = ['placeholder', 'https://placeholder.invalid/', 'projects/placeholder/locations/placeholder/endpoints/1'];

/** A repeatable option (no default given to commander, which would print "(default: [])"). */
const collect = (value: string, previous: string[] = []) => [...previous, value];

function readConfigText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`config file ${file} does not exist`);
    if (code === 'EISDIR') throw new ConfigError(`config file ${file} is a folder, not a file`);
    throw new ConfigError(`cannot read config file ${file}: ${code ?? err}`);
  }
}

/** The value at `config.platforms.aws.storage` of a raw config, or undefined. */
function rawAt(raw: Json, fieldPath: string): Json | undefined {
  let v: Json | undefined = raw;
  for (const part of fieldPath.replace(/^config\.?/, '').split('.').filter(Boolean)) {
    const [name, ...indexes] = part.split(/[[\]]+/).filter(Boolean);
    v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>)[name] : undefined;
    for (const i of indexes) v = Array.isArray(v) ? v[Number(i)] : undefined;
  }
  return v;
}

/**
 * The config as the pods will read it, checked here with placeholders for its `${NAME}` variables,
 * or undefined when a field refuses every placeholder (the pods check it with the real value).
 */
function checkConfig(raw: Json, names: string[]): { config?: ExperimentConfig; unchecked?: string } {
  const tried = new Map(names.map((n) => [n, 0]));
  for (;;) {
    const env = Object.fromEntries([...tried].map(([n, i]) => [n, PLACEHOLDERS[i]]));
    try {
      return { config: parseExperimentConfig(raw, env) };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const field = /^(config[^\s:]*)/.exec(err.message)?.[1];
      const refs = field ? envReferences(rawAt(raw, field) ?? null) : [];
      if (refs.length === 0) throw err;
      if (refs.some((n) => tried.get(n)! + 1 >= PLACEHOLDERS.length)) return { unchecked: field };
      for (const n of refs) tried.set(n, tried.get(n)! + 1);
    }
  }
}

function usesLocalStackRaw(raw: Json): boolean {
  const platforms = rawAt(raw, 'config.platforms');
  return !!platforms && typeof platforms === 'object' && Object.values(platforms).some((p) => typeof p === 'string');
}

async function k8sJob(flags: K8sJobFlags): Promise<void> {
  const o = { ...flags, secret: flags.secret ?? [], podLabel: flags.podLabel ?? [] };
  const now = new Date();
  const resultsTo = parseResultsTo(o.resultsTo);
  if (o.startAt !== undefined && o.startIn !== undefined) throw new UserError('give --start-at or --start-in, not both');
  // --start-in: a whole second, easier to read in the manifests and the pods' logs.
  const startAt = o.startAt !== undefined
    ? parseStartAt(o.startAt, now)
    : new Date(Math.ceil((now.getTime() + (o.startIn ?? DEFAULT_START_IN_S) * 1000) / 1000) * 1000);
  const runId = o.runId !== undefined ? checkDnsRunId(o.runId) : defaultRunId(now, randomBytes(2).toString('hex'));
  if (!o.image.trim() || /\s/.test(o.image)) throw new UserError(`--image takes an image reference, got ${JSON.stringify(o.image)}`);
  if (o.namespace !== undefined) checkDnsLabel('--namespace', o.namespace);
  for (const s of o.secret) checkDnsSubdomain('--secret', s);
  if (o.serviceAccount !== undefined) checkDnsSubdomain('--service-account', o.serviceAccount);
  if (o.region !== undefined) checkLabelValue('--region', o.region);
  if (o.zone !== undefined) checkLabelValue('--zone', o.zone);
  const podLabels = Object.fromEntries(o.podLabel.map(parsePodLabel));
  const outDir = o.out !== undefined ? ensureWritableDir(o.out, '--out') : undefined;

  // The config, as written: its ${NAME} references stay references, resolved in each pod from the Secrets.
  const text = readConfigText(o.config);
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new UserError(`config file ${o.config} is over 1 MiB, the most a ConfigMap holds`);
  const yaml = /\.ya?ml$/i.test(o.config);
  let raw: Json;
  try {
    raw = yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    loadExperimentConfig(o.config); // throws the parse error in the product's words
    throw err;
  }
  const secretAt = literalSecretPath(raw);
  if (secretAt) {
    throw new UserError(
      `${secretAt} holds a literal secret, and the config goes into a ConfigMap that anyone who can read the namespace can read: write it as \${NAME} and give the value to the pods in a Secret (--secret)`,
    );
  }
  const names = envReferences(raw);
  const { config, unchecked } = checkConfig(raw, names);
  if (config ? usesLocalStack(config) : usesLocalStackRaw(raw)) {
    throw new UserError('this config uses the local stack ("local:aws"/"local:azure"/"local:gcp"), which pods cannot reach: scale out against real cloud targets');
  }

  const manifests = buildJobManifests({
    runId,
    shards: o.shards,
    image: o.image,
    namespace: o.namespace,
    config: { key: yaml ? 'experiment.yaml' : 'experiment.json', text },
    resultsTo,
    startAt,
    secrets: o.secret,
    serviceAccount: o.serviceAccount,
    cpu: o.cpu,
    memory: o.memory,
    region: o.region,
    zone: o.zone,
    podLabels,
  });

  const merge = `cloudbench merge ${resultsOfRun(resultsTo, runId)} --out reports`;
  const refs = names.map((n) => `\${${n}}`).join(', ');
  const comment = [
    `cloudbench ${VERSION} k8s job: run ${runId}, ${o.shards} shard${o.shards > 1 ? 's' : ''}, measuring from ${isoInstant(startAt)}: apply before then.`,
    ...(names.length > 0 ? [`The config reads ${refs}: ${o.secret.length > 0 ? `Secret ${o.secret.join(', ')} must hold ${names.length > 1 ? 'them' : 'it'}` : 'give them to the pods in a Secret (--secret)'}.`] : []),
    `Results: ${resultsOfRun(resultsTo, runId)}, then: ${merge}`,
  ];
  const yamlText = manifestsToYaml(manifests, comment);

  // Notes on stderr: stdout may be piped to kubectl.
  const note = (s: string) => process.stderr.write(`cloudbench: ${s}\n`);
  if (names.length > 0 && o.secret.length === 0) {
    note(`the config reads ${refs} from the environment: ${names.length > 1 ? 'they' : 'it'} must come from a Secret, given with --secret NAME (the manifests do not set ${names.length > 1 ? 'them' : 'it'})`);
  }
  if (unchecked) note(`${unchecked} is checked only in the pods: its value comes from the environment`);
  const dataset = rawAt(raw, 'config.dataset');
  if (dataset && typeof dataset === 'object' && (dataset as Record<string, Json>).type === 'folder') {
    note(`the dataset is a folder (${JSON.stringify((dataset as Record<string, Json>).path)}), which the pods do not have: the Job mounts nothing there (use a synthetic dataset, or add a volume)`);
  }
  if (!Number.isInteger(quantityValue(o.cpu))) {
    note(`--cpu ${o.cpu} is not a whole number of cores: no exclusive cores, and the CPU quota may throttle the client in the middle of a request`);
  }
  const wait = formatDuration(startAt.getTime() - now.getTime());
  note(`the ${o.shards} shard${o.shards > 1 ? 's' : ''} start measuring at ${isoInstant(startAt)} (in ${wait}): apply the manifests before then`);

  if (o.out === undefined || outDir === undefined) {
    process.stdout.write(yamlText);
    return;
  }
  writeFileAtomically(path.join(outDir, `${runId}.yaml`), yamlText);
  const ns = o.namespace ? ` -n ${o.namespace}` : '';
  const shown = path.join(o.out, `${runId}.yaml`);
  process.stdout.write(
    `Wrote ${shown} (ConfigMap ${configMapName(runId)}, Job ${runId} with ${o.shards} shard${o.shards > 1 ? 's' : ''}).\n` +
      `Next:\n` +
      `  kubectl apply${ns} -f ${shown}        (before ${isoInstant(startAt)})\n` +
      `  kubectl wait${ns} --for=condition=complete job/${runId} --timeout=24h\n` +
      `  ${merge}\n` +
      `Watch: kubectl get pods${ns} -l cloudbench.dev/run=${runId}; a failed shard is not retried and the Job ends Failed once the others finish, so the wait above would not end: kubectl describe${ns} job/${runId} shows which index failed.\n`,
  );
}

export function registerK8sCommands(program: Command): void {
  const k8s = program.command('k8s').description('scale a run out over Kubernetes pods (manifests to apply with kubectl)');
  k8s
    .command('job')
    .description('an Indexed Job of N shards of one run, all measuring from the same instant, plus a ConfigMap with the config as written')
    .requiredOption('--config <file>', 'experiment config (JSON or YAML); ${NAME} references are resolved in the pods, from --secret')
    .requiredOption('--shards <n>', `number of pods, each running one shard (at most ${MAX_SHARDS})`, intOption('--shards', 1, MAX_SHARDS))
    .option('--results-to <url>', 'where each shard uploads its run folder (required): s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix')
    .option('--image <image>', 'the client image built from the Dockerfile, pushed where the cluster pulls from', `cloudbench:${VERSION}`)
    .option('--namespace <ns>', 'namespace of the Job and ConfigMap (default: kubectl\'s current one)')
    .option('--out <dir>', 'write <dir>/<run-id>.yaml and print the kubectl steps (default: the YAML on stdout)')
    .option('--start-at <iso>', 'the instant every shard begins measuring, e.g. 2026-03-01T14:00:00Z')
    .option('--start-in <seconds>', `begin measuring this long after now (default ${DEFAULT_START_IN_S})`, intOption('--start-in', 1, 7 * 86_400))
    .option('--secret <name>', 'a Secret whose keys become the pods\' environment (repeatable)', collect)
    .option('--service-account <name>', 'the pods\' service account, for workload identity (IRSA, EKS Pod Identity, Azure, GKE)')
    .option('--cpu <quantity>', 'CPU of each pod, requests = limits', checkCpu, DEFAULT_CPU)
    .option('--memory <quantity>', 'memory of each pod, requests = limits', checkMemory, DEFAULT_MEMORY)
    .option('--region <region>', 'schedule on nodes of this region (topology.kubernetes.io/region) and record it')
    .option('--zone <zone>', 'schedule on nodes of this zone (topology.kubernetes.io/zone) and record it')
    .option('--run-id <id>', 'the run\'s id: names the Job and the shard folders (default cb-YYYYMMDD-HHMMSS-xxxx)')
    .option('--pod-label <key=value>', 'a label on every pod, e.g. azure.workload.identity/use=true (repeatable)', collect)
    .action((o: K8sJobFlags) => k8sJob(o));
}
