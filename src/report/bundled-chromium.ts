/**
 * The Chromium that ships inside npm (@sparticuz/chromium, an optional dependency): a headless-shell
 * build, brotli-compressed, with the few shared libraries a bare Debian lacks (al2023.tar.br).
 * It is what the PDF uses when no system Chrome/Chromium is found, so `npm ci && npm start` ends
 * with a PDF on a machine with nothing but Node.
 *
 * Why not the package's own executablePath(): it unpacks loose files into $TMPDIR with no version
 * check, and two processes unpacking at once break each other (spawn ETXTBSY). Here each version is
 * unpacked once into a staging folder of the cache and renamed into place, so a half-unpacked browser
 * is never used and a concurrent unpack just loses the race. Fonts: the package's fonts.conf points
 * at /tmp/fonts with one font; ours points at DejaVu (dejavu-fonts-ttf, also optional) and any
 * system fonts, so tables and captions have glyphs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { cacheRoot } from '../paths';
import { isProcessAlive } from '../processes';

const PACKAGE = '@sparticuz/chromium';

export interface BundledChromiumPackage {
  /** node_modules/@sparticuz/chromium */
  dir: string;
  version: string;
}

export interface BundledLaunch {
  executablePath: string;
  /** Added to the browser's environment: its libraries and fonts. */
  env: Record<string, string>;
  /** Added to the launch flags. */
  args: string[];
}

/**
 * An installed package's folder and version, or null when it is not installed. Found from its
 * package.json or, where `exports` hides that from require.resolve, from its main entry.
 */
export function installedPackage(name: string): { dir: string; version: string } | null {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    try {
      dir = path.dirname(require.resolve(name));
    } catch {
      return null;
    }
  }
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === name && manifest.version) return { dir, version: manifest.version };
    } catch {
      /* no package.json at this level */
    }
  }
  return null;
}

/** glibc, not musl (Alpine): the build links against glibc, and the package declares no libc. */
function hasGlibc(): boolean {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return typeof header?.glibcVersionRuntime === 'string';
}

/** The installed package, or null where it is absent (optional dependency omitted) or cannot run (not Linux x64 with glibc). */
export function bundledChromiumPackage(): BundledChromiumPackage | null {
  if (process.platform !== 'linux' || process.arch !== 'x64' || !hasGlibc()) return null;
  const pkg = installedPackage(PACKAGE);
  return pkg && fs.existsSync(path.join(pkg.dir, 'bin', 'chromium.br')) ? pkg : null;
}

/** Where a version is unpacked: the per-user cache, so it survives reboots (unlike $TMPDIR). */
export function bundledChromiumHome(version: string): string {
  return path.join(cacheRoot(), 'chromium', version);
}

export function bundledChromiumExecutable(version: string): string {
  return path.join(bundledChromiumHome(version), 'chromium');
}

interface TarFs {
  extract(dir: string, opts?: { chown?: boolean }): NodeJS.WritableStream;
}

async function unbrotli(from: string, to: string, mode: number): Promise<void> {
  await pipeline(fs.createReadStream(from), zlib.createBrotliDecompress(), fs.createWriteStream(to, { mode }));
}

async function untarBrotli(from: string, dir: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tar = require('tar-fs') as TarFs;
  // chown: false: as root tar-fs would give the files the archive's uid (1000, a real user on many machines).
  await pipeline(fs.createReadStream(from), zlib.createBrotliDecompress(), tar.extract(dir, { chown: false }));
}

/**
 * Unpacks the browser once per version (≈2 s, ≈210 MB) and returns its folder. Safe to call from
 * several processes at once: each unpacks into its own staging folder; the first rename wins.
 */
