import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadPlatformFacts } from '../src/analysis/platform-facts';
import { loadRequirements } from '../src/analysis/requirements';
import { copyTemplates, setRequirementWeights } from '../src/analysis/template-edit';

test('weights edited in a copy of the templates are what the analysis reads; comments survive', () => {
  const dir = copyTemplates(fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-templates-')));
  assert.ok(fs.existsSync(path.join(dir, 'pricing.yaml')) && fs.existsSync(path.join(dir, 'report.md')));
  setRequirementWeights(dir, { 'real-time-inference': { inferenceSPerMiB: 7, throughputMiBps: 0 } });
  const capabilityIds = loadPlatformFacts(dir).criteria.map((c: { id: string }) => c.id);
  const req = loadRequirements(dir, capabilityIds).requirements.find((r) => r.id === 'real-time-inference')!;
  // The load criterion answers to its fallback metric too (what decides when a run has no load scenario).
  assert.deepEqual(req.criteria.map((c) => [c.ref, c.weight]), [['capacityAtTarget', 7], ['throughputMiBps', 0]]);
  setRequirementWeights(dir, { 'real-time-inference': { capacityAtTarget: 5 } });
  assert.equal(loadRequirements(dir, capabilityIds).requirements.find((r) => r.id === 'real-time-inference')!.criteria[0].weight, 5);
  assert.match(fs.readFileSync(path.join(dir, 'requirements.yaml'), 'utf8'), /SCORING RULE/);

  assert.throws(() => setRequirementWeights(dir, { nope: { x: 1 } }), /no requirement "nope"/);
  assert.throws(() => setRequirementWeights(dir, { 'real-time-inference': { sla: 1 } }), /has no criterion "sla" \(criteria: capacityAtTarget \(otherwise inferenceSPerMiB\), throughputMiBps\)/);
  assert.throws(() => setRequirementWeights(dir, { 'real-time-inference': { inferenceSPerMiB: -1 } }), /must be a number ≥ 0/);
});
