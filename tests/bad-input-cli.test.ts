/**
 * A catalogue of bad inputs, part 1: commands and options, output paths, config fields.
 * What the user sees: for the CLI, exactly one line on stderr saying
 * what is wrong and naming it (option, field path, file), exit status 1, no stack trace, no secret
 * echoed, and fast (before any measuring); for the local endpoints, the service's own error shape.
 *
 * Accepted stderr shapes of a failing command:
 * - `cloudbench: <what is wrong>`, one line (the product's own errors);
 * - commander's usage errors (unknown command or option, missing argument or option value) in the
 *   same one-line form, ending with the help hint: `cloudbench: unknown option '--x' (add --help
 *   for usage)` (`kind: 'usage'` marks these cases);
 * - progress lines (`Hashing 1/2`) may precede the error line: a command reports progress on stderr.
 * A comment `found:` marks a case that failed when this catalogue was written, and what was wrong.
 */
import { BASE, BASE_RUN, FILE, HTTP, LOCAL, NB, PROC, S3, SYS, YAML_PLATFORMS, absent, catalogue, cli, config, fail, inference, p, storage, unchanged, usage, writeConfig } from './helpers/bad-input';

// --- 1. Commands and options ---------------------------------------------------------------------

const notFolder = p('f', 'nomanifest');
catalogue('1. commands and options', [
  cli('unknown command', ['frobnicate'], usage(/unknown command 'frobnicate'/)),
  cli('unknown option', ['run', '--frobnicate'], usage(/unknown option '--frobnicate'/)),
  cli('missing argument of analyze', ['analyze'], usage(/missing required argument 'run-dir'/)),
  cli('dataset synth without --count', ['dataset', 'synth', '--out', p('syn')], usage(/--count <n>' not specified/)),
  cli('--batches without its value', ['run', '--batches'], usage(/option '--batches <n>' argument missing/)),
  cli('--batches 0', ['run', '--batches', '0'], fail(/--batches takes a whole number ≥ 1, got 0/)),
  cli('--batches abc', ['run', '--batches', 'abc'], fail(/--batches takes a whole number ≥ 1, got abc/)),
  cli('--batch-size 1.5', ['run', '--batch-size', '1.5'], fail(/--batch-size takes a whole number ≥ 1, got 1\.5/)),
  cli('--instances 0', ['run', '--local', '--instances', '0'], fail(/--instances takes a whole number from 1 to 64, got 0/)),
  cli('stack up --instances 65', ['stack', 'up', '--instances', '65'], fail(/--instances .* got 65/)),
  cli('--alpha 1', ['analyze', BASE_RUN, '--alpha', '1'], fail(/--alpha takes a number between 0 and 1 \(exclusive\), got 1/)),
  cli('--alpha abc', ['report', BASE_RUN, '--alpha', 'abc'], fail(/--alpha .* got abc/)),
  cli('notebook run --timeout 0', ['notebook', 'run', NB, '--timeout', '0'], fail(/--timeout takes a whole number ≥ 1, got 0/)),
  cli('dataset synth --count 0', ['dataset', 'synth', '--count', '0', '--out', p('syn')], fail(/--count takes a whole number from 1 to 1000000, got 0/)),
  // found: the generator's own message names no option, after --out was created.
  cli('dataset synth --count over the maximum', ['dataset', 'synth', '--count', '20000000', '--out', p('syn-max')], fail(/--count .*1000000.*20000000/)),
  cli('dataset synth --seed -1', ['dataset', 'synth', '--count', '1', '--seed', '-1', '--out', p('syn')], fail(/--seed takes a whole number from 0 to 4294967295, got -1/)),
  // found: Number('') is 0, so an empty value (`--seed "$SEED"`, SEED unset) silently means seed 0.
  cli('dataset synth --seed "" (an unset variable)', ['dataset', 'synth', '--count', '1', '--seed', '', '--out', p('syn-empty')], fail(/--seed takes a whole number from 0 to 4294967295, got ""/)),
  // found: as --count over the maximum.
  cli('dataset synth --seed over 2^32', ['dataset', 'synth', '--count', '1', '--seed', '5000000000', '--out', p('syn')], fail(/--seed .*4294967295/)),
  cli('stack up --s3-port 70000', ['stack', 'up', '--s3-port', '70000'], fail(/--s3-port takes a whole number from 0 to 65535, got 70000/)),
  cli('stack up --inference-port http', ['stack', 'up', '--inference-port', 'http'], fail(/--inference-port .* got http/)),
  cli('report --format xml', ['report', BASE_RUN, '--format', 'xml'], fail(/--format takes html, pdf or html,pdf; got "xml"/)),
  cli('report --format html,svg', ['report', BASE_RUN, '--format', 'html,svg'], fail(/--format .*"html,svg"/)),
  cli('report --template folder missing', ['report', BASE_RUN, '--template', p('nope')], fail(/--template: folder .*nope does not exist/)),
  cli('analyze --templates folder missing', ['analyze', BASE_RUN, '--templates', p('nope')], fail(/--templates: folder .*nope does not exist/)),
  cli('run with neither --config nor --local', ['run'], fail(/say what to run: --config FILE, or --local/)),
  cli('run --resume of an unknown run id', ['run', '--resume', '20990101-000000-dead'], fail(/no run "20990101-000000-dead" found/)),
  cli('analyze a folder that does not exist', ['analyze', p('nope')], fail(/run folder .*nope does not exist/)),
  // found (and report): says the file "does not exist".
  cli('analyze a file', ['analyze', FILE], fail(/file\.txt is a file, not a (run )?folder/)),
  cli('analyze a folder without manifest.json', ['analyze', notFolder], fail(/nomanifest is not a cloudbench run folder \(no manifest\.json\)/)),
  cli('report a folder that does not exist', ['report', p('nope'), '--format', 'html'], fail(/run folder .*nope does not exist/)),
  cli('report a file', ['report', FILE, '--format', 'html'], fail(/file\.txt is a file, not a (run )?folder/)),
  cli('report a folder without manifest.json', ['report', notFolder, '--format', 'html'], fail(/nomanifest is not a cloudbench run folder/)),
  // found: says "cannot read notebook …: ENOENT", an errno code instead of words.
  cli('notebook run of a missing file', ['notebook', 'run', p('nope.ipynb')], fail(/notebook .*nope\.ipynb.*(does not exist|no such file)/)),
  cli('notebook run of a JSON file that is no notebook', ['notebook', 'run', p('f', 'not-a-notebook.json')], fail(/not-a-notebook\.json is not a Jupyter notebook/)),
  cli('notebook run of a broken .ipynb', ['notebook', 'run', p('f', 'broken.ipynb')], fail(/broken\.ipynb is not a notebook \(invalid JSON\)/)),
  cli('notebook run -p without =', ['notebook', 'run', NB, '-p', 'batches'], fail(/-p takes key=value, got "batches"/)),
  cli('notebook run -p of a notebook without parameters', ['notebook', 'run', NB, '-p', 'batches=2'], fail(/no cell tagged "parameters"/)),
  cli('dataset manifest of a missing folder', ['dataset', 'manifest', p('nope')], fail(/Dataset folder .*nope does not exist/)),
  cli('dataset manifest of an empty folder', ['dataset', 'manifest', p('f', 'empty')], fail(/empty contains no \.jpg, \.jpeg or \.png files \(it is empty\)/)),
  cli('dataset manifest of a file', ['dataset', 'manifest', FILE], fail(/file\.txt is a file, not a folder/)),
  // Not errors: the catalogue tells them apart.
  cli('not an error: stack down with none running', ['stack', 'down'], { status: 0, stdout: /^No detached local stack was running\.\n$/ }),
  cli('not an error: stack status --json', ['stack', 'status', '--json'], { status: 0, stdout: /^\{"running":false\}\n$/ }),
  cli('not an error: --version', ['--version'], { status: 0, stdout: /^\d+\.\d+\.\d+\n$/ }),
  cli('not an error: analyze a valid run', ['analyze', BASE_RUN], { status: 0, stdout: /Analysis of run 20250101-120000-f1x7/ }),
]);

// --- 2. Output paths -----------------------------------------------------------------------------

catalogue('2. output paths', [
  cli('run --out under a regular file', ['run', '--local', '--out', `${FILE}/runs`], fail(/--out: cannot write to .*file\.txt\/runs: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('run --out an existing file', ['run', '--local', '--out', FILE], fail(/--out: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  // found (and the other /proc cases but notebook run): Node 20's recursive mkdir loops forever there.
  cli('run --out under /proc', ['run', '--local', '--out', `${PROC}/runs`], fail(/--out: cannot write to \/proc\/cloudbench-bad-input-\d+\/runs/), { killMs: 15_000, check: absent(PROC) }),
  cli('run --out on a read-only place', ['run', '--local', '--out', SYS], fail(/--out: cannot write to \/sys\/cloudbench-bad-input-\d+: (operation not permitted|permission denied|the file system is read-only)/), { check: absent(SYS) }),
  cli('config outDir an existing file', ['run', '--config', p('c', 'outdir-file.json')], fail(/outDir: .*file\.txt is a file, not a folder/), {
    setup: () => writeConfig('outdir-file.json', { ...BASE, outDir: FILE }), check: unchanged(FILE),
  }),
  cli('report --out under a regular file', ['report', BASE_RUN, '--out', `${FILE}/report`], fail(/--out: cannot write to .*file\.txt\/report: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('report --out an existing file', ['report', BASE_RUN, '--out', FILE], fail(/--out: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('report --out on a read-only place', ['report', BASE_RUN, '--out', SYS], fail(/--out: cannot write to \/sys\/cloudbench-bad-input-\d+: /), { check: absent(SYS) }),
  cli('dataset synth --out under a regular file', ['dataset', 'synth', '--count', '1', '--out', `${FILE}/imgs`], fail(/--out: cannot write to .*file\.txt\/imgs: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('dataset synth --out an existing file', ['dataset', 'synth', '--count', '1', '--out', FILE], fail(/--out: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('dataset synth --out under /proc', ['dataset', 'synth', '--count', '1', '--out', `${PROC}/imgs`], fail(/--out: cannot write to \/proc\/cloudbench-bad-input-\d+\/imgs/), { killMs: 15_000, check: absent(PROC) }),
  cli('dataset synth --out on a read-only place', ['dataset', 'synth', '--count', '1', '--out', SYS], fail(/--out: cannot write to \/sys\/cloudbench-bad-input-\d+: /), { check: absent(SYS) }),
  cli('notebook run --out under a regular file', ['notebook', 'run', NB, '--out', `${FILE}/out.ipynb`], fail(/--out: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('notebook run --out an existing folder', ['notebook', 'run', NB, '--out', p('f', 'empty')], fail(/--out: .*empty is a folder, not a file/)),
  cli('notebook run --out on a read-only place', ['notebook', 'run', NB, '--out', `${SYS}.ipynb`], fail(/--out: cannot write to \/sys: /), { check: absent(`${SYS}.ipynb`) }),
  // found: shows Node's raw message with the internal probe file's name.
  cli('notebook run --out under /proc', ['notebook', 'run', NB, '--out', `${PROC}.ipynb`], fail(/--out: cannot write to \/proc: /), { check: absent(`${PROC}.ipynb`) }),
  cli('kernel-install --dir under a regular file', ['notebook', 'kernel-install', '--dir', `${FILE}/jupyter`], fail(/--dir: cannot write to .*file\.txt\/jupyter: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('kernel-install --dir an existing file', ['notebook', 'kernel-install', '--dir', FILE], fail(/--dir: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('kernel-install --dir on a read-only place', ['notebook', 'kernel-install', '--dir', SYS], fail(/--dir: cannot write to \/sys\/cloudbench-bad-input-\d+: /), { check: absent(SYS) }),
  cli('kernel-install --dir under /proc', ['notebook', 'kernel-install', '--dir', `${PROC}/jupyter`], fail(/--dir: cannot write to \/proc\/cloudbench-bad-input-\d+\/jupyter/), { killMs: 15_000, check: absent(PROC) }),
]);


catalogue('3. config file fields', [
  // found (both YAML cases): the parser's multi-line excerpt, with the secret on it, is printed.
  config('YAML that does not parse (a secret on the line)', { file: 'syntax.yaml', text: `${YAML_PLATFORMS}  azure: {storage: {type: s3, bucket: b-2\n  key: "SECRET-YAML-KEY\n` }, /syntax\.yaml is not valid YAML: .*line \d+/),
  config('YAML with a duplicated key', { file: 'dup.yaml', text: `${YAML_PLATFORMS}batchSize: 4\nbatchSize: 8\n` }, /dup\.yaml is not valid YAML: .*(unique|duplicate).*line 4/i),
  config('JSON with a trailing comma', { file: 'comma.json', text: '{"batchSize": 4,}' }, /comma\.json is not valid JSON/),
  // found: V8's message quotes the text around the error, the secret with it.
  config('JSON with an unquoted secret', { file: 'unquoted.json', text: '{"platforms": {"aws": {"inference": {"type": "azureml", "key": SECRET-JSON-KEY}}}}' }, /unquoted\.json is not valid JSON/),
  // found: says "cannot read config file …: ENOENT", an errno code instead of words.
  cli('config file that does not exist', ['run', '--config', p('c', 'nope.yaml')], fail(/config file .*nope\.yaml.*(does not exist|no such file)/)),
  config('a YAML scalar, not a mapping', { file: 'scalar.yaml', text: 'just some words\n' }, /config: expected an object, got "just some words"/),
  config('unknown top-level field', { batchsize: 4 }, /config\.batchsize: unknown field \(accepted: .*batchSize/),
  config('batchSize 0', { batchSize: 0 }, /config\.batchSize: expected a whole number from 1 to 1000000, got 0/),
  config('batches -1', { batches: -1 }, /config\.batches: expected a whole number ≥ 1, got -1/),
  config('warmupBatches ≥ batches', { batches: 1, warmupBatches: 1 }, /config\.warmupBatches is 1, which leaves none of the 1 batch to measure/),
  config('concurrency 0', { concurrency: 0 }, /config\.concurrency: expected a whole number from 1 to 256, got 0/),
  config('concurrency 1000', { concurrency: 1000 }, /config\.concurrency: expected a whole number from 1 to 256, got 1000/),
  config('concurrency with an unknown phase', { concurrency: { upload: 2, uplaod: 2 } }, /config\.concurrency\.uplaod: unknown field \(accepted: upload, download, inference\)/),
  config('order random', { order: 'random' }, /config\.order: expected one of interleaved, sequential, got "random"/),
  config('seed -1', { seed: -1 }, /config\.seed: expected a whole number ≥ 0, got -1/),
  config('phases []', { phases: [] }, /config\.phases: expected at least one of upload, download, inference/),
  config('phases [download] only', { phases: ['download'] }, /config\.phases: "download" needs "upload"/),
  config('phases [fly]', { phases: ['fly'] }, /config\.phases\[0\]: expected one of upload, download, inference, got "fly"/),
  config('failureTolerance 2', { failureTolerance: 2 }, /config\.failureTolerance: expected a number from 0 to 1, got 2/),
  config('keyPrefix without the slash', { keyPrefix: 'no-slash' }, /config\.keyPrefix: expected a key prefix .*ending in "\/"/),
  config('cleanup "yes"', { cleanup: 'yes' }, /config\.cleanup: expected true or false, got "yes"/),
  config('outDir 5', { outDir: 5 }, /config\.outDir: expected a non-empty string, got 5/),
  config('timeouts with an unknown key', { timeouts: { connectMS: 1000 } }, /config\.timeouts\.connectMS: unknown field \(accepted: connectMs, firstByteMs, totalMs/),
  config('timeouts.connectMs 0', { timeouts: { connectMs: 0 } }, /config\.timeouts\.connectMs: expected a whole number from 1 to 3600000, got 0/),
  config('timeouts.totalMs over an hour', { timeouts: { totalMs: 7_200_000 } }, /config\.timeouts\.totalMs: .*3600000, got 7200000/),
  config('timeouts firstByteMs > totalMs', { timeouts: { firstByteMs: 5000, totalMs: 1000 } }, /config\.timeouts: firstByteMs \(5000\) is longer than totalMs \(1000\)/),
  config('timeouts phase block with an unknown key', { timeouts: { inference: { firstbyteMs: 1 } } }, /config\.timeouts\.inference\.firstbyteMs: unknown field/),
  config('timeouts phase block firstByteMs > totalMs', { timeouts: { inference: { totalMs: 10 } } }, /config\.timeouts\.inference: firstByteMs \(60000\) is longer than totalMs \(10\)/),
  config('retry.maxAttempts 0', { retry: { maxAttempts: 0 } }, /config\.retry\.maxAttempts: expected a whole number from 1 to 10, got 0/),
  config('retry.maxAttempts 11', { retry: { maxAttempts: 11 } }, /config\.retry\.maxAttempts: expected a whole number from 1 to 10, got 11/),
  config('retry.baseDelayMs -1', { retry: { baseDelayMs: -1 } }, /config\.retry\.baseDelayMs: expected a whole number from 0 to 60000, got -1/),
  config('platforms missing', { platforms: undefined }, /config\.platforms: expected an object, got nothing/),
  config('platforms empty', { platforms: {} }, /config\.platforms: expected at least one platform/),
  config('platform name "AWS"', { platforms: { AWS: { storage: S3, inference: HTTP } } }, /config\.platforms\.AWS: platform names are 1-32 lowercase letters/),
  config('platform "local:ibm"', { platforms: { ibm: 'local:ibm' } }, /config\.platforms\.ibm: expected "local:aws", "local:azure", "local:gcp" or an object .*got "local:ibm"/),
  config('storage type unknown', storage({ type: 'r2', bucket: 'b-1' }), /config\.platforms\.aws\.storage\.type: expected one of s3, azure-blob, gcs, got "r2"/),
  config('gcs bucket name invalid', storage({ type: 'gcs', bucket: 'My Bucket' }), /config\.platforms\.aws\.storage\.bucket: expected a Cloud Storage bucket name .*got "My Bucket"/),
  config('gcs prefix starting with /', storage({ type: 'gcs', bucket: 'b-1', prefix: '/bench' }), /config\.platforms\.aws\.storage\.prefix: expected a folder inside the bucket, not starting with "\/"/),
  config('gcs apiEndpoint not a URL', storage({ type: 'gcs', bucket: 'b-1', apiEndpoint: 'localhost:4443' }), /config\.platforms\.aws\.storage\.apiEndpoint: expected an http\(s\) URL/),
  config('gcs unknown field', storage({ type: 'gcs', bucket: 'b-1', credentials: { token: 'SECRET-G' } }), /config\.platforms\.aws\.storage\.credentials: unknown field/),
  config('s3 bucket name invalid', storage({ ...S3, bucket: 'My_Bucket' }), /config\.platforms\.aws\.storage\.bucket: expected an S3 bucket name .*got "My_Bucket"/),
  config('s3 without region', storage({ ...S3, region: undefined }), /config\.platforms\.aws\.storage\.region: expected a non-empty string, got nothing/),
  config('s3 endpoint not a URL', storage({ ...S3, endpoint: 'localhost:9000' }), /config\.platforms\.aws\.storage\.endpoint: expected an http\(s\) URL/),
  config('s3 unknown field', storage({ ...S3, secretKey: 'SECRET-TYPO' }), /config\.platforms\.aws\.storage\.secretKey: unknown field/),
  config('azure-blob container invalid', storage({ type: 'azure-blob', container: 'Bad--Name', connectionString: 'AccountName=a;AccountKey=SECRET-AZ' }), /config\.platforms\.aws\.storage\.container: expected an Azure container name .*got "Bad--Name"/),
  config('azure-blob without credentials', storage({ type: 'azure-blob', container: 'bench' }), /config\.platforms\.aws\.storage: needs "connectionString", or "accountUrl" with "accountKey" or "sasToken"/),
  // found (and both header cases): a secret field of the wrong type is echoed as "got <value>".
  config('azure-blob accountKey a number (a secret)', storage({ type: 'azure-blob', container: 'bench', accountUrl: 'https://acc.blob.core.windows.net', accountKey: 775533119 }), /config\.platforms\.aws\.storage\.accountKey: expected a non-empty string/, { secrets: ['775533119'] }),
  config('azure-blob connection string malformed', storage({ type: 'azure-blob', container: 'bench', connectionString: 'AccountName=acc;AccountKey=SECRET-AZ' }), /config\.platforms\.aws\.storage: .*(BlobEndpoint|connection string)/i),
  config('inference type unknown', inference({ type: 'triton', url: 'https://x' }), /config\.platforms\.aws\.inference\.type: expected one of sagemaker, azureml, http, vertex, got "triton"/),
  config('vertex endpoint not a resource name', inference({ type: 'vertex', endpoint: '1234567890' }), /config\.platforms\.aws\.inference\.endpoint: expected the endpoint resource name projects\/PROJECT\/locations\/LOCATION\/endpoints\/ID, got "1234567890"/),
  config('vertex method unknown', inference({ type: 'vertex', endpoint: 'projects/p/locations/us-central1/endpoints/1', method: 'explain' }), /config\.platforms\.aws\.inference\.method: expected one of predict, rawPredict, got "explain"/),
  config('vertex :predict with a foreign codec', inference({ type: 'vertex', endpoint: 'projects/p/locations/us-central1/endpoints/1', codec: 'torchserve' }), /config\.platforms\.aws\.inference\.codec: :predict always speaks Vertex's instances\/predictions envelope/),
  config('vertex accessToken a number (a secret)', inference({ type: 'vertex', endpoint: 'projects/p/locations/us-central1/endpoints/1', accessToken: 445566778 }), /config\.platforms\.aws\.inference\.accessToken: expected a non-empty string/, { secrets: ['445566778'] }),
  config('sagemaker without endpointName', inference({ type: 'sagemaker', region: 'eu-west-1' }), /config\.platforms\.aws\.inference\.endpointName: expected a non-empty string, got nothing/),
  config('azureml scoringUri not a URL (secret in the query)', inference({ type: 'azureml', scoringUri: 'my-endpoint/score?code=SECRET123', key: 'SECRET-KEY' }), /config\.platforms\.aws\.inference\.scoringUri: expected an http\(s\) URL/),
  config('http url with user:password@ malformed', inference({ type: 'http', url: 'http://user:SECRET-PW@bad host/score' }), /config\.platforms\.aws\.inference\.url: expected an http\(s\) URL/),
  config('http headers a list', inference({ type: 'http', url: 'https://x.example/score', headers: ['x-api-key: SECRET-H'] }), /config\.platforms\.aws\.inference\.headers: expected an object/),
  config('http header value a number (a secret)', inference({ type: 'http', url: 'https://x.example/score', headers: { 'x-api-key': 998877665 } }), /config\.platforms\.aws\.inference\.headers\.x-api-key: expected a non-empty string/, { secrets: ['998877665'] }),
  config('dataset missing', { dataset: undefined }, /config\.dataset\.type: expected one of folder, synthetic, got nothing/),
  config('dataset type unknown', { dataset: { type: 's3', bucket: 'b-1' } }, /config\.dataset\.type: expected one of folder, synthetic, got "s3"/),
  config('folder dataset without path', { dataset: { type: 'folder' } }, /config\.dataset\.path: expected a non-empty string, got nothing/),
  config('synthetic count 0', { dataset: { type: 'synthetic', count: 0 } }, /config\.dataset\.count: expected a whole number from 1 to 1000000, got 0/),
  // found: the config allows 10,000,000, the generator 1,000,000 and its message names no field.
  config('synthetic count over the generator limit', { dataset: { type: 'synthetic', count: 5_000_000 } }, /config\.dataset\.count: .*1000000/),
  config('${ENV} of an unset variable', inference({ type: 'azureml', scoringUri: 'https://ep.example/score', key: '${CLOUDBENCH_TEST_UNSET_KEY}' }), /config\.platforms\.aws\.inference\.key: environment variable CLOUDBENCH_TEST_UNSET_KEY is not set/),
  config('local platforms without --local', {}, /this config uses the local stack .*add --local/, { base: LOCAL }),
  config('--local: batchSize 0 fails before the stack starts', { batchSize: 0 }, /config\.batchSize: expected a whole number/, { base: LOCAL, args: ['--local'] }),
  config('--local: unknown field fails before the stack starts', { platform: {} }, /config\.platform: unknown field/, { base: LOCAL, args: ['--local'] }),
]);
