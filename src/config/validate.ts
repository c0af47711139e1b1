/**
 * A tiny reader for untrusted JSON/YAML config: every failure names the field path and what is
 * accepted, so a user can fix the file without reading our code.
 */
import { UserError } from '../errors';

export class ConfigError extends UserError {
  override name = 'ConfigError';
}

export type Json = unknown;

function describeRange(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

/** Config fields whose whole value is a secret: never echoed in an error, "***" in a manifest. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['secretAccessKey', 'sessionToken', 'key', 'accountKey', 'sasToken', 'accessToken']);

/** Never echoed in an error: the secret fields, a connection string and every value under `headers`. */
const SECRET_FIELD = new RegExp(`\\.(${[...SECRET_KEYS, 'connectionString', 'headers'].join('|')})(\\.|$)`);

function kindOf(v: Json): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export class Field {
  constructor(
    readonly path: string,
    readonly value: Json,
  ) {}

  private fail(expected: string): never {
    let got: string;
    if (this.value === undefined) got = 'nothing';
    else if (SECRET_FIELD.test(this.path)) got = `${kindOf(this.value)} (value not shown: it is a secret)`;
    else got = JSON.stringify(this.value)?.slice(0, 80) ?? String(this.value);
    throw new ConfigError(`${this.path}: expected ${expected}, got ${got}`);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  child(key: string): Field {
    const obj = this.value as Record<string, Json> | undefined;
    return new Field(`${this.path}.${key}`, obj && typeof obj === 'object' ? obj[key] : undefined);
  }

  object(): Record<string, Json> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) this.fail('an object');
    return this.value as Record<string, Json>;
  }

  /** Rejects keys we do not know: a typo must not silently fall back to a default. */
  onlyKeys(allowed: readonly string[]): this {
    for (const key of Object.keys(this.object())) {
      if (!allowed.includes(key)) {
        throw new ConfigError(`${this.path}.${key}: unknown field (accepted: ${allowed.join(', ')})`);
      }
    }
    return this;
  }

  string(opts: { default?: string; pattern?: RegExp; patternHint?: string } = {}): string {
    if (!this.present && opts.default !== undefined) return opts.default;
    if (typeof this.value !== 'string' || this.value.length === 0) this.fail('a non-empty string');
    if (opts.pattern && !opts.pattern.test(this.value)) this.fail(opts.patternHint ?? `a string matching ${opts.pattern}`);
    return this.value;
  }

  optionalString(): string | undefined {
    return this.present ? this.string() : undefined;
  }

  int(opts: { min?: number; max?: number; default?: number } = {}): number {
    if (!this.present && opts.default !== undefined) return opts.default;
    const v = this.value;
    const range = describeRange(opts.min, opts.max);
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`a whole number${range}`);
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) this.fail(`a whole number${range}`);
    return v;
  }

  optionalInt(opts: { min?: number; max?: number } = {}): number | undefined {
    return this.present ? this.int(opts) : undefined;
  }

  number(opts: { min?: number; max?: number; default?: number } = {}): number {
    if (!this.present && opts.default !== undefined) return opts.default;
    const v = this.value;
    const range = describeRange(opts.min, opts.max);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`a number${range}`);
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) this.fail(`a number${range}`);
    return v;
  }

  boolean(opts: { default?: boolean } = {}): boolean {
    if (!this.present && opts.default !== undefined) return opts.default;
    if (typeof this.value !== 'boolean') this.fail('true or false');
    return this.value;
  }

  oneOf<T extends string>(choices: readonly T[], opts: { default?: T } = {}): T {
    if (!this.present && opts.default !== undefined) return opts.default;
    if (typeof this.value !== 'string' || !choices.includes(this.value as T)) this.fail(`one of ${choices.join(', ')}`);
    return this.value as T;
  }

  array(): Field[] {
    if (!Array.isArray(this.value)) this.fail('a list');
    return (this.value as Json[]).map((v, i) => new Field(`${this.path}[${i}]`, v));
  }

  stringMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of Object.keys(this.object())) out[key] = this.child(key).string();
    return out;
  }
}
