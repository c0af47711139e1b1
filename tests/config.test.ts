import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { configHash, loadExperimentConfig, parseExperimentConfig, redactSecrets } from '../src/config/experiment';
import { searchRates } from '../src/config/load';
import { ROOT } from './helpers/cli';

const env = { AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net', AZUREML_KEY: 'k3y' };

test('the example config for real clouds parses, with secrets from the environment', () => {
  const config = loadExperimentConfig(path.join(ROOT, 'templates', 'experiment.example.yaml'), env);
  assert.deepEqual(Object.keys(config.platforms), ['aws', 'azure']);
  assert.equal(config.batchSize, 1024);
  const azure = config.platforms.azure;
  assert.ok(typeof azure !== 'string' && azure.inference.type === 'azureml' && azure.inference.key === 'k3y');
  assert.throws(() => loadExperimentConfig(path.join(ROOT, 'templates', 'experiment.example.yaml'), {}), /AZURE_STORAGE_CONNECTION_STRING is not set/);
});

test('secrets never survive redaction; the rest does', () => {
  const config = loadExperimentConfig(path.join(ROOT, 'templates', 'experiment.example.yaml'), env);
  const text = JSON.stringify(redactSecrets(config));
  assert.doesNotMatch(text, /c2VjcmV0|k3y/);
  assert.match(text, /AccountName=acct;AccountKey=\*\*\*;EndpointSuffix/);
  assert.match(text, /my-cloudbench-bucket/);
});

test('the config hash ignores key order, secrets and the output folder, and sees what is measured', () => {
  const base = { platforms: { aws: 'local:aws' }, dataset: { type: 'synthetic', count: 8 }, batchSize: 4 };
  const h = configHash(parseExperimentConfig(base));
  assert.equal(configHash(parseExperimentConfig({ batchSize: 4, dataset: { count: 8, type: 'synthetic' }, platforms: { aws: 'local:aws' } })), h);
  assert.equal(configHash(parseExperimentConfig({ ...base, outDir: '/elsewhere' })), h);
  // Deadlines and retries may change on resume (they are recorded per session instead).
  assert.equal(configHash(parseExperimentConfig({ ...base, timeouts: { firstByteMs: 90000, totalMs: 180000 }, retry: { maxAttempts: 5 } })), h);
  assert.notEqual(configHash(parseExperimentConfig({ ...base, batchSize: 5 })), h);
  const withKey = (key: string) => ({ ...base, platforms: { x: { storage: { type: 's3', bucket: 'b-1', region: 'r' }, inference: { type: 'azureml', scoringUri: 'https://e/score', key } } } });
  assert.equal(configHash(parseExperimentConfig(withKey('one'))), configHash(parseExperimentConfig(withKey('two'))));
});

test('header values and credentials inside URLs are redacted; plain URLs stay as written', () => {
  const redacted = JSON.stringify(redactSecrets(parseExperimentConfig({
    platforms: {
      app: {
        storage: { type: 'azure-blob', container: 'abc', accountUrl: 'https://acct.blob.core.windows.net', sasToken: 'sv=1&sig=SECRET1' },
        inference: { type: 'http', url: 'https://user:SECRET2@app.example.net/predict?code=SECRET3', headers: { 'x-api-key': 'SECRET4' } },
      },
      s3: {
        storage: { type: 's3', bucket: 'b-1', region: 'r', endpoint: 'https://s3.example.net/?X-Amz-Signature=SECRET5' },
        inference: { type: 'azureml', scoringUri: 'https://e.inference.ml.azure.com/score', key: 'SECRET6' },
      },
    },
    dataset: { type: 'synthetic', count: 8 },
  })));
  assert.doesNotMatch(redacted, /SECRET\d/);
  assert.match(redacted, /"accountUrl":"https:\/\/acct\.blob\.core\.windows\.net"/);
  assert.match(redacted, /"url":"https:\/\/app\.example\.net\/predict\?code=\*\*\*"/);
  assert.match(redacted, /"scoringUri":"https:\/\/e\.inference\.ml\.azure\.com\/score"/);
});

test('load: block parsed with defaults; absent from configs without one (their hash is unchanged); search rates listed', () => {
  const base = { platforms: { aws: 'local:aws' }, dataset: { type: 'synthetic', count: 4 } };
  const plain = parseExperimentConfig(base);
  assert.equal('load' in plain, false, 'no load key at all, so canonicalJson (and configHash) of older configs is the same');
  const c = parseExperimentConfig({ ...base, load: { search: { start: 1, factor: 2, max: 16 }, slo: { ms: 500 } } });
  assert.deepEqual(c.load!.slo, { percentile: 99, ms: 500 });
  assert.equal(c.load!.arrival, 'poisson');
  assert.deepEqual(searchRates(c.load!.search!), [1, 2, 4, 8, 16]);
  assert.deepEqual(searchRates({ start: 0.1, step: 0.1, factor: null, max: 0.5 }), [0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.notEqual(configHash(c), configHash(plain));
});
