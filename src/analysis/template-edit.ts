/**
 * Programmatic edits of the data files, for notebooks: copy the bundled templates to a folder of
 * one's own, then change requirement weights there. Edits go through the YAML document model, so
 * the files keep their comments and sources and stay readable for the next person.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { UserError } from '../errors';
import { defaultTemplatesDir, TEMPLATE_FILES } from './template-files';

/** Copies every file of the bundled templates/ (data files and report template) into `dest`. */
export function copyTemplates(dest: string, from: string = defaultTemplatesDir()): string {
  fs.mkdirSync(dest, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    const src = path.join(from, name);
    if (fs.statSync(src).isFile()) fs.copyFileSync(src, path.join(dest, name));
  }
  return dest;
}

/**
 * requirementId → criterion reference (metric key, capability id, cost measure or load measure)
 * → new weight. A load criterion also answers to its `otherwise` metric, the one that decides in
 * its place when a run has no load scenario.
 */
export type WeightChanges = Record<string, Record<string, number>>;

/** Sets criterion weights in `<templatesDir>/requirements.yaml`; every named criterion must exist. */
export function setRequirementWeights(templatesDir: string, changes: WeightChanges): void {
  const file = path.join(templatesDir, TEMPLATE_FILES.requirements);
  if (!fs.existsSync(file)) throw new UserError(`${file} not found (copy the templates first with copyTemplates)`);
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
  const requirements = doc.get('requirements') as YAML.YAMLSeq<YAML.YAMLMap>;
  for (const [id, weights] of Object.entries(changes)) {
    const req = requirements.items.find((r) => r.get('id') === id);
    if (!req) {
      const ids = requirements.items.map((r) => r.get('id')).join(', ');
      throw new UserError(`requirements.yaml has no requirement "${id}" (ids: ${ids})`);
    }
    const criteria = req.get('criteria') as YAML.YAMLSeq<YAML.YAMLMap>;
    for (const [ref, weight] of Object.entries(weights)) {
      if (!Number.isFinite(weight) || weight < 0) throw new UserError(`weight of ${id}/${ref} must be a number ≥ 0, got ${weight}`);
      const criterion = criteria.items.find((c) => ['metric', 'capability', 'cost', 'load', 'otherwise'].some((k) => c.get(k) === ref));
      if (!criterion) {
        const refs = criteria.items.map((c) => c.get('metric') ?? c.get('capability') ?? c.get('cost') ?? `${c.get('load')} (otherwise ${c.get('otherwise')})`).join(', ');
        throw new UserError(`requirement "${id}" has no criterion "${ref}" (criteria: ${refs})`);
      }
      criterion.set('weight', weight);
    }
  }
  fs.writeFileSync(file, doc.toString());
}
