/**
 * Vega-Lite spec → standalone SVG string, in Node, without a browser: vega's headless View with
 * `renderer: 'none'` and `toSVG()`. Output is deterministic for a given spec: vega's global id
 * counters (clip paths, gradients) are rewritten to ids derived from the figure's own id, which also
 * keeps ids unique when many SVGs are inlined into one HTML page.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** A loader that refuses every URL: a report never fetches anything while it renders. */
function offlineLoader(): vega.Loader {
  const refuse = (uri: string) => Promise.reject(new Error(`report charts use inline data only; refused to load ${uri}`));
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse, fileAccess: false } as unknown as vega.Loader;
}

/** vega-lite's compiler logs optimiser notes to the console; a report command should not. */
const QUIET = {
  level: () => QUIET,
  error: () => QUIET,
  warn: () => QUIET,
  info: () => QUIET,
  debug: () => QUIET,
} as unknown as NonNullable<Parameters<typeof vl.compile>[1]>['logger'];

export interface RenderedSvg {
  svg: string;
  width: number;
  height: number;
}

export async function renderSvg(spec: TopLevelSpec, idPrefix = 'fig'): Promise<RenderedSvg> {
  const compiled = vl.compile(spec, { logger: QUIET }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: offlineLoader(), logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return { svg: stabilizeIds(svg, idPrefix), width: view.width(), height: view.height() };
  } finally {
    view.finalize();
  }
}

/** Renames every `id="…"` (and its `url(#…)` / `href="#…"` uses) to `<prefix>-<n>` in order of appearance. */
export function stabilizeIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\bid="([^"]+)"/g)) {
    if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  }
  if (ids.size === 0) return svg;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${ids.get(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/href="#([^"]+)"/g, (all, id: string) => (ids.has(id) ? `href="#${ids.get(id)}"` : all));
}
