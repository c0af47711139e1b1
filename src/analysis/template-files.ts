/**
 * The editable data files of the analysis (templates/*.yaml): where they live and how they are
 * read. Every validation error names the file and the field, so users can fix their own edits.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, Field } from '../config/validate';
import type { SourceRef } from './model';

/** templates/ of this checkout or package (src/analysis → ../../templates). */
export function defaultTemplatesDir(): string {
  return path.resolve(__dirname, '..', '..', 'templates');
}

export const TEMPLATE_FILES = {
  pricing: 'pricing.yaml',
  platforms: 'platforms.yaml',
  requirements: 'requirements.yaml',
  study: 'study-reference.yaml',
} as const;

export interface TemplateDoc {
  file: string;
  /** Root of the document; paths of its children read like `platforms.aws.resources[1].price`. */
  root: Field;
}

/** Reads and parses one data file; null when it does not exist and `optional` is set. */
export function readTemplate(dir: string, name: string, opts: { optional?: boolean } = {}): TemplateDoc | null {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    if (opts.optional) return null;
    throw new ConfigError(`${file}: file not found (pass --templates DIR with ${name} in it)`);
  }
  let value: unknown;
  try {
    value = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return { file, root: new Field('', value) };
}

/** Runs a parser, prefixing its field-naming ConfigError with the file name. */
export function withFileName<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) {
      const e = new ConfigError(`${path.basename(file)}: ${err.message.replace(/^\./, '')}`);
      throw e;
    }
    throw err;
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const URL_PATTERN = /^https?:\/\/\S+$/;

/** `{ label, url, readOn }`, url and readOn optional (null). */
/** A source: a label, and a URL or the reason it has none (a reader must be able to check it). */
export function parseSourceRef(f: Field): SourceRef {
  f.onlyKeys(['label', 'url', 'noUrl', 'readOn']);
  const url = f.child('url');
  const noUrl = f.child('noUrl');
  const readOn = f.child('readOn');
  if (url.present === noUrl.present) {
    throw new ConfigError(`${f.path}: give the source's url, or noUrl with the reason it has none (not ${url.present ? 'both' : 'neither'})`);
  }
  return {
    label: f.child('label').string(),
    url: url.present ? url.string({ pattern: URL_PATTERN, patternHint: 'an http(s) URL' }) : null,
    noUrl: noUrl.present ? noUrl.string() : null,
    readOn: readOn.present ? readOn.string({ pattern: DATE, patternHint: 'a date YYYY-MM-DD' }) : null,
  };
}

export function optionalText(f: Field): string | null {
  return f.present ? f.string() : null;
}
