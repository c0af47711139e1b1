/**
 * templates/platforms.yaml: qualitative facts per platform (SLA, catalog breadth, tooling, …), each
 * with its source, and the capability matrix built from them for the platforms of a run.
 */
import type { Field } from '../config/validate';
import { ConfigError } from '../config/validate';
import type { CapabilityCriterion, CapabilityMatrix, CapabilityType, CapabilityValue, CriterionDefinition, SourceRef } from './model';
import { optionalText, parseSourceRef, readTemplate, TEMPLATE_FILES, withFileName } from './template-files';

const TYPES: readonly CapabilityType[] = ['boolean', 'number', 'ordinal', 'text'];

export type { CriterionDefinition } from './model';

export interface PlatformFacts {
  file: string;
  criteria: CriterionDefinition[];
  /** platform → criterion id → value with its source. */
  facts: Record<string, Record<string, CapabilityValue>>;
  titles: Record<string, string>;
}

function parseCriterion(f: Field): CriterionDefinition {
  f.onlyKeys(['id', 'label', 'type', 'better', 'levels', 'unit']);
  const type = f.child('type').oneOf(TYPES);
  const better = type === 'number' ? f.child('better').oneOf(['lower', 'higher'] as const) : null;
  if (type !== 'number' && f.child('better').present) {
    throw new ConfigError(`${f.path}.better: only number criteria take "better" (boolean: true is better; ordinal: last level is best)`);
  }
  let levels: string[] | null = null;
  if (type === 'ordinal') {
    levels = f.child('levels').array().map((l) => l.string());
    if (levels.length < 2) throw new ConfigError(`${f.path}.levels: expected at least 2 levels, worst first`);
  }
  return { id: f.child('id').string(), label: f.child('label').string(), type, better, levels, unit: optionalText(f.child('unit')) };
}

function parseValue(f: Field, c: CriterionDefinition): string | number | boolean {
  switch (c.type) {
    case 'number':
      return f.number();
    case 'boolean':
      return f.boolean();
    case 'ordinal':
      return f.oneOf(c.levels!);
    case 'text':
      return f.string();
  }
}

export function parsePlatformFacts(root: Field, file: string = TEMPLATE_FILES.platforms): PlatformFacts {
  return withFileName(file, () => {
    root.onlyKeys(['schema', 'sources', 'criteria', 'platforms']);
    root.child('schema').int({ min: 1, max: 1, default: 1 });
    const sources: Record<string, SourceRef> = {};
    const sourcesField = root.child('sources');
    for (const key of Object.keys(sourcesField.object())) sources[key] = parseSourceRef(sourcesField.child(key));
    const criteria = root.child('criteria').array().map(parseCriterion);
    const byId = new Map<string, CriterionDefinition>();
    criteria.forEach((c, i) => {
      if (byId.has(c.id)) throw new ConfigError(`criteria[${i}].id: "${c.id}" is used twice`);
      byId.set(c.id, c);
    });
    const facts: PlatformFacts['facts'] = {};
    const titles: Record<string, string> = {};
    const platformsField = root.child('platforms');
    for (const platform of Object.keys(platformsField.object())) {
      const p = platformsField.child(platform).onlyKeys(['title', 'facts']);
      titles[platform] = p.child('title').string({ default: platform });
      facts[platform] = {};
      const factsField = p.child('facts');
      for (const id of Object.keys(factsField.object())) {
        const f = factsField.child(id).onlyKeys(['value', 'source', 'where', 'note', 'inferred']);
        const criterion = byId.get(id);
        if (!criterion) throw new ConfigError(`${f.path}: unknown criterion (defined: ${[...byId.keys()].join(', ')})`);
        const sourceKey = f.child('source').oneOf(Object.keys(sources));
        const where = optionalText(f.child('where'));
        const base = sources[sourceKey];
        const inferred = f.child('inferred').boolean({ default: false });
        const note = optionalText(f.child('note'));
        if (inferred && !note) throw new ConfigError(`${f.path}.note: an inferred fact needs a note saying how it was inferred`);
        facts[platform][id] = {
          value: parseValue(f.child('value'), criterion),
          source: { ...base, label: where ? `${base.label}, ${where}` : base.label },
          note,
          inferred,
        };
      }
    }
    return { file, criteria, facts, titles };
  });
}

export function loadPlatformFacts(templatesDir: string): PlatformFacts {
  const doc = readTemplate(templatesDir, TEMPLATE_FILES.platforms)!;
  return parsePlatformFacts(doc.root, doc.file);
}

/** Rank of a value (higher = better), or null for text. */
function rank(c: CriterionDefinition, value: string | number | boolean): number | null {
  switch (c.type) {
    case 'number':
      return c.better === 'higher' ? (value as number) : -(value as number);
    case 'boolean':
      return value ? 1 : 0;
    case 'ordinal':
      return c.levels!.indexOf(value as string);
    case 'text':
      return null;
  }
}

/**
 * The platform with the uniquely best value; null on ties, text, or a platform without a value.
 * An inferred value counts as no value unless `includeInferred`.
 */
export function bestPlatform(
  c: CriterionDefinition,
  values: Record<string, CapabilityValue>,
  platforms: string[],
  includeInferred = false,
): string | null {
  const usable = (p: string) => p in values && (includeInferred || !values[p].inferred);
  if (platforms.length < 2 || !platforms.every(usable)) return null;
  const ranks = platforms.map((p) => rank(c, values[p].value));
  if (ranks.some((r) => r === null)) return null;
  const top = Math.max(...(ranks as number[]));
  const winners = platforms.filter((_, i) => ranks[i] === top);
  return winners.length === 1 ? winners[0] : null;
}

/** The facts of the run's platforms; `best` per criterion decides requirements (inferred facts only if included). */
export function capabilityMatrix(facts: PlatformFacts, platforms: string[], opts: { includeInferred?: boolean } = {}): CapabilityMatrix {
  const includeInferred = opts.includeInferred ?? false;
  const criteria: CapabilityCriterion[] = facts.criteria.map((c) => {
    const values: Record<string, CapabilityValue> = {};
    for (const p of platforms) {
      const v = facts.facts[p]?.[c.id];
      if (v) values[p] = v;
    }
    return { ...c, values, best: bestPlatform(c, values, platforms, includeInferred) };
  });
  return { platformsFile: facts.file, platforms, criteria, inferredFacts: includeInferred ? 'include' : 'exclude' };
}