export async function ensureBundledChromium(pkg: BundledChromiumPackage, onStatus?: (line: string) => void): Promise<string> {
  const home = bundledChromiumHome(pkg.version);
  if (fs.existsSync(path.dirname(home))) removeAbandonedStaging(home);
  if (fs.existsSync(path.join(home, 'chromium'))) return home;
  // The size said is the archives' own (measured here), not a typed estimate of the result.
  const archives = ['chromium.br', 'al2023.tar.br', 'swiftshader.tar.br'].map((f) => path.join(pkg.dir, 'bin', f));
  const mib = archives.reduce((sum, f) => sum + fs.statSync(f).size, 0) / 2 ** 20;
  onStatus?.(`Unpacking the Chromium from npm (@sparticuz/chromium ${pkg.version}, ${mib.toFixed(0)} MiB compressed) into ${home}: once per version…`);
  fs.mkdirSync(path.dirname(home), { recursive: true });
  // The pid in the name: a folder whose process is gone (Ctrl-C skips `finally`) is removed next time.
  const staging = fs.mkdtempSync(`${home}.staging-${process.pid}-`);
  // mkdtemp makes it 0700; a shared cache needs others to run it.
  fs.chmodSync(staging, 0o755);
  try {
    await unbrotli(path.join(pkg.dir, 'bin', 'chromium.br'), path.join(staging, 'chromium'), 0o755);
    // libnss3, libnspr4, libexpat… built for the package's target (the tar holds lib/).
    await untarBrotli(path.join(pkg.dir, 'bin', 'al2023.tar.br'), path.join(staging, 'al2023'));
    // SwiftShader's GL libraries beside the binary: without them the headless shell dies at start
    // (measured with 143.0.4), even with --disable-gpu.
    await untarBrotli(path.join(pkg.dir, 'bin', 'swiftshader.tar.br'), staging);
    try {
      fs.renameSync(staging, home);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process finished first (the target exists and is not empty): use its copy.
      if (!(code === 'ENOTEMPTY' || code === 'EEXIST') || !fs.existsSync(path.join(home, 'chromium'))) throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return home;
}

/** An interrupted unpack leaves its staging folder (200 MB): removed once its process is gone, or after an hour. */
function removeAbandonedStaging(home: string): void {
  const parent = path.dirname(home);
  const prefix = `${path.basename(home)}.staging-`;
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(parent, name);
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    try {
      const abandoned = (pid > 0 && pid !== process.pid && !isProcessAlive(pid)) || Date.now() - fs.statSync(dir).mtimeMs > 3_600_000;
      if (abandoned) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* gone already */
    }
  }
}

/** Folders with fonts: DejaVu from npm when installed, and the system's. */
export function fontDirs(): string[] {
  const dirs: string[] = [];
  const dejavu = installedPackage('dejavu-fonts-ttf');
  if (dejavu) dirs.push(path.join(dejavu.dir, 'ttf'));
  for (const dir of ['/usr/share/fonts', '/usr/local/share/fonts']) if (fs.existsSync(dir)) dirs.push(dir);
  return dirs;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fontconfig file for this launch: the font folders, a cache inside the profile, DejaVu for the generic families. */
export function fontsConf(dirs: readonly string[], cacheDir: string): string {
  const alias = (family: string, font: string) => `  <alias><family>${family}</family><prefer><family>${font}</family></prefer></alias>`;
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    ...dirs.map((d) => `  <dir>${xml(d)}</dir>`),
    `  <cachedir>${xml(cacheDir)}</cachedir>`,
    alias('sans-serif', 'DejaVu Sans'),
    alias('serif', 'DejaVu Serif'),
    alias('monospace', 'DejaVu Sans Mono'),
    '</fontconfig>',
    '',
  ].join('\n');
}

/** Unpacks if needed and returns how to launch it with a given (fresh) profile folder. */
export async function prepareBundledChromium(pkg: BundledChromiumPackage, profileDir: string, onStatus?: (line: string) => void): Promise<BundledLaunch> {
  const home = await ensureBundledChromium(pkg, onStatus);
  const conf = path.join(profileDir, 'fonts.conf');
  fs.writeFileSync(conf, fontsConf(fontDirs(), path.join(profileDir, 'fontconfig-cache')));
  const libs = path.join(home, 'al2023', 'lib');
  return {
    executablePath: path.join(home, 'chromium'),
    env: {
      LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter),
      FONTCONFIG_FILE: conf,
    },
    // The build is chrome-headless-shell for sandbox-less containers: these are the flags it is built and tested with.
    args: ['--no-sandbox', '--no-zygote', '--single-process', '--font-render-hinting=none'],
  };
}
