/** Table 1 (what was deployed per platform) and the methodology, from the manifest and analysis. */
import type { AnalysisModel, PlatformCost } from '../../analysis/model';
import { int, listText, mib, num } from '../format';
import type { Cell, ReportTable } from '../report-model';
import { col, keyValueTable, missing, table, text } from './cells';

const KIND_LABEL: Record<string, string> = {
  s3: 'Amazon S3 API',
  'azure-blob': 'Azure Blob Storage API',
  sagemaker: 'SageMaker runtime API',
  azureml: 'Azure ML online endpoint API',
  http: 'HTTP scoring endpoint',
  gcs: 'Cloud Storage JSON API',
  vertex: 'Vertex AI prediction API',
};

function kind(k: string): string {
  return KIND_LABEL[k] ?? k;
}

function pricedResources(cost: PlatformCost | undefined, roles: string[]): Cell {
  if (!cost || !cost.priced) return missing('not priced');
  const items = cost.resources.filter((r) => roles.includes(r.role));
  if (items.length === 0) return missing();
  return text(
    items
      .map((r) => `${r.service} ${r.type}${r.instances.max > 1 ? ` (${r.instances.min}–${r.instances.max} instances)` : ''}`)
      .join('; '),
  );
}

export function resourcesTable(analysis: AnalysisModel): ReportTable {
  const { manifest } = analysis;
  const costs = new Map(analysis.costs.platforms.map((c) => [c.platform, c]));
  const rows = analysis.platforms.map((p): Cell[] => {
    const d = manifest.platforms[p];
    return [
      text(p, { strong: true }),
      d ? text(`${kind(d.storageKind)}: ${d.storage}`) : missing(),
      d ? text(`${kind(d.inferenceKind)}: ${d.inference}`) : missing(),
      pricedResources(costs.get(p), ['storage']),
      pricedResources(costs.get(p), ['client']),
      pricedResources(costs.get(p), ['inference']),
    ];
  });
  const local = analysis.platforms.filter((p) => manifest.platforms[p]?.local);
  const notes = [
    'Measured: the storage and inference targets this run called (from the run’s manifest). Priced as: the resources ' +
      `listed for the platform in ${baseName(analysis.costs.pricingFile)}, which the cost tables use.`,
  ];
  if (local.length) {
    notes.push(
      `${listText(local)} ran on cloudbench’s embedded local stack (emulators on 127.0.0.1 speaking the real service protocols), ` +
        'so the measured times are of this machine, not of the priced cloud resources.',
    );
  }
  return table(
    'tab-resources',
    'Deployed resources per platform: what was measured and what it is priced as.',
    [col('Platform'), col('Storage (measured)'), col('Inference (measured)'), col('Storage (priced as)'), col('Client (priced as)'), col('Endpoint (priced as)')],
    rows,
    notes,
  );
}

export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

export function methodologyTable(analysis: AnalysisModel): ReportTable {
  const { manifest } = analysis;
  const c = manifest.config;
  const ds = manifest.dataset;
  const ex = analysis.exclusions;
  const meanMiB = analysis.batches.measured.meanMiB;
  const conc = c.concurrency;
  const sameConc = conc.upload === conc.download && conc.download === conc.inference;
  const datasetKind =
    c.dataset.type === 'synthetic'
      ? `synthetic COCO-like JPEGs (seed ${(c.dataset as { seed?: number }).seed ?? '—'})`
      : `${c.dataset.type} dataset`;
  const rows: [string, string][] = [
    ['Dataset', `${datasetKind}: ${int(ds.count)} images, ${mib(ds.totalBytes)}; ${ds.source}`],
    ['Dataset SHA-256', ds.sha256],
    ['Batch size', `${c.batchSize} images per batch${meanMiB !== null ? ` (mean ${num(meanMiB)} MiB per measured batch)` : ''}`],
    ['Batches per platform', `${manifest.plannedBatches} planned; ${ex.total} platform × batch rows recorded, ${ex.measured} measured, ${ex.warmup} warm-up, ${ex.failed} failed`],
    ['Warm-up', c.warmupBatches === 0 ? 'none' : `first ${c.warmupBatches} batch${c.warmupBatches > 1 ? 'es' : ''} per platform recorded but left out of the statistics`],
    ['Concurrency', sameConc ? `${conc.upload} request${conc.upload > 1 ? 's' : ''} in flight per phase` : `upload ${conc.upload}, download ${conc.download}, inference ${conc.inference} requests in flight`],
    [
      'Order',
      c.order === 'interleaved'
        ? `interleaved: every batch on every platform before the next, platform order shuffled per batch (seed ${c.seed})`
        : 'sequential: all batches on one platform, then the next (the study’s order)',
    ],
    ['Phases', c.phases.join(', ')],
    ['Failed batch', `more than ${num(c.failureTolerance * 100)} % of its requests failed`],
    ['Units', 'MiB = 2^20 bytes; times in seconds per MiB (s/MiB) per batch, request latencies in ms; throughput in MiB/s'],
    ['Percentiles', analysis.methods.percentiles],
    ['Omnibus test', analysis.methods.omnibus],
    ['Pairwise test', analysis.methods.pairwise],
    ['Effect sizes', analysis.methods.effectSizes],
    ['Bootstrap', analysis.methods.bootstrap],
    ['Multiple comparisons', analysis.methods.correction],
    ['Verdict', analysis.methods.verdictRule],
    ['Exclusions', analysis.methods.exclusions],
    ...(ex.leftOut?.length ? [['Left out of the data', leftOutText(ex.leftOut)] as [string, string]] : []),
  ];
  return keyValueTable('tab-method', 'Experimental protocol and statistical methods of this run.', ['Item', 'Setting'], rows);
}

/** What reading the run folder left out, briefly: the first three, then how many more. */
function leftOutText(items: string[]): string {
  const shown = items.slice(0, 3).join('; ');
  return items.length > 3 ? `${shown}; and ${items.length - 3} more (cloudbench analyze lists them all)` : shown;
}
