/**
 * papermill-style parameters for TypeScript notebooks: the cell tagged `parameters` declares
 * defaults with `let`; an injected cell right after it assigns the overrides. Assignment (not
 * redeclaration) lets tslab's type checker reject a value of the wrong type.
 */
import { UserError } from '../errors';

export type ParameterValue = string | number | boolean | null;

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[]; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export const INJECTED_TAG = 'injected-parameters';

/** `key=value`; the value is JSON when it parses (3, true, "x"), else the raw string. */
export function parseParameterArgs(args: string[]): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UserError(`-p takes key=value, got "${arg}"`);
    const key = arg.slice(0, eq).trim();
    const raw = arg.slice(eq + 1);
    if (!/^[A-Za-z_$][\w$]*$/.test(key)) throw new UserError(`-p ${key}: not a valid TypeScript identifier`);
    let value: ParameterValue = raw;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed)) value = parsed as ParameterValue;
    } catch {
      /* a plain string */
    }
    out[key] = value;
  }
  return out;
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Names the parameters cell declares, with how (`let` can be overridden, `const` cannot). */
export function declaredParameters(source: string): Map<string, 'let' | 'const' | 'var'> {
  const names = new Map<string, 'let' | 'const' | 'var'>();
  for (const m of source.matchAll(/^\s*(let|const|var)\s+([A-Za-z_$][\w$]*)/gm)) {
    names.set(m[2], m[1] as 'let' | 'const' | 'var');
  }
  return names;
}

/** A copy of the notebook with the overrides injected after the `parameters` cell. */
export function injectParameters(nb: Notebook, params: Record<string, ParameterValue>): Notebook {
  const cells = nb.cells.filter((c) => !(c.metadata.tags ?? []).includes(INJECTED_TAG));
  const keys = Object.keys(params);
  if (keys.length === 0) return { ...nb, cells };
  const at = cells.findIndex((c) => (c.metadata.tags ?? []).includes('parameters'));
  if (at < 0) throw new UserError('this notebook has no cell tagged "parameters", so it takes no -p values');
  const declared = declaredParameters(cellSource(cells[at]));
  for (const key of keys) {
    const kind = declared.get(key);
    if (!kind) {
      throw new UserError(`unknown parameter "${key}" (the notebook's parameters: ${[...declared.keys()].join(', ') || 'none'})`);
    }
    if (kind === 'const') throw new UserError(`parameter "${key}" is declared with const in the parameters cell; declare it with let`);
  }
  const source = ['// Parameters injected by `cloudbench notebook run`', ...keys.map((k) => `${k} = ${JSON.stringify(params[k])};`)].join('\n');
  const injected: NotebookCell = {
    cell_type: 'code',
    execution_count: null,
    id: 'injected-parameters',
    metadata: { tags: [INJECTED_TAG] },
    outputs: [],
    source,
  };
  return { ...nb, cells: [...cells.slice(0, at + 1), injected, ...cells.slice(at + 1)] };
}
