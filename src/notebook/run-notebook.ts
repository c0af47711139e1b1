/** Headless execution of a tslab notebook through Jupyter (nbclient), with injected parameters. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';
import { KERNEL_NAME, writeKernelSpec } from './kernelspec';
import { cellSource, injectParameters, type Notebook, type ParameterValue } from './parameters';

const EXECUTOR = path.resolve(__dirname, '..', '..', 'scripts', 'execute-notebook.py');

/** Per-cell time limit, seconds: a cell may run a whole experiment. */
export const DEFAULT_CELL_TIMEOUT_S = 1800;

export class NotebookError extends UserError {
  override name = 'NotebookError';
}

export interface CellTiming {
  index: number;
  durationMs: number;
  status: 'ok' | 'error';
}

export interface NotebookRunResult {
  outPath: string;
  cells: CellTiming[];
}

export interface RunNotebookOptions {
  params?: Record<string, ParameterValue>;
  /** Executed notebook path (default: <name>.out.ipynb next to the input). */
  out?: string;
  /** Per cell, seconds (default DEFAULT_CELL_TIMEOUT_S). */
  timeoutS?: number;
}

/** A Python that can run notebooks: Debian's (where apt puts Jupyter) first, then python3 on PATH. */
export function findJupyterPython(): string {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(candidate, ['-c', 'import nbclient, nbformat, jupyter_client'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  throw new NotebookError(
    'Jupyter is not installed (need the Python packages nbclient, nbformat, jupyter_client). ' +
      'Install it with `bash scripts/system-deps.sh jupyter` (as root) or `sudo apt-get install jupyter-nbconvert jupyter-client python3-ipykernel`.',
  );
}

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotebookError(`notebook ${file} does not exist`);
    if (code === 'EISDIR') throw new NotebookError(`${file} is a folder, not a notebook`);
    throw new NotebookError(code ? `cannot read notebook ${file}: ${code}` : `${file} is not a notebook (invalid JSON)`);
  }
  if (!Array.isArray(nb.cells)) throw new NotebookError(`${file} is not a Jupyter notebook (no cells)`);
  return nb;
}

export async function runNotebook(file: string, opts: RunNotebookOptions = {}): Promise<NotebookRunResult> {
  const input = path.resolve(file);
  const nb = injectParameters(readNotebook(input), opts.params ?? {});
  const outPath = path.resolve(opts.out ?? input.replace(/\.ipynb$/, '') + '.out.ipynb');
  const python = findJupyterPython();

  // A private kernelspec, so the run needs nothing registered in the user's Jupyter.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-nb-'));
  try {
    writeKernelSpec(work);
    nb.metadata = { ...nb.metadata, kernelspec: { name: KERNEL_NAME, display_name: 'TypeScript (cloudbench)', language: 'typescript' } };
    const staged = path.join(work, 'input.ipynb');
    fs.writeFileSync(staged, JSON.stringify(nb));
    const child = spawn(
      python,
      [EXECUTOR, staged, outPath, '--kernel', KERNEL_NAME, '--timeout', String(opts.timeoutS ?? DEFAULT_CELL_TIMEOUT_S), '--cwd', path.dirname(input)],
      { env: { ...process.env, JUPYTER_PATH: [work, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const last = stdout.trim().split('\n').pop() ?? '';
    let summary: { ok: boolean; failedCell: number | null; error: string | null; cells: CellTiming[] };
    try {
      summary = JSON.parse(last);
    } catch {
      throw new NotebookError(`Jupyter failed to run ${file} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`);
    }
    if (!summary.ok && summary.failedCell !== null) {
      const cell = nb.cells[summary.failedCell];
      const firstLine = cellSource(cell).split('\n').find((l) => l.trim()) ?? '';
      throw new NotebookError(
        `${path.basename(file)}: cell ${summary.failedCell + 1} failed (${firstLine.trim().slice(0, 60)}):\n${summary.error}\n` +
          `The executed notebook, up to that cell, is in ${outPath}`,
      );
    }
    return { outPath, cells: summary.cells };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
