// `npm run build:web` (and before `npm start` and `npm test`): the gallery in apps/web bundled by
// esbuild into dist/web: one script, one stylesheet and an icon, named by their content hash so
// they can be cached for a year, and an index.html that links them and holds no inline code (the
// page's CSP forbids it). apps/http/web-routes.ts serves exactly the files manifest.json lists.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'apps/web');

/** The budget for the gallery's JavaScript and CSS together, gzipped. */
export const GZIP_BUDGET_BYTES = 60 * 1024;

/** What web-routes.ts reads: the page and the only asset names it will serve, with their types. */
export interface WebManifest {
  page: string;
  assets: Record<string, string>;
}

export interface WebBuild {
  outDir: string;
  files: { name: string; bytes: number; gzipBytes: number }[];
  /** JS and CSS only: what the budget counts. */
  gzipBytes: number;
}

const TYPES = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' } as const;

const hashed = (stem: string, ext: keyof typeof TYPES, contents: Uint8Array): string =>
  `${stem}-${createHash('sha256').update(contents).digest('base64url').slice(0, 10)}.${ext}`;

/**
 * A file appears whole or not at all: a service started while another build runs (tests start
 * several) never reads half of one.
 */
async function writeAtomically(path: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

/** Bundles the gallery into `outDir`; throws, after printing the sizes, when it is over budget. */
export async function buildWeb(outDir = join(ROOT, 'dist/web'), options: { quiet?: boolean } = {}): Promise<WebBuild> {
  const result = await build({
    entryPoints: [join(SOURCE, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    // Evergreen browsers from about 2022 on: <dialog>, aspect-ratio and inset need nothing older.
    target: ['chrome105', 'firefox104', 'safari15.4', 'edge105'],
    outdir: outDir,
    entryNames: 'app',
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  const outputs = new Map(result.outputFiles.map((file) => [file.path.slice(file.path.lastIndexOf('.') + 1), file.contents]));
  const js = outputs.get('js');
  const css = outputs.get('css');
  if (js === undefined || css === undefined) throw new Error('build:web: esbuild gave no script or no stylesheet (apps/web/main.ts must import ./styles.css).');
  const icon = await readFile(join(SOURCE, 'favicon.svg'));

  const names = { js: hashed('app', 'js', js), css: hashed('app', 'css', css), icon: hashed('icon', 'svg', icon) };
  const template = await readFile(join(SOURCE, 'index.html'), 'utf8');
  const page = template.replaceAll('%APP_JS%', `/assets/${names.js}`).replaceAll('%APP_CSS%', `/assets/${names.css}`).replaceAll('%ICON%', `/assets/${names.icon}`);
  if (/%[A-Z_]+%/.test(page)) throw new Error(`build:web: apps/web/index.html has a placeholder nobody fills: ${/%[A-Z_]+%/.exec(page)?.[0]}`);
  if (/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i.test(page)) {
    throw new Error('build:web: apps/web/index.html must not hold inline scripts, styles or event handlers: the CSP forbids them.');
  }

  const manifest: WebManifest = { page: 'index.html', assets: { [names.js]: TYPES.js, [names.css]: TYPES.css, [names.icon]: TYPES.svg } };
  await mkdir(outDir, { recursive: true });
  await writeAtomically(join(outDir, names.js), js);
  await writeAtomically(join(outDir, names.css), css);
  await writeAtomically(join(outDir, names.icon), icon);
  await writeAtomically(join(outDir, 'index.html'), page);
  // Last: the routes trust the manifest, so it only names files that are already in place.
  await writeAtomically(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Earlier builds' assets are no longer linked from anywhere.
  const keep = new Set(['index.html', 'manifest.json', ...Object.keys(manifest.assets)]);
  for (const entry of await readdir(outDir)) if (!keep.has(entry) && !entry.endsWith('.tmp')) await rm(join(outDir, entry), { force: true });

  const files = [
    { name: names.js, contents: js },
    { name: names.css, contents: css },
    { name: names.icon, contents: icon },
    { name: 'index.html', contents: Buffer.from(page) },
  ].map(({ name, contents }) => ({ name, bytes: contents.byteLength, gzipBytes: gzipSync(contents, { level: 9 }).byteLength }));
  const gzipBytes = files.filter(({ name }) => name.endsWith('.js') || name.endsWith('.css')).reduce((sum, file) => sum + file.gzipBytes, 0);
  if (options.quiet !== true) {
    for (const file of files) console.log(`web  ${file.name.padEnd(24)} ${kb(file.bytes).padStart(9)}  ${kb(file.gzipBytes).padStart(9)} gzipped`);
    console.log(`web  JS + CSS ${kb(gzipBytes)} gzipped (budget ${kb(GZIP_BUDGET_BYTES)}) in ${outDir}`);
  }
  if (gzipBytes > GZIP_BUDGET_BYTES) {
    throw new Error(`build:web: the gallery's JS and CSS are ${kb(gzipBytes)} gzipped, over the ${kb(GZIP_BUDGET_BYTES)} budget of issue 13.`);
  }
  return { outDir, files, gzipBytes };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** True when dist/web's manifest is older than a source of the gallery (or missing). */
async function stale(outDir = join(ROOT, 'dist/web')): Promise<boolean> {
  const built = await stat(join(outDir, 'manifest.json')).then((s) => s.mtimeMs, () => 0);
  const sources = [...(await readdir(SOURCE)).map((name) => join(SOURCE, name)), fileURLToPath(import.meta.url)];
  const newest = Math.max(...(await Promise.all(sources.map((path) => stat(path).then((s) => s.mtimeMs)))));
  return newest > built;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    // `npm start` passes --if-stale: a start, or many test servers at once, need not rebuild an unchanged gallery.
    if (!process.argv.includes('--if-stale') || (await stale())) await buildWeb();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
