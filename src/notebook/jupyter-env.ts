/**
 * The project's own Jupyter: a Python virtual environment in `.venv/` (git-ignored) with JupyterLab
 * and nbclient from pip, and the cloudbench kernel registered inside it. `npm run lab`, headless
 * notebook runs and the notebook tests all use it, so none depends on what the user's Python has.
 *
 * Jupyter's own folders (config, data, runtime, lab settings and workspaces) are pointed inside the
 * venv too: nothing is written to ~/.jupyter or ~/.local/share/jupyter, and a user's existing
 * kernels (a `tslab` one, say) are neither used nor overwritten.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { UserError } from '../errors';
import { KERNEL_NAME, writeKernelSpec } from './kernelspec';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** What pip installs. Ranges, not pins: the user's index decides the patch versions. */
export const JUPYTER_REQUIREMENTS = ['jupyterlab>=4.2,<5', 'nbclient>=0.10,<1', 'ipykernel>=6.29'] as const;

export class JupyterSetupError extends UserError {
  override name = 'JupyterSetupError';
}

export interface JupyterEnv {
  venv: string;
  python: string;
  jupyter: string;
  /** Environment for jupyter processes: Jupyter's folders inside the venv. */
  env: NodeJS.ProcessEnv;
}

/** CLOUDBENCH_VENV, else `<checkout>/.venv`. */
export function venvDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.CLOUDBENCH_VENV || path.join(PROJECT_ROOT, '.venv'));
}

/**
 * The requirements and the venv's own path: a venv's scripts name their interpreter by absolute
 * path, so a moved checkout's venv still imports but cannot start `jupyter` — it is made again.
 */
function stampOf(venv: string): string {
  return crypto.createHash('sha256').update(`${JUPYTER_REQUIREMENTS.join('\n')}\n${path.resolve(venv)}`).digest('hex').slice(0, 16);
}

