/**
 * `cloudbench lab` (`npm run lab`): JupyterLab on 127.0.0.1 over notebooks/, from the project's
 * venv (installed on first use), with the cloudbench kernel registered in it. Jupyter's log is kept
 * to warnings; the URL with its token is printed once the server is up.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { ensureJupyterEnv, JupyterSetupError, PROJECT_ROOT, type JupyterEnv } from '../notebook/jupyter-env';
import { KERNEL_DISPLAY_NAME, KERNEL_NAME } from '../notebook/kernelspec';
import { portOption } from './options';

interface LabOptions {
  port?: number;
  open?: boolean;
  installOnly?: boolean;
  notebooks?: string;
}

/** Jupyter writes jpserver-<pid>.json into its runtime folder once it listens: its URL and token. */
async function waitForServer(je: JupyterEnv, pid: number, token: string, exited: () => string | null): Promise<{ url: string; port: number }> {
  const file = path.join(je.env.JUPYTER_RUNTIME_DIR!, `jpserver-${pid}.json`);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const why = exited();
    if (why !== null) throw new UserError(`JupyterLab stopped before it was ready: ${why}`);
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as { url: string; port: number; token?: string };
      // A file left by a killed server whose pid was reused is not this one.
      if (info.token === token) return info;
    } catch {
      /* not written yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new UserError(`JupyterLab did not start within 2 minutes (no ${file})`);
}

async function startLab(je: JupyterEnv, o: LabOptions, extra: string[]): Promise<number> {
  const token = crypto.randomBytes(24).toString('hex');
  const root = path.resolve(o.notebooks ?? path.join(PROJECT_ROOT, 'notebooks'));
  if (!fs.existsSync(root)) throw new UserError(`--notebooks: folder ${root} does not exist`);
  const args = [
    'lab',
    '--ip=127.0.0.1',
    `--port=${o.port ?? 8888}`,
    // An explicit --port must be that port; the default may move up when 8888 is taken.
    ...(o.port !== undefined ? ['--ServerApp.port_retries=0'] : []),
    ...(o.open ? [] : ['--no-browser']),
    `--ServerApp.root_dir=${root}`,
    `--IdentityProvider.token=${token}`,
    // One Ctrl-C stops it (Jupyter would otherwise ask to confirm), as every cloudbench server does.
    '--ServerApp.answer_yes=True',
    '--log-level=WARN',
    // New notebooks get the cloudbench kernel, not the venv's Python one.
    `--MultiKernelManager.default_kernel_name=${KERNEL_NAME}`,
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ...extra,
  ];
  const child = spawn(je.jupyter, args, { env: je.env, stdio: ['inherit', 'inherit', 'pipe'] });
  let stderrTail = '';
  let spawnError: Error | undefined;
  // A venv whose `jupyter` cannot start (e.g. its interpreter moved): reported as a one-line error below.
  child.once('error', (err) => (spawnError = err));
  child.stderr!.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderrTail = (stderrTail + d.toString()).slice(-2000);
  });
  let exitCode: number | null | undefined;
  let stopping = false;
  const exited = new Promise<number>((resolve) =>
    child.once('close', (code, signal) => {
      exitCode = code;
      // Ended by a signal: fine when it was our stop, a failure otherwise (e.g. the OOM killer).
      resolve(code ?? (signal && stopping ? 0 : 1));
    }),
  );
  // The terminal's Ctrl-C reaches Jupyter too (same process group); a signal sent to this process
  // alone is passed on. Either way this process waits for Jupyter to shut its kernels down.
  const stop = () => {
    stopping = true;
    child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const info = await waitForServer(je, child.pid ?? -1, token, () =>
      spawnError
        ? `cannot run ${je.jupyter}: ${spawnError.message} (remove ${je.venv} and run again)`
        : exitCode !== undefined
          ? `exit ${exitCode}${stderrTail.trim() ? `: ${stderrTail.trim().split('\n').slice(-2).join(' | ')}` : ''}`
          : null,
    );
    console.log(`JupyterLab: ${info.url.replace(/\/$/, '')}/lab?token=${token}`);
    console.log(`  notebooks: ${root}; kernel "${KERNEL_DISPLAY_NAME}" (${KERNEL_NAME}) runs this checkout's cloudbench`);
    console.log('  listening on 127.0.0.1 only; Ctrl-C stops it.');
    return await exited;
  } finally {
    if (exitCode === undefined && !spawnError) stop();
    await exited;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function registerLabCommand(program: Command): void {
  program
    .command('lab')
    .description('start JupyterLab on 127.0.0.1 over notebooks/ with the cloudbench kernel; installs it into .venv with pip on first use (npm run lab)')
    .argument('[jupyter-args...]', 'more arguments for `jupyter lab`, after --')
    .option('--port <port>', 'port (default 8888, or the next free one)', portOption('--port'))
    .option('--open', 'open a browser on it (default: print the URL)')
    .option('--notebooks <dir>', 'the folder JupyterLab shows (default: this checkout\'s notebooks/)')
    .option('--install-only', 'install JupyterLab and register the kernel, then exit (what `npm test` does first)')
    .action(async (extra: string[], o: LabOptions) => {
      let je: JupyterEnv;
      try {
        je = await ensureJupyterEnv({ onStatus: (line) => console.log(line) });
      } catch (err) {
        if (err instanceof JupyterSetupError) throw new UserError(`cannot set up JupyterLab: ${err.message}`);
        throw err;
      }
      if (o.installOnly) {
        console.log(`JupyterLab is ready in ${je.venv}; kernel "${KERNEL_DISPLAY_NAME}" (${KERNEL_NAME}) points at ${PROJECT_ROOT}. Start it with \`npm run lab\`.`);
        return;
      }
      process.exitCode = await startLab(je, o, extra);
    });
}
