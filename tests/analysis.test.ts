import { evidenceReason, verdictLine } from '../src/report/verdict-text';
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { Command } from 'commander';
import { analyzeRun, findNonJsonNumber, type AnalyzeInput } from '../src/analysis/analyze-run';
import { buildCostModel } from '../src/analysis/cost-model';
import type { AnalysisModel, PlatformCost } from '../src/analysis/model';
import { loadPricing, parsePricing } from '../src/analysis/pricing';
import { defaultTemplatesDir } from '../src/analysis/template-files';
import { Field } from '../src/config/validate';
import { registerAnalyzeCommand } from '../src/cli/analyze-command';
import { isUserFacing } from '../src/errors';
import type { RunManifest } from '../src/experiment/manifest';
import { type BatchRow, type RequestRow } from '../src/schema/records';
import { RequestSummaryBuilder } from '../src/experiment/request-store/summary-builder';

function cellsOf(rows: RequestRow[]) {
  const b = new RequestSummaryBuilder();
  for (const r of rows) b.add(r);
  return b.cells();
}
import { appendBatch, initRunFiles, writeManifest } from '../src/experiment/run-store';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-analysis-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const FAST = { bootstrap: { iterations: 200, seed: 7 } };

// ───────────────────────────── fixtures ─────────────────────────────

interface BatchValues {
  upload: number;
  download: number;
  inference: number;
  warmup?: boolean;
  status?: 'ok' | 'failed';
  images?: number;
}

/** A batch of 1 MiB, so s/MiB equals seconds and throughput = 1 / (download + inference). */
function batch(platform: string, index: number, v: BatchValues): BatchRow {
  const mib = 1;
  return {
    run: 'test-run',
    platform,
    batch: index,
    warmup: v.warmup ?? false,
    status: v.status ?? 'ok',
    images: v.images ?? 10,
    bytes: 2 ** 20,
    mib,
    uploadS: v.upload,
    downloadS: v.download,
    inferenceS: v.inference,
    uploadSPerMiB: v.upload / mib,
    downloadSPerMiB: v.download / mib,
    inferenceSPerMiB: v.inference / mib,
    throughputMiBps: mib / (v.download + v.inference),
    requests: 30,
    failures: v.status === 'failed' ? 10 : 0,
    retried: 0,
    startedAt: new Date(1_700_000_000_000 + index * 1000).toISOString(),
  };
}

function manifest(platforms: string[]): RunManifest {
  return {
    schema: 1,
    runId: 'test-run',
    name: 'analysis test',
    status: 'complete',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:10:00.000Z',
    sessions: [],
    config: { platforms: Object.fromEntries(platforms.map((p) => [p, `local:${p}`])) } as unknown as RunManifest['config'],
    configHash: 'x',
    dataset: { count: 0, totalBytes: 0, sha256: '', source: 'test' },
    plannedBatches: 0,
    platforms: Object.fromEntries(
      platforms.map((p) => [p, { storageKind: 's3', storage: 'x', inferenceKind: 'sagemaker', inference: 'x', local: true }]),
    ),
    versions: { cloudbench: 'test', node: process.version, packages: {} },
    git: null,
    host: { os: 'test', arch: 'x64', cpus: 1, cpuModel: 'test', memoryGiB: 1 },
  };
}

function run(batches: BatchRow[], requests: RequestRow[] = []): AnalyzeInput {
  const platforms = [...new Set(batches.map((b) => b.platform))];
  return { manifest: manifest(platforms), batchRows: batches, requestRows: requests };
}

/** n batches per platform; `f(i)` gives the values of batch i. */
function series(platform: string, n: number, f: (i: number) => BatchValues, from = 0): BatchRow[] {
  return Array.from({ length: n }, (_, i) => batch(platform, from + i, f(i)));
}