export function jupyterEnvOf(venv: string, base: NodeJS.ProcessEnv = process.env): JupyterEnv {
  const home = path.join(venv, 'cloudbench-jupyter');
  return {
    venv,
    python: path.join(venv, 'bin', 'python'),
    jupyter: path.join(venv, 'bin', 'jupyter'),
    env: {
      ...base,
      JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_DATA_DIR: path.join(home, 'data'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
      JUPYTERLAB_SETTINGS_DIR: path.join(home, 'lab-settings'),
      JUPYTERLAB_WORKSPACES_DIR: path.join(home, 'lab-workspaces'),
      // The venv's Python first, so `jupyter` finds its siblings even without activation.
      PATH: [path.join(venv, 'bin'), base.PATH].filter(Boolean).join(path.delimiter),
      VIRTUAL_ENV: venv,
    },
  };
}

/** The venv's kernels folder (what `jupyter kernelspec install --sys-prefix` writes to). */
export function venvKernelsDir(venv: string): string {
  return path.join(venv, 'share', 'jupyter');
}

/** Ready: the stamp matches these requirements and its Python imports them (a moved base Python breaks a venv). */
export function isJupyterEnvReady(venv: string): boolean {
  const stamp = path.join(venv, '.cloudbench-stamp');
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8').trim() !== stampOf(venv)) return false;
  const r = spawnSync(path.join(venv, 'bin', 'python'), ['-c', 'import jupyterlab, nbclient, nbformat, jupyter_client'], { stdio: 'ignore' });
  return r.status === 0;
}

function findPython(): string | null {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import sys; assert sys.version_info >= (3, 9)'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  return null;
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').filter((l) => l.trim()).slice(-n).join(' | ');
}

/** Runs pip with its output counted, not dumped: "collecting 37 packages…" on a terminal, errors in full. */
async function pipInstall(python: string, onStatus: (line: string) => void): Promise<void> {
  const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', ...JUPYTER_REQUIREMENTS];
  // An unreachable index is retried 5 times per package by default (minutes where only a mirror
  // answers); one retry keeps a flaky network working. PIP_RETRIES overrides.
  if (!process.env.PIP_RETRIES) args.splice(3, 0, '--retries', '1');
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('error', () => undefined); // reported through 'close' below, with the spawn error
  let output = '';
  let collected = 0;
  const tty = process.stdout.isTTY;
  const onData = (d: Buffer) => {
    const text = d.toString();
    output += text;
    const n = (text.match(/^Collecting /gm) ?? []).length;
    if (n && tty) {
      collected += n;
      process.stdout.write(`\r  pip: collected ${collected} packages…`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve, reject) => {
    // A venv whose base Python moved or was removed: its python cannot start.
    child.once('error', (err) => reject(new JupyterSetupError(`cannot run ${python}: ${err.message} (is the virtual environment broken? remove it and run again)`)));
    child.once('close', resolve);
  });
  if (tty && collected) process.stdout.write('\n');
  if (code !== 0) {
    const noIndex = /Could not find a version that satisfies|No matching distribution|Failed to establish a new connection|Name or service not known/.test(output);
    throw new JupyterSetupError(
      noIndex
        ? `pip could not get JupyterLab (no package index reachable: ${lastLines(output, 1)}). Install it where pip can reach PyPI or a mirror (pip config / PIP_INDEX_URL), or run \`sudo apt-get install jupyter-notebook python3-nbclient\` for headless runs only`
        : `pip install of JupyterLab failed (exit ${code}): ${lastLines(output, 3)}`,
    );
  }
  onStatus(`  pip: ${(output.match(/^Successfully installed (.*)$/m)?.[1] ?? '').split(' ').filter(Boolean).length} packages installed`);
}

const CREATED_MARK = '.cloudbench-created';

/** Makes the venv, unless `venv` is already one (a user's CLOUDBENCH_VENV): then pip installs into it. */
function makeVenv(python: string, venv: string): void {
  if (fs.existsSync(path.join(venv, 'pyvenv.cfg')) && !fs.existsSync(path.join(venv, CREATED_MARK))) return;
  if (fs.existsSync(venv) && !fs.existsSync(path.join(venv, CREATED_MARK)) && fs.readdirSync(venv).length > 0) {
    throw new JupyterSetupError(`${venv} exists and is not a Python virtual environment: remove it, or set CLOUDBENCH_VENV to another folder`);
  }
  fs.rmSync(venv, { recursive: true, force: true });
  // The mark first: a venv killed half-made is still known as ours, and made again next time.
  fs.mkdirSync(venv, { recursive: true });
  fs.writeFileSync(path.join(venv, CREATED_MARK), '');
  const made = spawnSync(python, ['-m', 'venv', venv], { encoding: 'utf8' });
  if (made.status !== 0 || !fs.existsSync(path.join(venv, 'bin', 'pip'))) {
    // Debian's python3 without python3-venv: `venv` fails in ensurepip and leaves a venv without pip.
    fs.rmSync(venv, { recursive: true, force: true });
    const noVenv = /ensurepip|venv/.test(`${made.stdout}${made.stderr}`);
    throw new JupyterSetupError(
      noVenv
        ? `${python} cannot make a virtual environment (the venv module or ensurepip is missing): install it with \`sudo apt-get install python3-venv\`, then run again`
        : `${python} -m venv ${venv} failed: ${lastLines(`${made.stdout}\n${made.stderr}`, 2)}`,
    );
  }
}

async function createVenv(venv: string, onStatus: (line: string) => void): Promise<void> {
  const python = findPython();
  if (!python) throw new JupyterSetupError('JupyterLab needs Python ≥ 3.9 (python3 on PATH): install it with `sudo apt-get install python3 python3-venv`');
  const started = Date.now();
  onStatus(`Installing JupyterLab into ${path.relative(process.cwd(), venv) || venv} with pip (once per checkout)…`);
  makeVenv(python, venv);
  try {
    await pipInstall(jupyterEnvOf(venv).python, onStatus);
  } catch (err) {
    // Only a venv made here is removed; a user's own keeps whatever pip managed.
    if (fs.existsSync(path.join(venv, CREATED_MARK))) fs.rmSync(venv, { recursive: true, force: true });
    throw err;
  }
  fs.writeFileSync(path.join(venv, '.cloudbench-stamp'), `${stampOf(venv)}\n`);
  onStatus(`JupyterLab installed in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}

/**
 * The venv, made on first use, with the cloudbench kernel registered in it (rewritten every time,
 * so it always points at this checkout and this Node). Several processes may call this at once
 * (the test files, a second `npm run lab`): one installs, the others wait for it.
 */
export async function ensureJupyterEnv(opts: { onStatus?: (line: string) => void; venv?: string } = {}): Promise<JupyterEnv> {
  const venv = opts.venv ?? venvDir();
  const onStatus = opts.onStatus ?? (() => undefined);
  if (!isJupyterEnvReady(venv)) {
    try {
      fs.mkdirSync(path.dirname(venv), { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // mkdir -p over a file says EEXIST (or ENOTDIR below it): name the cause, not the errno.
      const why = e.code === 'EEXIST' || e.code === 'ENOTDIR' ? 'a file is in the way' : e.message;
      throw new JupyterSetupError(`cannot make ${path.dirname(venv)} for the JupyterLab venv: ${why}`);
    }
    const release = await acquireInstallLock(venv);
    try {
      if (!isJupyterEnvReady(venv)) await createVenv(venv, onStatus);
    } finally {
      await release().catch(() => undefined);
    }
  }
  const je = jupyterEnvOf(venv);
  writeKernelSpec(venvKernelsDir(venv));
  disableDebuggerExtension(je.env.JUPYTER_CONFIG_DIR!);
  for (const key of ['JUPYTER_CONFIG_DIR', 'JUPYTER_DATA_DIR', 'JUPYTER_RUNTIME_DIR'] as const) fs.mkdirSync(je.env[key]!, { recursive: true });
  return je;
}

/**
 * One installer at a time: the others wait (up to ~6 min) while the lock is held; any other error
 * (a folder that cannot be written) fails at once. proper-lockfile's own retries would retry those too.
 */
async function acquireInstallLock(venv: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 400_000;
  for (;;) {
    try {
      // Stale after 30 s without an update: a killed installer does not block the next one for long.
      return await lockfile.lock(path.dirname(venv), { lockfilePath: `${venv}.lock`, stale: 30_000, retries: 0, onCompromised: () => undefined });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ELOCKED') throw new JupyterSetupError(`cannot lock ${venv}.lock to install JupyterLab: ${e.message}`);
      if (Date.now() > deadline) throw new JupyterSetupError(`another process has been installing JupyterLab into ${venv} for over 6 minutes; wait for it, or remove ${venv}.lock if none is running`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * JupyterLab's debugger asks every kernel for a debug session after each cell and throws a page
 * error when there is none, which is always so for tslab (measured: one per cell with 4.6.4). The
 * same setting `jupyter labextension disable --level=user` writes, kept with other keys.
 */
function disableDebuggerExtension(configDir: string): void {
  // In cloudbench's own Jupyter config folder: a user's venv (CLOUDBENCH_VENV) keeps its debugger elsewhere.
  const file = path.join(configDir, 'labconfig', 'page_config.json');
  let config: { disabledExtensions?: Record<string, boolean> } = {};
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof config;
  } catch {
    /* none yet */
  }
  if (config.disabledExtensions?.['@jupyterlab/debugger-extension'] === true) return;
  config.disabledExtensions = { ...config.disabledExtensions, '@jupyterlab/debugger-extension': true };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}

export { KERNEL_NAME };
