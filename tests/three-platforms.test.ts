/**
 * Three platforms end to end on the local stack: aws (S3 + SageMaker), azure (Blob + Azure ML) and
 * gcp (Cloud Storage + Vertex AI), through their official clients, batches and a short load step,
 * then the report. Every table and figure of the report that is about platforms carries all three.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseExperimentConfig } from '../src/config/experiment';
import { runExperiment } from '../src/experiment/runner';
import { readBatches, readRequests } from '../src/experiment/run-store';
import { allFigures, allTables, renderReport } from '../src/report';
import { useLocalStack } from './helpers/local-stack';

const PLATFORMS = ['aws', 'azure', 'gcp'];
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-three-'));
const stack = useLocalStack();
before(() => stack.start());
after(async () => {
  await stack.stop();
  fs.rmSync(outDir, { recursive: true, force: true });
});

/** Every platform value found in a figure's inline data (the rows Vega-Lite draws). */
function platformsDrawn(spec: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'platform' && typeof x === 'string') found.add(x);
        else walk(x);
      }
    }
  };
  const s = spec as { data?: { values?: unknown }; datasets?: Record<string, unknown> };
  walk(s.data?.values);
  walk(s.datasets);
  walk((spec as { layer?: unknown }).layer);
  walk((spec as { vconcat?: unknown }).vconcat);
  return found;
}

describe('three platforms, one run', () => {
  test('batches and a load step on aws, azure and gcp, and a report whose tables and figures carry all three', { timeout: 300_000 }, async (t) => {
    const config = parseExperimentConfig({
      name: 'three platforms',
      platforms: { aws: 'local:aws', azure: 'local:azure', gcp: 'local:gcp' },
      dataset: { type: 'synthetic', count: 12, seed: 3 },
      batchSize: 4,
      outDir,
      load: { arrival: 'constant', rates: [2], slo: { percentile: 90, ms: 5000 }, step: { minDurationS: 2, minRequests: 4, warmupS: 0 } },
    });
    const result = await runExperiment({ config, local: stack.get().config });
    assert.equal(result.status, 'complete');

    const batches = readBatches(result.dir);
    assert.deepEqual([...new Set(batches.map((b) => b.platform))].sort(), PLATFORMS);
    assert.ok(batches.every((b) => b.status === 'ok' && b.failures === 0), JSON.stringify(batches.map((b) => [b.platform, b.status, b.failures])));
    const gcpInference = readRequests(result.dir).filter((r) => r.platform === 'gcp' && r.phase === 'inference');
    assert.equal(gcpInference.length, 12);
    assert.ok(gcpInference.every((r) => r.ok && (r.detections ?? 0) > 0), 'the Vertex envelope decodes to detections');

    const rendered = await renderReport(result.dir, { formats: ['html'] });
    const model = rendered.report;
    assert.deepEqual([...model.run.platforms].sort(), PLATFORMS);
    const html = fs.readFileSync(rendered.htmlPath, 'utf8');
    assert.match(html, /Cloud Storage JSON API/);
    assert.match(html, /Vertex AI prediction API/);

    // A table about platforms names every one of them, in a row or in a column (settings lists aside).
    let platformTables = 0;
    for (const table of allTables(model).filter((t) => t.layout !== 'keyvalue')) {
      const words = [...table.columns.map((c) => c.label), ...table.rows.flat().map((c) => c.text)].join(' | ');
      const named = PLATFORMS.filter((p) => new RegExp(`(^|[^a-z])${p}([^a-z]|$)`).test(words));
      if (named.length === 0) continue;
      platformTables += 1;
      assert.deepEqual(named, PLATFORMS, `${table.id} ("${table.caption}") names only ${named.join(', ')}`);
    }
    // A figure that draws platforms draws all three.
    let platformFigures = 0;
    for (const figure of allFigures(model)) {
      if (!figure.spec) continue;
      const drawn = platformsDrawn(figure.spec);
      if (drawn.size === 0) continue;
      platformFigures += 1;
      assert.deepEqual([...drawn].sort(), PLATFORMS, `${figure.id} ("${figure.caption}") draws ${[...drawn].join(', ')}`);
    }
    t.diagnostic(`${platformTables} tables and ${platformFigures} figures carry the three platforms`);
    assert.ok(platformTables >= 15, `only ${platformTables} tables name platforms`);
    assert.ok(platformFigures >= 12, `only ${platformFigures} figures draw platforms`);
    assert.ok(model.load, 'the report has its load section');
  });
});
