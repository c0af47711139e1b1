/**
 * The client image (Dockerfile): a static check of what its final stage holds, which runs
 * everywhere, and a real build + `--version` where a container builder with an engine is usable
 * (skipped, with the reason, where none is).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TEMPLATE_FILES } from '../src/analysis/template-files';
import { NODE_UID, POD_PATHS } from '../src/cli/k8s-manifests';
import { ROOT } from './helpers/cli';

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** The Dockerfile as stages of instructions: comments dropped, continuation lines joined, ARG defaults substituted in FROM. */
function parseDockerfile(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const op = m[1].toUpperCase();
    const args = m[2];
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = args.split('=');
      globalArgs[k] = v ?? '';
    } else if (op === 'FROM') {
      const [image, , name] = args.replace(/\$\{?(\w+)\}?/g, (_, k: string) => globalArgs[k] ?? '').split(/\s+/);
      stages.push({ from: image, name, instructions: [] });
    } else {
      assert.ok(stages.length > 0, `${op} before the first FROM`);
      stages[stages.length - 1].instructions.push({ op, args });
    }
  }
  return stages;
}

/** Where COPY puts its sources in the image: absolute paths, relative ones under the stage's WORKDIR then. */
function copiedPaths(stage: Stage): { from?: string; sources: string[]; dest: string }[] {
  let workdir = '/';
  const out: { from?: string; sources: string[]; dest: string }[] = [];
  for (const { op, args } of stage.instructions) {
    if (op === 'WORKDIR') workdir = path.posix.resolve(workdir, args);
    if (op !== 'COPY') continue;
    const words = args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const dest = path.posix.resolve(workdir, paths[paths.length - 1]);
    const sources = paths.slice(0, -1);
    // COPY a b ./ puts each source's basename in the folder; COPY a ./x puts a at x.
    const targets = dest.endsWith('/') || paths[paths.length - 1].endsWith('/') || sources.length > 1
      ? sources.map((s) => path.posix.join(dest, path.posix.basename(s)))
      : [dest];
    out.push(...targets.map((t, i) => ({ from: flags.find((f) => f.startsWith('--from='))?.slice(7), sources: [sources[i] ?? sources[0]], dest: t })));
  }
  return out;
}

const DOCKERFILE = path.join(ROOT, 'Dockerfile');
const stages = parseDockerfile(fs.readFileSync(DOCKERFILE, 'utf8'));
const final = stages[stages.length - 1];
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string; bin: Record<string, string>; scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string>;
};

test('Dockerfile: multi-stage on Node 20, the final stage runs as a non-root user with the CLI as entrypoint', () => {
  assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
  for (const s of stages) assert.match(s.from, /^node:20(\.\d+)*-bookworm-slim(@sha256:[0-9a-f]+)?$/, `FROM ${s.from}`);
  const users = final.instructions.filter((i) => i.op === 'USER');
  assert.ok(users.length > 0, 'the final stage sets USER');
  const user = users[users.length - 1].args.split(':')[0];
  assert.ok(!['root', '0', ''].includes(user), `USER ${user}`);
  // The official image's `node` user is uid 1000: the Job's pods run as that uid.
  assert.ok(user === 'node' || user === String(NODE_UID), `USER ${user} is the uid the pods run as (${NODE_UID})`);
  const entrypoint = final.instructions.filter((i) => i.op === 'ENTRYPOINT').pop();
  assert.deepEqual(JSON.parse(entrypoint?.args ?? 'null'), ['node', `/app/${pkg.bin.cloudbench}`]);
  const workdir = final.instructions.filter((i) => i.op === 'WORKDIR').pop();
  assert.equal(workdir?.args, POD_PATHS.work, 'the working folder is the one the pods mount');
});

test('Dockerfile: the final stage holds what the CLI reads at run time', () => {
  const copied = copiedPaths(final).map((c) => c.dest);
  const has = (p: string) => copied.some((d) => p === d || p.startsWith(`${d}/`));
  // The launcher, the code it picks (dist/, with its .built stamp and the bundled photos that
  // build.cjs copies there), the version (package.json), the production dependencies, and the
  // analysis' data files.
  const needed = [
    `/app/${pkg.bin.cloudbench}`, '/app/scripts/entry.cjs', '/app/index.cjs', '/app/package.json', '/app/dist', '/app/dist/.built',
    '/app/dist/datasets/photos', '/app/node_modules',
    ...Object.values(TEMPLATE_FILES).map((f) => `/app/templates/${f}`),
  ];
  for (const p of needed) assert.ok(has(p), `${p} is copied into the final stage`);
  for (const f of Object.values(TEMPLATE_FILES)) assert.ok(fs.existsSync(path.join(ROOT, 'templates', f)), `templates/${f} exists`);
  assert.match(fs.readFileSync(path.join(ROOT, 'scripts', 'build.cjs'), 'utf8'), /'datasets', 'photos'/, 'the build copies the photos into dist/');
  // Nothing of the sources: the launcher must load dist/, not src/ through tsx.
  assert.ok(!has('/app/src'), 'src/ is not in the final stage');
});

