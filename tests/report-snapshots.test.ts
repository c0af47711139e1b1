/**
 * One snapshot per figure spec and per table of the report (and of the comparison and history
 * documents), driven from the documents' own lists, so a failing test names the one thing that
 * changed. Prose is one snapshot per document. UPDATE_SNAPSHOTS=1 rewrites them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { analyzeRunFolder } from '../src/analysis/analyze-run';
import { compareRuns } from '../src/analysis/compare';
import { runHistory } from '../src/analysis/history';
import {
  allFigures,
  allParagraphs,
  allTables,
  buildCompareDocument,
  buildHistoryDocument,
  buildReportModel,
  CHART_CONFIG,
  documentFigures,
  documentTables,
  type ReportDocument,
  type ReportFigure,
  type ReportTable,
} from '../src/report';
import { writeSyntheticRun } from './fixtures/synthetic-run';
import { assertSnapshot, figureSnapshot, SNAPSHOTS, tableSnapshot } from './helpers/snapshot';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-snapshots-'));
const NOW = new Date('2025-02-01T00:00:00Z');

// Built at load time: node:test needs the list of tests before it runs any.
const reportDir = writeSyntheticRun(path.join(tmp, 'report'), { batches: 10, batchSize: 6, retryRate: 0.03, failRate: 0.01, load: true });
const runs = [0, 1, 2].map((i) =>
  writeSyntheticRun(path.join(tmp, `run-${i}`), {
    batches: 8, batchSize: 6, seed: 200 + i, runId: `2025010${i + 1}-120000-s${i}`,
    startedAt: new Date(Date.UTC(2025, 0, 1 + i, 12)),
    slowdown: i === 2 ? { aws: { upload: 1.6 } } : {},
  }),
);

const models = (async () => {
  const report = buildReportModel((await analyzeRunFolder(reportDir, { now: NOW })).model, { withStudy: true });
  const analysed = await Promise.all(runs.map(async (d) => (await analyzeRunFolder(d, { now: NOW })).model));
  return {
    report,
    compare: buildCompareDocument(compareRuns([analysed[1], analysed[2]])),
    history: buildHistoryDocument(runHistory(analysed), 'reports'),
  };
})();

const prose = (doc: ReportDocument) => doc.sections.flatMap((s) => [`## ${s.title}`, ...s.blocks.flatMap((b) => ('paragraph' in b ? [b.paragraph] : []))]).join('\n\n');

/** The ids a document has, known before it is built: the snapshot folder's own listing. */
function snapshotted(folder: string, ext: string): string[] {
  const dir = path.join(SNAPSHOTS, folder);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort() : [];
}

function suite(folder: string, items: () => Promise<{ figures: ReportFigure[]; tables: ReportTable[]; prose: string }>): void {
  describe(`${folder} snapshots`, () => {
    test('every figure and table has a snapshot, and every snapshot a figure or table', async () => {
      const { figures, tables } = await items();
      const ids = [...figures.map((f) => `${f.id}.json`), ...tables.map((t) => `${t.id}.txt`)].sort();
      if (process.env.UPDATE_SNAPSHOTS === '1') {
        // Snapshots of figures and tables the document no longer has go; new ones are written below.
        const dir = path.join(SNAPSHOTS, folder);
        for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) if (!ids.includes(f) && f !== 'prose.txt') fs.rmSync(path.join(dir, f));
        return;
      }
      assert.deepEqual([...snapshotted(folder, '.json').map((f) => `${f}.json`), ...snapshotted(folder, '.txt').filter((f) => f !== 'prose').map((f) => `${f}.txt`)].sort(), ids);
    });
    test('prose', async () => assertSnapshot(`${folder}/prose.txt`, `${(await items()).prose}\n`));
    for (const id of snapshotted(folder, '.json')) {
      test(`figure ${id}`, async () => {
        const f = (await items()).figures.find((x) => x.id === id);
        assert.ok(f, `the document has no figure ${id} (remove its snapshot: UPDATE_SNAPSHOTS=1)`);
        assertSnapshot(`${folder}/${id}.json`, figureSnapshot(f));
      });
    }
    for (const id of snapshotted(folder, '.txt').filter((f) => f !== 'prose')) {
      test(`table ${id}`, async () => {
        const t = (await items()).tables.find((x) => x.id === id);
        assert.ok(t, `the document has no table ${id} (remove its snapshot: UPDATE_SNAPSHOTS=1)`);
        assertSnapshot(`${folder}/${id}.txt`, tableSnapshot(t));
      });
    }
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      test('write every snapshot', async () => {
        const { figures, tables } = await items();
        for (const f of figures) assertSnapshot(`${folder}/${f.id}.json`, figureSnapshot(f));
        for (const t of tables) assertSnapshot(`${folder}/${t.id}.txt`, tableSnapshot(t));
      });
    }
  });
}

suite('report', async () => {
  const { report } = await models;
  return {
    figures: allFigures(report),
    tables: allTables(report),
    prose: allParagraphs(report).map((p) => `[${p.section}] ${p.text}`).join('\n\n'),
  };
});
suite('compare', async () => {
  const { compare } = await models;
  return { figures: documentFigures(compare), tables: documentTables(compare), prose: prose(compare) };
});
suite('history', async () => {
  const { history } = await models;
  return { figures: documentFigures(history), tables: documentTables(history), prose: prose(history) };
});

test('the charts\' shared theme', () => assertSnapshot('chart-config.json', `${JSON.stringify(CHART_CONFIG, null, 2)}\n`));
