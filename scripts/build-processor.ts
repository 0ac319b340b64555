// `npm run build:processor`: apps/processor/lambda.ts bundled into dist/processor/index.mjs, with
// sharp left out of the bundle and installed beside it for linux-arm64 (glibc), as Lambda's arm64
// Node 22 runtime loads it; packed into dist/processor.zip (handler `index.handler`). sharp's native
// parts cannot be bundled: a .node addon and libvips' shared library, for the function's platform,
// which is not this machine's, hence npm's --cpu/--os/--libc.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { BUNDLE_OPTIONS, ROOT, bytesByPackage, forbiddenInputs, size, unbundledImports, zip } from './build-lambda.ts';

/** Installed beside the bundle rather than bundled: sharp loads its addon and libvips from its own folder. */
const NATIVE = ['sharp'];

export interface ProcessorBuild {
  bundleDir: string;
  zipPath: string;
  /** Every JavaScript file esbuild wrote. */
  bundleBytes: number;
  zipBytes: number;
  /** The sharp version installed in the zip (the lockfile's, which the tests run). */
  sharpVersion: string;
  /** Every file in the zip. */
  entries: string[];
  metafile: Metafile;
}

/** Bundles the processor into `<outDir>/index.mjs` (and chunks), `sharp` left as an import. */
export async function bundleProcessor(outDir: string): Promise<{ bytes: number; files: string[]; metafile: Metafile }> {
  const { metafile } = await build({
    ...BUNDLE_OPTIONS,
    external: [...BUNDLE_OPTIONS.external, ...NATIVE],
    entryPoints: { index: join(ROOT, 'apps/processor/lambda.ts') },
    outdir: outDir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
  });
  const files = Object.keys(metafile.outputs).map((output) => relative(outDir, resolve(ROOT, output)));
  const sizes = await Promise.all(files.map(async (file) => (await stat(join(outDir, file))).size));

  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { dev?: boolean }> };
  const forbidden = forbiddenInputs(metafile, manifest.devDependencies ?? {}, lock.packages ?? {});
  if (forbidden.length > 0) throw new Error(`The processor bundle must not contain dev-only or local-server code; it reaches:\n  ${forbidden.join('\n  ')}`);
  const unbundled = unbundledImports(metafile, NATIVE);
  if (unbundled.length > 0) throw new Error(`The processor bundle imports packages it does not contain: ${unbundled.join(', ')}`);
  return { bytes: sizes.reduce((a, b) => a + b, 0), files, metafile };
}

/** The exact sharp the lockfile pins (package.json's range resolved): the one every test runs against. */
export async function lockedSharpVersion(): Promise<string> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.['node_modules/sharp']?.version;
  if (version === undefined) throw new Error('package-lock.json pins no sharp: run npm install.');
  return version;
}

// ELF's e_machine values for the two architectures a build could end up with.
const MACHINES: Record<number, string> = { 183: 'arm64', 62: 'x64' };

/** The architecture of an ELF file (`arm64`, `x64`, another's number), or undefined for a file that is not ELF. */
export async function elfMachine(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await file.read(header, 0, 20, 0);
    if (bytesRead < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const machine = header.readUInt16LE(18);
    return MACHINES[machine] ?? `machine ${machine}`;
  } finally {
    await file.close();
  }
}

/**
 * What is wrong with a processor zip's file list: sharp's arm64 addon and arm64 libvips must be in
 * it, and no package built for another platform (x64, musl, macOS, Windows, WebAssembly).
 */