function request(platform: string, batchIndex: number, phase: RequestRow['phase'], over: Partial<RequestRow> = {}): RequestRow {
  return {
    run: 'test-run',
    platform,
    batch: batchIndex,
    phase,
    key: 'k',
    bytes: 1000,
    startedAt: 0,
    monoStartMs: 0,
    durationMs: 10,
    ttfbMs: phase === 'download' ? 5 : null,
    attempts: 1,
    ok: true,
    errorCode: null,
    detections: phase === 'inference' ? 1 : null,
    ...over,
  };
}

/** A copy of the bundled templates with some files replaced. */
function templatesWith(name: string, files: Record<string, string>): string {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(defaultTemplatesDir())) {
    if (f.endsWith('.yaml')) fs.copyFileSync(path.join(defaultTemplatesDir(), f), path.join(dir, f));
  }
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

const metric = (m: AnalysisModel, key: string) => m.metrics.find((x) => x.metric === key)!;

// A deterministic wobble so samples have no ties and are not trivially constant.
const wobble = (i: number) => ((i * 7) % 10) / 1000;

// ───────────────────────────── cost model ─────────────────────────────

describe('cost model', () => {
  test('a hand-computed example', () => {
    const pricing = parsePricing(
      new Field('', {
        bytesPerGB: 2 ** 30,
        hoursPerDay: 24,
        platforms: {
          aws: {
            currency: 'USD',
            region: 'r',
            resources: [
              { id: 'client', service: 's', type: 't', role: 'client', price: 0.01, unit: 'hour', source: { label: 'x', url: 'https://example.com/prices' } },
              { id: 'ep', service: 's', type: 't', role: 'inference', price: 0.5, unit: 'hour', source: { label: 'x', url: 'https://example.com/prices' } },
              { id: 'put', service: 's', type: 't', role: 'storage-write', price: 0.005, unit: '1000 requests', source: { label: 'x', url: 'https://example.com/prices' } },
              { id: 'get', service: 's', type: 't', role: 'storage-read', price: 0.0004, unit: '1000 requests', source: { label: 'x', url: 'https://example.com/prices' } },
              { id: 'out', service: 's', type: 't', role: 'egress', price: 0.09, unit: 'GB egress', source: { label: 'x', url: 'https://example.com/prices' } },
            ],
          },
          azure: {
            currency: 'USD',
            region: 'r',
            resources: [
              { id: 'client', service: 's', type: 't', role: 'client', price: 0.02, unit: 'hour', source: { label: 'x', url: 'https://example.com/prices' } },
              { id: 'ep', service: 's', type: 't', role: 'inference', price: 0.2, unit: 'hour', instances: { min: 1, max: 3 }, source: { label: 'x', url: 'https://example.com/prices' } },
              { id: 'write', service: 's', type: 't', role: 'storage-write', price: 0.05, unit: '10000 requests', source: { label: 'x', url: 'https://example.com/prices' } },
              { id: 'read', service: 's', type: 't', role: 'storage-read', price: 0.004, unit: '10000 requests', source: { label: 'x', url: 'https://example.com/prices' } },
            ],
          },
        },
      }),
    );
    const measured = [
      batch('aws', 1, { upload: 1, download: 1, inference: 20, images: 100 }),
      batch('aws', 2, { upload: 1, download: 1, inference: 30, images: 100 }),
      batch('azure', 1, { upload: 1, download: 1, inference: 25, images: 100 }),
    ];
    const requests: RequestRow[] = [
      // 10 uploads, one needed a second attempt → 11 billed PUTs.
      ...Array.from({ length: 10 }, (_, i) => request('aws', 1, 'upload', { attempts: i === 0 ? 2 : 1 })),
      // 10 downloads of 128 MiB = 1.25 GiB delivered; one failed download (bytes unknown to have left).
      ...Array.from({ length: 10 }, () => request('aws', 1, 'download', { bytes: 2 ** 27 })),
      request('aws', 1, 'download', { bytes: 2 ** 27, ok: false, errorCode: 'Timeout' }),
      ...Array.from({ length: 4 }, () => request('azure', 1, 'upload')),
      ...Array.from({ length: 4 }, () => request('azure', 1, 'download', { bytes: 2 ** 20 })),
    ];
    const model = buildCostModel(pricing, { platforms: ['aws', 'azure', 'gcp'], measured, cells: cellsOf(requests), local: { aws: true } });
    const [aws, azure, gcp] = model.platforms as [PlatformCost, PlatformCost, PlatformCost];
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
    assert.ok(aws.priced && azure.priced);
    // aws: hourly 0.01 + 0.5 = 0.51, daily 0.51 × 24 = 12.24.
    close(aws.hourly.min, 0.51);
    close(aws.hourly.max, 0.51);
    close(aws.daily.min, 12.24);
    // Rate: (100 + 100) images / (20 + 30) s = 4 images/s = 14,400 images/h;
    // per 1,000 inferences: 0.5 USD/h / 14.4 thousand/h = 0.0347222… USD.
    close(aws.inference.imagesPerSecond!, 4);
    close(aws.inference.costPer1000!.min, 0.5 / 14.4);
    // Run: 11 PUT × 0.005/1000 = 0.000055; 11 GET attempts × 0.0004/1000 = 0.0000044;
    // egress 10 × 2^27 B = 1.25 GB × 0.09 = 0.1125; total 0.1125594.
    assert.equal(aws.run.putRequests, 11);
    assert.equal(aws.run.getRequests, 11);
    assert.equal(aws.run.downloadedBytes, 10 * 2 ** 27);
    close(aws.run.total, 0.000055 + 0.0000044 + 0.1125);
    assert.equal(aws.measuredOnLocalStack, true);
    // azure: hourly 0.02 + 0.2 × 1..3 = 0.22–0.62; daily 5.28–14.88.
    close(azure.hourly.min, 0.22);
    close(azure.hourly.max, 0.62);
    close(azure.daily.max, 14.88);
    // Rate 100 / 25 = 4 images/s: per 1,000 = 0.2/14.4 … 0.6/14.4.
    close(azure.inference.costPer1000!.min, 0.2 / 14.4);
    close(azure.inference.costPer1000!.max, 0.6 / 14.4);
    // 4 writes × 0.05/10000 + 4 reads × 0.004/10000 = 0.0000216; no egress price → listed as unpriced.
    close(azure.run.total, 4 * 0.000005 + 4 * 0.0000004);
    assert.deepEqual(azure.run.unpriced, ['egress']);
    assert.equal(azure.measuredOnLocalStack, false);
    // A platform missing from the pricing file is "not priced", not an error.
    assert.equal(gcp.priced, false);
    assert.match(!gcp.priced ? gcp.reason : '', /not priced/);
  });

  test('the bundled pricing reproduces the hourly figures of the study\'s Tables 6–7 from unit prices', () => {
    const pricing = loadPricing(defaultTemplatesDir());
    const model = buildCostModel(pricing, { platforms: ['aws', 'azure'], measured: [], cells: [], local: {} });
    const [aws, azure] = model.platforms;
    assert.ok(aws.priced && azure.priced);
    assert.ok(Math.abs(aws.hourly.min - 0.5364) < 1e-12);
    assert.ok(Math.abs(azure.hourly.min - 0.1955) < 1e-12);
    // Without inference data there is no rate, and the model says why instead of dividing by zero.
    assert.equal(aws.inference.costPer1000, null);
    assert.match(aws.inference.note ?? '', /no measured inference/);
  });

  test('invalid pricing YAML: the error names the bad field', () => {
    const bad = (yaml: string) => templatesWith(`bad-pricing-${Math.random().toString(36).slice(2)}`, { 'pricing.yaml': yaml });
    const base = (resource: string) => `platforms:\n  aws:\n    currency: USD\n    region: r\n    resources:\n      - ${resource}\n`;
    const src = 'source: { label: x, url: "https://example.com", readOn: "2026-01-01" }';
    const cases: [string, RegExp][] = [
      [base(`{ id: a, service: s, type: t, role: inference, price: cheap, unit: hour, ${src} }`), /pricing\.yaml: platforms\.aws\.resources\[0\]\.price: expected a number/],
      [base(`{ id: a, service: s, type: t, role: inference, price: 1, unit: 1000 requests, ${src} }`), /resources\[0\]\.unit: a inference resource is priced per hour/],
      [base(`{ id: a, service: s, type: t, role: egress, price: 1, unit: GB egress, source: { label: x, url: "https://example.com", readOn: "May 2026" } }`), /resources\[0\]\.source\.readOn: expected a date YYYY-MM-DD/],
      [base(`{ id: a, service: s, type: t, role: egress, price: 1, unit: GB egress, source: { label: x } }`), /resources\[0\]\.source: give the source's url, or noUrl with the reason it has none/],
      [base(`{ id: a, service: s, type: t, role: client, price: 1, unit: hour, ${src}, cost: 3 }`), /resources\[0\]\.cost: unknown field/],
    ];
    for (const [yaml, message] of cases) {
      assert.throws(
        () => analyzeRun(run(series('aws', 2, () => ({ upload: 1, download: 1, inference: 1 }))), { ...FAST, templatesDir: bad(yaml) }),
        (err: Error) => {
          assert.match(err.message, message);
          assert.ok(isUserFacing(err), `${err.name} should be printed as one line`);
          return true;
        },
      );
    }
  });
});

// ───────────────────────────── verdicts ─────────────────────────────

describe('per-metric verdicts', () => {
  test('same distribution on both platforms → "no significant difference", never a winner', () => {
    // Interleaved values from one distribution: azure's batch i sits between aws's i and i+1.
    const model = analyzeRun(
      run([
        ...series('aws', 10, (i) => ({ upload: 1 + i / 10, download: 0.5 + i / 20, inference: 2 + i / 10 })),
        ...series('azure', 10, (i) => ({ upload: 1.05 + i / 10, download: 0.525 + i / 20, inference: 2.05 + i / 10 })),
      ]),
      FAST,
    );
    for (const m of model.metrics) {
      assert.equal(m.verdict.kind, 'no-significant-difference', verdictLine(m, 0.05));
      assert.match(verdictLine(m, 0.05), /no significant difference/);
      assert.ok(m.omnibus!.pHolm >= 0.05);
    }
  });

  test('clearly separated platforms → the right winner for lower-is-better and higher-is-better metrics', () => {
    const model = analyzeRun(
      run([
        // aws uploads fast; azure downloads and infers fast, so azure has the higher throughput.
        ...series('aws', 12, (i) => ({ upload: 1 + wobble(i), download: 2 + wobble(i), inference: 3 + wobble(i) })),
        ...series('azure', 12, (i) => ({ upload: 2 + wobble(i), download: 1 + wobble(i), inference: 1.5 + wobble(i) })),
      ]),
      FAST,
    );
    const upload = metric(model, 'uploadSPerMiB');
    assert.equal(upload.verdict.kind, 'winner');
    assert.equal(upload.verdict.kind === 'winner' && upload.verdict.winner, 'aws');
    assert.match(verdictLine(upload, 0.05), /^upload: aws faster than azure by \d+\.\d% \(median\), p [=<] .* \(Holm\) — significant$/);
    const throughput = metric(model, 'throughputMiBps');
    assert.equal(throughput.better, 'higher');
    assert.equal(throughput.verdict.kind === 'winner' && throughput.verdict.winner, 'azure');
    assert.match(verdictLine(throughput, 0.05), /azure higher than aws/);
    // The statistics behind it: complete separation gives δ = ±1 and A ∈ {0, 1}.
    const pair = upload.pairwise[0];
    assert.equal(pair.cliffsDelta, -1);
    assert.equal(pair.varghaDelaneyA, 0);
    assert.ok(pair.medianDiff.upper < 0, 'the CI of median(aws) − median(azure) lies below 0');
    // Holm across the four metrics: adjusted p ≥ raw p.
    for (const m of model.metrics) assert.ok(m.omnibus!.pHolm >= m.omnibus!.pValue);
  });

  test('three platforms: the best ties with a platform it cannot be told apart from', () => {
    const model = analyzeRun(
      run([
        ...series('aws', 10, (i) => ({ upload: 1 + i / 100, download: 1, inference: 1 })),
        ...series('gcp', 10, (i) => ({ upload: 1.005 + i / 100, download: 1, inference: 1 })),
        ...series('azure', 10, (i) => ({ upload: 3 + i / 100, download: 1, inference: 1 })),
      ]),
      FAST,
    );
    const upload = metric(model, 'uploadSPerMiB');
    assert.ok(upload.omnibus!.pHolm < 0.05, 'the omnibus test is significant');
    assert.equal(upload.verdict.kind, 'no-significant-difference');
    assert.deepEqual(upload.verdict.kind === 'no-significant-difference' && [...upload.verdict.tied].sort(), ['aws', 'gcp']);
    assert.equal(upload.pairwise.length, 3);
    // Identical values everywhere → insufficient data, with the reason.
    assert.equal(metric(model, 'downloadSPerMiB').verdict.kind, 'insufficient-data');
    assert.match(verdictLine(metric(model, 'downloadSPerMiB'), 0.05), /all values are identical/);
  });

  test('warm-up and failed batches are excluded from the statistics and counted', () => {
    const good = [
      ...series('aws', 5, (i) => ({ upload: 1 + wobble(i), download: 1, inference: 1 + wobble(i) }), 2),
      ...series('azure', 5, (i) => ({ upload: 1 + wobble(i), download: 1, inference: 1 + wobble(i) }), 2),
    ];
    const outliers = [
      batch('aws', 0, { upload: 1000, download: 1000, inference: 1000, warmup: true }),
      batch('aws', 1, { upload: 1000, download: 1000, inference: 1000, warmup: true, status: 'failed' }),
      batch('azure', 0, { upload: 1000, download: 1000, inference: 1000, warmup: true }),
      batch('azure', 7, { upload: 1000, download: 1000, inference: 1000, status: 'failed' }),
    ];
    const requests = [
      request('aws', 0, 'upload', { durationMs: 99_999 }), // warm-up: no latency, no failure count
      request('azure', 7, 'upload', { ok: false, errorCode: 'ServerBusy', attempts: 3 }), // failed batch: counted as failure
      request('azure', 2, 'upload', { durationMs: 12 }),
    ];
    const model = analyzeRun(run([...outliers, ...good], requests), FAST);
    assert.deepEqual(
      { total: model.exclusions.total, measured: model.exclusions.measured, warmup: model.exclusions.warmup, failed: model.exclusions.failed },
      { total: 14, measured: 10, warmup: 3, failed: 1 },
    );
    assert.deepEqual(model.exclusions.perPlatform.azure, { total: 7, measured: 5, warmup: 1, failed: 1 });
    for (const m of model.metrics) {
      for (const p of m.perPlatform) {
        assert.equal(p.n, 5);
        assert.ok(p.summary!.max < 1000, `${m.metric}/${p.platform} includes an excluded batch`);
      }
    }
    const awsUpload = model.latency.find((l) => l.platform === 'aws' && l.phase === 'upload')!;
    assert.equal(awsUpload.n, 0);
    assert.equal(awsUpload.durationMs, null);
    const azureFailures = model.failures.find((f) => f.platform === 'azure' && f.phase === 'upload')!;
    assert.deepEqual(
      { requests: azureFailures.requests, failed: azureFailures.failed, retried: azureFailures.retried, codes: azureFailures.errorCodes },
      { requests: 2, failed: 1, retried: 1, codes: { ServerBusy: 1 } },
    );
  });

  test('n = 1 per platform → "insufficient data" everywhere, and no NaN anywhere in the model', () => {
    const model = analyzeRun(
      run([batch('aws', 0, { upload: 1, download: 1, inference: 1 }), batch('azure', 0, { upload: 2, download: 2, inference: 2 })]),
      FAST,
    );
    for (const m of model.metrics) {
      assert.equal(m.verdict.kind, 'insufficient-data');
      assert.match(verdictLine(m, 0.05), /insufficient data — aws has n = 1, azure has n = 1/);
      assert.equal(m.omnibus, null);
      assert.equal(m.perPlatform[0].summary!.sd, null);
    }
    // Walk the model itself (JSON.stringify would silently turn NaN into null).
    assert.equal(findNonJsonNumber(model), null);
    const walk = (v: unknown, at: string): void => {
      if (typeof v === 'number') assert.ok(Number.isFinite(v), `${at} = ${v}`);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    };
    walk(model, 'model');
    assert.doesNotMatch(JSON.stringify(model), /NaN|Infinity/);
    // Measured requirements cannot be decided from insufficient data.
    const realTime = model.requirements.requirements.find((r) => r.id === 'real-time-inference')!;
    assert.equal(realTime.best, 'tie');
    assert.ok(realTime.evidence.every((e) => !e.counted && /insufficient data/.test(evidenceReason(e, 0.05))));
  });

  test('an empty run (no batches yet) is analysed without crashing', () => {
    const model = analyzeRun({ manifest: manifest(['aws', 'azure']), batchRows: [], requestRows: [] }, FAST);
    assert.ok(model.metrics.every((m) => m.verdict.kind === 'insufficient-data'));
    assert.equal(findNonJsonNumber(model), null);
  });
});

// ───────────────────────────── requirements ─────────────────────────────

describe('business-requirement matrix', () => {
  const sameDistribution = () =>
    run([
      ...series('aws', 8, (i) => ({ upload: 1 + i / 10, download: 1 + i / 10, inference: 1 + i / 10 })),
      ...series('azure', 8, (i) => ({ upload: 1.05 + i / 10, download: 1.05 + i / 10, inference: 1.05 + i / 10 })),
    ]);

  test('a requirement decided by a non-significant metric is a tie', () => {
    const dir = templatesWith('req-nonsig', {
      'requirements.yaml': YAML.stringify({ requirements: [{ id: 'speed', title: 'Speed', criteria: [{ metric: 'inferenceSPerMiB', weight: 5 }] }] }),
    });
    const model = analyzeRun(sameDistribution(), { ...FAST, templatesDir: dir });
    const [speed] = model.requirements.requirements;
    assert.equal(speed.best, 'tie');
    assert.deepEqual(speed.scores, { aws: 0, azure: 0 });
    assert.equal(speed.evidence[0].counted, false);
    assert.match(evidenceReason(speed.evidence[0], 0.05), /not significant/);
    assert.equal(speed.studyBest, null);
  });

  test('a significant metric decides; edited weights change the outcome', () => {
    const requirement = (slaWeight: number, templatesWeight: number, inferenceWeight: number) =>
      YAML.stringify({
        requirements: [
          {
            id: 'real-time-inference',
            title: 'Real-time inference',
            criteria: [
              { capability: 'sla', weight: slaWeight }, // aws (99.99 vs 99.95)
              { capability: 'templates-and-workflows', weight: templatesWeight }, // azure
              { metric: 'inferenceSPerMiB', weight: inferenceWeight }, // azure, significant below
            ],
          },
        ],
      });
    const separated = run([
      ...series('aws', 10, (i) => ({ upload: 1, download: 1 + wobble(i), inference: 3 + wobble(i) })),
      ...series('azure', 10, (i) => ({ upload: 1, download: 1 + wobble(i) + 0.0005, inference: 1 + wobble(i) })),
    ]);
    const a = analyzeRun(separated, { ...FAST, templatesDir: templatesWith('req-w1', { 'requirements.yaml': requirement(1, 0, 2) }) });
    const [ra] = a.requirements.requirements;
    assert.equal(ra.best, 'azure');
    assert.deepEqual(ra.scores, { aws: 1, azure: 2 });
    assert.deepEqual(ra.decidedBy.map((e) => e.ref), ['inferenceSPerMiB']);
    assert.equal(ra.studyBest, 'azure', "the study's Table 9 answer comes from study-reference.yaml");

    const b = analyzeRun(separated, { ...FAST, templatesDir: templatesWith('req-w2', { 'requirements.yaml': requirement(5, 0, 2) }) });
    assert.equal(b.requirements.requirements[0].best, 'aws');
    assert.deepEqual(b.requirements.requirements[0].decidedBy.map((e) => e.ref), ['sla']);

    const c = analyzeRun(separated, { ...FAST, templatesDir: templatesWith('req-w3', { 'requirements.yaml': requirement(3, 1, 2) }) });
    assert.equal(c.requirements.requirements[0].best, 'tie', 'equal totals (3 vs 1 + 2) are a tie');
  });

  test('a requirement naming an unknown capability is an error naming the field', () => {
    const dir = templatesWith('req-bad', {
      'requirements.yaml': 'requirements:\n  - id: x\n    title: X\n    criteria:\n      - { capability: telepathy, weight: 1 }\n',
    });
    assert.throws(() => analyzeRun(sameDistribution(), { ...FAST, templatesDir: dir }), /requirements\.yaml: requirements\[0\]\.criteria\[0\]\.capability: expected one of/);
  });

  test('inferred platform facts are marked, decide nothing by default, and decide when requirements.yaml includes them', () => {
    const bundled = fs.readFileSync(path.join(defaultTemplatesDir(), 'requirements.yaml'), 'utf8');
    const excluded = analyzeRun(sameDistribution(), FAST);
    const jl = excluded.capabilities.criteria.find((c) => c.id === 'jupyterlab')!;
    assert.equal(jl.values.aws.inferred, true);
    assert.equal(jl.values.azure.inferred, false);
    assert.match(jl.values.aws.note ?? '', /lost/);
    assert.equal(jl.best, null, 'an inferred fact decided the criterion');
    const code = excluded.requirements.requirements.find((r) => r.id === 'code-focused-developers')!;
    assert.equal(code.scores.aws, 3, 'only the read fact (code-first tooling, weight 3) counts');
    const dir = templatesWith('inferred-included', { 'requirements.yaml': bundled.replace('inferredFacts: exclude', 'inferredFacts: include') });
    const included = analyzeRun(sameDistribution(), { ...FAST, templatesDir: dir });
    assert.equal(included.capabilities.criteria.find((c) => c.id === 'jupyterlab')!.best, 'aws');
    assert.equal(included.requirements.requirements.find((r) => r.id === 'code-focused-developers')!.scores.aws, 4);
    // Every source has a URL or says why not.
    for (const c of excluded.capabilities.criteria) {
      for (const v of Object.values(c.values)) assert.ok(v.source.url || v.source.noUrl, `${c.id}: a source with neither url nor noUrl`);
    }
    const noNote = templatesWith('inferred-no-note', {
      'platforms.yaml': fs.readFileSync(path.join(defaultTemplatesDir(), 'platforms.yaml'), 'utf8').replace(/(jupyterlab: \{ value: true, inferred: true, source: matrix, where: "row Jupiter lab"), note: "[^"]*"/, '$1'),
    });
    assert.throws(() => analyzeRun(sameDistribution(), { ...FAST, templatesDir: noNote }), /platforms\.aws\.facts\.jupyterlab\.note: an inferred fact needs a note/);
  });

  test('the bundled templates: every platform fact is sourced and the study block cites the DOI', () => {
    const model = analyzeRun(sameDistribution(), FAST);
    for (const c of model.capabilities.criteria) {
      for (const v of Object.values(c.values)) assert.ok(v.source.label.length > 0, `${c.id} has no source`);
    }
    const sla = model.capabilities.criteria.find((c) => c.id === 'sla')!;
    assert.equal(sla.values.aws.value, 99.99);
    assert.equal(sla.values.azure.value, 99.95);
    assert.equal(sla.best, 'aws');
    assert.equal(model.study?.citation.doi, '10.3390/app132312577');
    assert.equal(model.study?.metrics.uploadSPerMiB?.values.aws.median, 1.82);
    assert.equal(model.requirements.requirements.length, 8);
  });
});

// ───────────────────────────── CLI ─────────────────────────────

/** Runs `analyze` like src/cli.ts main() does: user-facing errors become one line and exit code 1. */
async function analyzeCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().exitOverride();
  registerAnalyzeCommand(program);
  const out: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '));
  try {
    await program.parseAsync(['analyze', ...args], { from: 'user' });
    return { code: 0, stdout: out.join('\n'), stderr: '' };
  } catch (err) {
    assert.ok(isUserFacing(err), `unexpected error: ${(err as Error).stack}`);
    return { code: 1, stdout: out.join('\n'), stderr: `cloudbench: ${(err as Error).message}` };
  } finally {
    console.log = original;
  }
}

describe('cloudbench analyze', () => {
  const runDir = path.join(tmpRoot, 'runs', 'test-run');
  initRunFiles(runDir);
  writeManifest(runDir, manifest(['aws', 'azure']));
  const rows = [
    ...series('aws', 6, (i) => ({ upload: 1 + wobble(i), download: 2 + wobble(i), inference: 3 + wobble(i) })),
    ...series('azure', 6, (i) => ({ upload: 2 + wobble(i), download: 1 + wobble(i), inference: 1.5 + wobble(i) })),
  ];
  for (const b of rows) {
    // One row per image and phase, as the runner writes them (readers check that a batch adds up).
    const phases = ['upload', 'download', 'inference'] as const;
    const requests = phases.flatMap((phase) => Array.from({ length: b.images }, () => request(b.platform, b.batch, phase)));
    appendBatch(runDir, requests, { ...b, requests: requests.length, failures: 0, retried: 0 });
  }

  test('prints the tables and a verdict line, and writes analysis.json', async () => {
    const r = await analyzeCli([runDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /upload: aws faster than azure by \d+\.\d% \(median\), p = [\d.e-]+ \(Holm\) — significant/);
    assert.match(r.stdout, /Business requirements/);
    const written = JSON.parse(fs.readFileSync(path.join(runDir, 'analysis.json'), 'utf8')) as AnalysisModel;
    assert.equal(written.runId, 'test-run');
    assert.equal(written.metrics.length, 4);
  });

  test('--json prints the model; --alpha changes it', async () => {
    const r = await analyzeCli([runDir, '--json', '--alpha', '0.01']);
    assert.equal(r.code, 0, r.stderr);
    const model = JSON.parse(r.stdout) as AnalysisModel;
    assert.equal(model.alpha, 0.01);
  });

  test('a missing run folder or a bad --alpha: exit 1 with a one-line message', async () => {
    const missing = await analyzeCli([path.join(tmpRoot, 'no-such-run')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cloudbench: run folder .*no-such-run does not exist$/);
    assert.equal(missing.stderr.split('\n').length, 1);
    const alpha = await analyzeCli([runDir, '--alpha', '2']);
    assert.equal(alpha.code, 1);
    assert.match(alpha.stderr, /--alpha takes a number between 0 and 1/);
  });
});
