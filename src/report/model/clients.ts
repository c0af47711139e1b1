/** The "Clients" section of a merged run: who measured, from where, when each began, and where their own figures differ. */
import type { AnalysisModel, ClientsModel } from '../../analysis/model';
import { BATCH_METRICS } from '../../schema/metrics';
import { int, listText, num, percent, pValue } from '../format';
import type { Cell, ClientsSection, Paragraph } from '../report-model';
import { col, missing, numCell, table, text } from './cells';

const clientLabel = (i: number) => `Client ${i}`;

function clientsTable(c: ClientsModel) {
  return table(
    'tab-clients',
    `The ${c.clients.length} clients (shards) that measured this run${c.startAt ? `, with their lag behind the shared start ${c.startAt}` : ''}.`,
    [col('Client'), col('Pod or host'), col('Node'), col('Region / zone'), col('Start lag (ms)', 'right'), col('Platform-batches', 'right')],
    c.clients.map((x) => [
      text(clientLabel(x.index)),
      text(x.name),
      x.node ? text(x.node) : missing('not recorded'),
      x.region || x.zone ? text([x.region, x.zone].filter(Boolean).join(' / ')) : missing('not recorded'),
      x.lagMs === null ? missing() : numCell(x.lagMs, 3),
      text(int(x.platformBatches)),
    ]),
    ['Region and zone are what the launcher recorded (CLOUDBENCH_REGION / CLOUDBENCH_ZONE; the Kubernetes Job pins them with a node selector). Batch n (numbered from 1, as in the figures) was measured by client (n − 1) mod N.'],
  );
}

function metricsTable(c: ClientsModel, alpha: number) {
  const rows: Cell[][] = c.metrics.map((m, i) => {
    const metric = BATCH_METRICS.find((x) => x.key === m.metric)!;
    const first = i === 0 || c.metrics[i - 1].platform !== m.platform;
    return [
      text(first ? m.platform : ''),
      text(`${metric.label} (${metric.unit})`),
      ...m.medians.map((v) => numCell(v)),
      m.spread === null ? missing() : text(percent(m.spread * 100)),
      m.pAdjusted === null ? missing('too few batches') : text(pValue(m.pAdjusted), m.differs ? { strong: true } : {}),
    ];
  });
  return table(
    'tab-client-metrics',
    'Each client’s median per measured batch, per platform and metric, and how far apart the clients are.',
    [col('Platform'), col('Metric'), ...c.clients.map((x) => col(clientLabel(x.index), 'right')), col('Spread', 'right'), col('p (Holm)', 'right')],
    rows,
    [
      'Spread: the largest client median over the smallest, minus one. p: Kruskal–Wallis test across the clients’ batches (needs two batches from at least two clients), Holm-adjusted over the rows of this table; ' +
        `bold: below α = ${alpha}, the clients’ figures differ. Warm-up and failed batches are left out, as in the pooled tables.`,
    ],
  );
}

function loadTable(c: ClientsModel) {
  if (c.load.length === 0) return null;
  return table(
    'tab-client-load',
    'Each client’s part of every load step: its offered and achieved rate (req/s) and its corrected p99 (ms).',
    [col('Platform'), col('Offered, all clients', 'right'), col('Start spread (s)', 'right'), ...c.clients.map((x) => col(clientLabel(x.index), 'right'))],
    c.load.map((s, i) => [
      text(i === 0 || c.load[i - 1].platform !== s.platform ? s.platform : ''),
      text(num(s.rateRps)),
      numCell(s.startSpreadMs === null ? null : s.startSpreadMs / 1000),
      ...s.perClient.map((p) =>
        p ? text(`${num(p.rateRps)} → ${num(p.achievedRps)} · p99 ${num(p.p99Ms)}`, p.meetsSlo ? {} : { muted: true }) : missing('not measured'),
      ),
    ]),
    [
      'Cell: offered → achieved rate · p99. Muted: that client’s own part missed the target. Start spread: from the first client’s part of the step to the last one’s (each waits for the step’s slot in a timetable shared from the start). ' +
        'The pooled step (Load and scaling) takes its percentiles from all clients’ latencies together.',
    ],
  );
}

function intro(c: ClientsModel, alpha: number): Paragraph[] {
  const lags = c.clients.map((x) => x.lagMs).filter((v): v is number => v !== null);
  const out: Paragraph[] = [
    `This run was measured by ${c.clients.length} clients at once and merged (cloudbench merge): every batch by exactly one of them, every load rate split evenly between them. ` +
      (lags.length
        ? `They began between ${num(Math.min(...lags), 3)} and ${num(Math.max(...lags), 3)} ms after the shared start.`
        : 'They had no shared start time.'),
  ];
  const differ = c.metrics.filter((m) => m.differs);
  const tested = c.metrics.filter((m) => m.pAdjusted !== null).length;
  out.push(
    differ.length
      ? `The clients’ own figures differ (Holm-adjusted p < ${alpha}) for ${listText(differ.map((m) => `${m.platform} ${BATCH_METRICS.find((x) => x.key === m.metric)!.label} (medians ${percent(m.spread! * 100, 0)} apart)`))}: ` +
          'the pooled figures for those mix clients that saw different things; read them with the clients’ places in mind ([[tab-client-metrics]]).'
      : tested
        ? `The clients’ own figures do not differ detectably (no Holm-adjusted p below ${alpha} over ${tested} platform-metric tests, [[tab-client-metrics]]): pooling them loses nothing visible.`
        : 'Too few batches per client to test whether the clients’ figures differ ([[tab-client-metrics]]).',
  );
  return out;
}

export function clientsSection(analysis: AnalysisModel): ClientsSection | null {
  const c = analysis.clients;
  if (!c) return null;
  return { intro: intro(c, analysis.alpha), tables: { clients: clientsTable(c), metrics: metricsTable(c, analysis.alpha), load: loadTable(c) } };
}