export function zipProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  const has = (pattern: RegExp, what: string) => void (entries.some((entry) => pattern.test(entry)) || problems.push(`no ${what}`));
  has(/^index\.mjs$/, 'index.mjs');
  has(/^node_modules\/sharp\/package\.json$/, 'sharp package');
  has(/^node_modules\/@img\/sharp-linux-arm64\/lib\/sharp-linux-arm64[^/]*\.node$/, "sharp's linux-arm64 addon (@img/sharp-linux-arm64)");
  has(/^node_modules\/@img\/sharp-libvips-linux-arm64\/lib\/libvips-cpp\.so[.\d]*$/, 'libvips for linux-arm64 (@img/sharp-libvips-linux-arm64)');
  const ours = new Set(['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64']);
  const foreign = entries.filter((entry) => {
    const scoped = /^node_modules\/(@img\/sharp-[^/]+)\//.exec(entry)?.[1];
    return (scoped !== undefined && !ours.has(scoped)) || /x64|x86|amd64/i.test(entry);
  });
  if (foreign.length > 0) problems.push(`files for another platform: ${[...new Set(foreign.map((entry) => entry.split('/').slice(0, 3).join('/')))].join(', ')}`);
  return problems;
}

async function filesUnder(folder: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(folder, prefix), { withFileTypes: true })) {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(folder, path)));
    else found.push(path);
  }
  return found;
}

/** Builds `<outDir>/processor/` (the bundle with its node_modules) and `<outDir>/processor.zip`. */
export async function buildProcessor(outDir = join(ROOT, 'dist')): Promise<ProcessorBuild> {
  const bundleDir = join(outDir, 'processor');
  const zipPath = join(outDir, 'processor.zip');
  await rm(bundleDir, { recursive: true, force: true });
  await rm(zipPath, { force: true });
  await mkdir(bundleDir, { recursive: true });
  const { bytes: bundleBytes, files, metafile } = await bundleProcessor(bundleDir);

  const sharpVersion = await lockedSharpVersion();
  const install = await mkdtemp(join(tmpdir(), 'processor-sharp-'));
  try {
    await writeFile(join(install, 'package.json'), '{ "private": true }\n');
    // No install scripts: sharp's would check, or build for, this machine rather than the function's.
    execFileSync(
      'npm',
      ['install', '--cpu=arm64', '--os=linux', '--libc=glibc', '--omit=dev', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', `sharp@${sharpVersion}`],
      { cwd: install, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // Command-line links, C++ sources, headers and type declarations are for building and editors, never loaded.
    const unused = (path: string) => /\/\.bin(\/|$)|\/sharp\/src\/|\/include\/|\.d\.[cm]?ts$|\.map$/.test(path);
    await cp(join(install, 'node_modules'), join(bundleDir, 'node_modules'), { recursive: true, filter: (source) => !unused(source) });
  } finally {
    await rm(install, { recursive: true, force: true });
  }

  const modules = (await filesUnder(bundleDir, 'node_modules')).sort();
  const native = [];
  for (const file of modules) {
    const machine = await elfMachine(join(bundleDir, file));
    if (machine !== undefined) native.push({ file, machine });
  }
  const wrong = native.filter(({ machine }) => machine !== 'arm64');
  if (native.length === 0 || wrong.length > 0) {
    throw new Error(`The processor's native files must all be arm64: ${native.map(({ file, machine }) => `${file} (${machine})`).join(', ') || 'none found'}`);
  }

  zip(zipPath, bundleDir, [...files, ...modules]);
  const entries = execFileSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).trim().split('\n');
  const problems = zipProblems(entries);
  if (problems.length > 0) throw new Error(`${zipPath} is not a package the arm64 function can run:\n  ${problems.join('\n  ')}`);
  return { bundleDir, zipPath, bundleBytes, zipBytes: (await stat(zipPath)).size, sharpVersion, entries, metafile };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildProcessor();
  const native = built.entries.filter((entry) => /\.node$|\.so[.\d]*$/.test(entry));
  console.log(`bundle   ${join(built.bundleDir, 'index.mjs')}  ${size(built.bundleBytes)} (${built.bundleBytes} bytes, sharp not included)`);
  console.log(`zip      ${built.zipPath}  ${size(built.zipBytes)} (${built.zipBytes} bytes: the bundle and sharp ${built.sharpVersion} for linux-arm64, ${built.entries.length} files)`);
  console.log(`native   ${native.join(', ')} (all arm64)`);
  console.log('largest contributors to the bundle:');
  for (const [owner, bytes] of bytesByPackage(built.metafile).slice(0, 8)) console.log(`  ${size(bytes).padStart(9)}  ${owner}`);
}