test('Dockerfile: the build stage installs and builds, and keeps production dependencies only', () => {
  const build = stages.find((s) => s !== final && final.instructions.some((i) => i.op === 'COPY' && i.args.includes(`--from=${s.name}`)));
  assert.ok(build, 'the final stage copies from a build stage');
  const runs = build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
  assert.match(runs, /npm ci\b/);
  assert.match(runs, /npm run build\b/);
  assert.match(runs, /npm prune --omit=dev|npm ci [^&]*--omit=dev/);
  // The package's prepare script compiles with TypeScript, a dev dependency: `npm ci --omit=dev`
  // runs it and fails unless scripts are off.
  assert.match(pkg.scripts.prepare, /build\.cjs/);
  assert.ok(pkg.devDependencies.typescript);
  for (const cmd of runs.split('&&')) {
    if (/npm ci\b.*--omit=dev/.test(cmd)) assert.match(cmd, /--ignore-scripts/, `${cmd.trim()}: prepare needs TypeScript`);
  }
  // No browser download at install: puppeteer-core only, never puppeteer.
  assert.ok(pkg.dependencies['puppeteer-core'] && !pkg.dependencies.puppeteer && !pkg.devDependencies.puppeteer);
  // What the build stage copies from the context exists and is not excluded by .dockerignore.
  const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const c of copiedPaths(build).filter((c) => !c.from)) {
    for (const s of c.sources) {
      assert.ok(fs.existsSync(path.join(ROOT, s)), `COPY ${s}: missing from the repository`);
      assert.ok(!ignored.includes(s.replace(/\/$/, '')), `COPY ${s}: excluded by .dockerignore`);
    }
  }
  for (const p of ['node_modules', 'dist', '.git', 'reports']) assert.ok(ignored.includes(p), `.dockerignore leaves out ${p}`);
});

/** A usable builder and how it was found, or why none is. */
function findBuilder(): { cli: string } | { skip: string } {
  const reasons: string[] = [];
  for (const cli of ['docker', 'podman', 'buildah']) {
    const probe = spawnSync(cli, ['info'], { encoding: 'utf8', timeout: 30_000 });
    if (probe.error) {
      reasons.push(`${cli}: not installed`);
      continue;
    }
    if (probe.status === 0) return { cli };
    const first = (probe.stderr || probe.stdout).split('\n').map((l) => l.trim()).find(Boolean) ?? `exit ${probe.status}`;
    reasons.push(`${cli} CLI found but no engine: ${first}`);
  }
  return { skip: reasons.filter((r) => !r.endsWith('not installed')).join('; ') || 'no container builder: docker, podman and buildah are not installed' };
}

test('the image builds and runs `cloudbench --version` as its non-root user on a read-only root', { timeout: 30 * 60_000 }, (t) => {
  const builder = findBuilder();
  if ('skip' in builder) {
    t.skip(builder.skip);
    return;
  }
  // buildah builds; running needs podman or docker beside it.
  const runner = builder.cli === 'buildah' ? (spawnSync('podman', ['--version']).status === 0 ? 'podman' : undefined) : builder.cli;
  const tag = `cloudbench-test:${process.pid}`;
  const build = builder.cli === 'buildah'
    ? spawnSync('buildah', ['bud', '-t', tag, ROOT], { encoding: 'utf8', timeout: 25 * 60_000 })
    : spawnSync(builder.cli, ['build', '-t', tag, ROOT], { encoding: 'utf8', timeout: 25 * 60_000 });
  assert.equal(build.status, 0, `${builder.cli} build failed:\n${(build.stderr || build.stdout).slice(-4000)}`);
  try {
    if (!runner) {
      t.skip('buildah built the image; no podman to run it');
      return;
    }
    const run = spawnSync(runner, ['run', '--rm', '--read-only', '--tmpfs', '/tmp', tag, '--version'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), pkg.version);
    const id = spawnSync(runner, ['run', '--rm', '--entrypoint', 'id', tag, '-u'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(id.stdout.trim(), String(NODE_UID));
  } finally {
    spawnSync(runner ?? builder.cli, ['rmi', '-f', tag], { encoding: 'utf8' });
  }
});
