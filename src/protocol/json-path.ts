/**
 * A small path language for codecs' field mappings: `$.predictions[0].detections`, `box.x1`,
 * `bbox[2]`. Dots and bracketed indexes only (no wildcards or filters: a mapping names one place).
 * Errors say which step of the path found nothing, so a preflight can tell the user exactly.
 */
export type PathStep = string | number;

export function parsePath(path: string): PathStep[] {
  const text = path.trim().replace(/^\$\.?/, '');
  if (text === '') return [];
  const steps: PathStep[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(text)) !== null) {
    const between = text.slice(last, m.index);
    if (between !== '' && between !== '.') throw new Error(`cannot read the path ${JSON.stringify(path)} near ${JSON.stringify(between)}`);
    steps.push(m[2] !== undefined ? Number(m[2]) : m[1]);
    last = re.lastIndex;
  }
  if (last !== text.length) throw new Error(`cannot read the path ${JSON.stringify(path)}`);
  return steps;
}

// A codec reads the same few paths for every detection of every answer: each is parsed once.
const parsed = new Map<string, PathStep[]>();

/** The value at `path`, or an error naming the first step that found nothing. */
export function readPath(value: unknown, path: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let steps = parsed.get(path);
  if (!steps) parsed.set(path, (steps = parsePath(path)));
  let at: unknown = value;
  let walked = '$';
  for (const step of steps) {
    const next = typeof step === 'number' ? (Array.isArray(at) ? at[step] : undefined) : at && typeof at === 'object' && !Array.isArray(at) ? (at as Record<string, unknown>)[step] : undefined;
    const shown = typeof step === 'number' ? `${walked}[${step}]` : `${walked}.${step}`;
    if (next === undefined) {
      const has = Array.isArray(at) ? `a list of ${at.length}` : at && typeof at === 'object' ? `an object with ${Object.keys(at).slice(0, 8).join(', ') || 'no fields'}` : JSON.stringify(at)?.slice(0, 40);
      return { ok: false, error: `${shown} is missing (${walked} is ${has})` };
    }
    at = next;
    walked = shown;
  }
  return { ok: true, value: at };
}
