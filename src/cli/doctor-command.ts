import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { centerNetModelPath } from '../local/detector';
import { readStackState } from '../local/stack';
import { isJupyterEnvReady, venvDir, venvKernelsDir } from '../notebook/jupyter-env';
import { checkKernelSpec, KERNEL_NAME, kernelSpecFile, userJupyterDir } from '../notebook/kernelspec';
import { readyJupyterPython } from '../notebook/run-notebook';
import { cacheRoot } from '../paths';
import { describeBrowser, findBrowser, type BrowserLocation } from '../report/browser';
import { table } from './output';

interface Check {
  what: string;
  ok: boolean;
  /** What was found, or how to get it. */
  detail: string;
  /** Missing but only some features need it. */
  optional?: boolean;
}

function checks(): Check[] {
  const out: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  out.push({ what: 'Node.js ≥ 20', ok: major >= 20, detail: process.version });

  let model = '';
  try {
    model = centerNetModelPath();
  } catch {
    /* reported below */
  }
  out.push({
    what: 'detector weights (local stack)',
    ok: model !== '' && fs.existsSync(model),
    detail: model && fs.existsSync(model) ? model : 'missing: run `npm ci` (the weights ship in @vladmandic/human)',
  });

  try {
    fs.mkdirSync(cacheRoot(), { recursive: true });
    fs.accessSync(cacheRoot(), fs.constants.W_OK);
    out.push({ what: 'cache folder writable', ok: true, detail: cacheRoot() });
  } catch {
    out.push({ what: 'cache folder writable', ok: false, detail: `${cacheRoot()} is not writable: set CLOUDBENCH_CACHE_DIR` });
  }

  out.push(browserCheck());
  out.push(...jupyterChecks());

  const aws = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  out.push({
    what: 'AWS CLI (independent client)',
    ok: aws.status === 0,
    optional: true,
    detail: aws.status === 0 ? (aws.stdout || aws.stderr).trim().split(' ')[0] : 'missing: `sudo apt-get install awscli` (only the tests use it)',
  });

  const gcloud = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
  out.push({
    what: 'Google Cloud CLI (independent client)',
    ok: gcloud.status === 0,
    optional: true,
    detail: gcloud.status === 0 ? (gcloud.stdout.split('\n')[0] ?? '').trim() : "missing: the google-cloud-cli package from Google's apt repository (only the tests use it; they skip it when absent)",
  });

  const state = readStackState();
  out.push({ what: 'detached local stack', ok: true, optional: true, detail: state ? `running (pid ${state.pid})` : 'not running' });
  return out;
}

function browserCheck(): Check {
  const what = 'Chromium (PDF reports)';
  let browser: BrowserLocation | null;
  try {
    browser = findBrowser();
  } catch (err) {
    return { what, ok: false, optional: true, detail: (err as Error).message };
  }
  if (!browser) {
    return {
      what,
      ok: false,
      optional: true,
      detail: 'missing: `npm ci` installs one from npm on Linux x64 (optional dependency @sparticuz/chromium), or `sudo apt-get install chromium`, or set PUPPETEER_EXECUTABLE_PATH; HTML reports work without it',
    };
  }
  const pending = browser.source === 'bundled' && !fs.existsSync(browser.executablePath) ? ' — unpacked on the first PDF' : '';
  return { what, ok: true, optional: true, detail: `${describeBrowser(browser)}${pending}` };
}

/** Why `python3 -m venv` would fail here, or null when it should work. */
function venvProblem(): string | null {
  const python = spawnSync('python3', ['-c', 'import venv, ensurepip'], { encoding: 'utf8' });
  if (python.error) return 'no python3 on PATH: `sudo apt-get install python3 python3-venv`';
  if (python.status !== 0) return 'python3 has no venv/ensurepip: `sudo apt-get install python3-venv`';
  return null;
}

function jupyterChecks(): Check[] {
  const venv = venvDir();
  const ready = isJupyterEnvReady(venv);
  const lab: Check = ready
    ? { what: 'JupyterLab (npm run lab)', ok: true, optional: true, detail: `${(spawnSync(path.join(venv, 'bin', 'jupyter'), ['lab', '--version'], { encoding: 'utf8' }).stdout ?? '').trim() || 'installed'} in ${venv}` }
    : { what: 'JupyterLab (npm run lab)', ok: false, optional: true, detail: venvProblem() ?? `not installed yet: \`npm run lab\` installs it into ${venv} with pip` };

  // The kernel in the venv (what `npm run lab` registers) and, when present, one in the user's Jupyter.
  const kernels: Check[] = [];
  if (ready) {
    const k = checkKernelSpec(venvKernelsDir(venv));
    kernels.push({ what: `kernel "${KERNEL_NAME}" (npm run lab)`, ok: k.ok, optional: true, detail: k.ok ? `points at this checkout (${kernelSpecFile(venvKernelsDir(venv))})` : `${k.why}: \`npm run lab -- --install-only\` rewrites it` });
  }
  if (fs.existsSync(kernelSpecFile(userJupyterDir()))) {
    const k = checkKernelSpec(userJupyterDir());
    kernels.push({ what: `kernel "${KERNEL_NAME}" (your Jupyter)`, ok: k.ok, optional: true, detail: k.ok ? `points at this checkout (${kernelSpecFile(userJupyterDir())})` : `${k.why}: \`npx cloudbench notebook kernel-install\` from this checkout rewrites it` });
  }

  const python = readyJupyterPython();
  const headless: Check = {
    what: 'Jupyter (headless notebooks)',
    ok: python !== null,
    optional: true,
    detail: python ? `${python} with nbclient` : 'not installed yet: `npm run lab -- --install-only` (or the first `cloudbench notebook run`) installs it into the venv',
  };
  return [lab, ...kernels, headless];
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check what this machine has for cloudbench (Node, detector weights, Chromium, JupyterLab and its kernel, AWS CLI, gcloud) and say how to get what is missing')
    .option('--json', 'print the checks as JSON')
    .action((o: { json?: boolean }) => {
      const result = checks();
      if (o.json) console.log(JSON.stringify(result));
      else {
        console.log(table([['check', 'status', 'detail'], ...result.map((c) => [c.what, c.ok ? 'ok' : c.optional ? 'missing (optional)' : 'MISSING', c.detail])], { header: true }));
      }
      if (result.some((c) => !c.ok && !c.optional)) process.exitCode = 1;
    });
}
