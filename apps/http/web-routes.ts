import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../../core/errors.ts';
import type { Config } from '../config.ts';
import type { HttpResponse, Route } from './types.ts';

export interface WebRoutesOptions {
  /** The folder `npm run build:web` writes: index.html, manifest.json and the hashed assets. */
  distDir: string;
  identityMode: 'header' | 'jwt';
  /** Origins other than the page's that serve image bytes and take direct uploads (S3, PUBLIC_URL). */
  storageOrigins: string[];
}

const [REPOSITORY_BUILD, BESIDE_BUNDLE] = ['../../dist/web/', './web/'].map((path) => fileURLToPath(new URL(path, import.meta.url))) as [string, string];
/**
 * Where the gallery's build is: `dist/web` of the repository (`npm run build:web`), or a `web/`
 * folder beside a bundle of this module (how a deployment package can carry it).
 */
export const WEB_DIST_DIR = existsSync(join(REPOSITORY_BUILD, 'manifest.json')) || !existsSync(join(BESIDE_BUNDLE, 'manifest.json')) ? REPOSITORY_BUILD : BESIDE_BUNDLE;

/** The origins the gallery's page must be allowed to load images from and send uploads to. */
export function storageOrigins(config: Pick<Config, 'storage' | 'publicUrl' | 'aws'>): string[] {
  if (config.storage !== 'aws') return [new URL(config.publicUrl).origin];
  if (config.aws.s3Endpoint !== undefined) return [new URL(config.aws.s3Endpoint).origin];
  // The SDK's virtual-hosted bucket address, the global one older buckets still answer at, and the
  // path-style one the SDK falls back to for bucket names with dots (TLS wildcards stop at a dot).
  const { bucket, region } = config.aws;
  const origins = [`https://${bucket}.s3.${region}.amazonaws.com`, `https://${bucket}.s3.amazonaws.com`];
  return bucket.includes('.') ? [...origins, `https://s3.${region}.amazonaws.com`] : origins;
}

/** The options for a configuration, with the gallery where the repository builds it. */
export function webRoutesOptions(config: Pick<Config, 'storage' | 'publicUrl' | 'aws' | 'identity'>, distDir = WEB_DIST_DIR): WebRoutesOptions {
  return { distDir, identityMode: config.identity.mode, storageOrigins: storageOrigins(config) };
}

/** What build-web.ts writes in manifest.json: the only asset names served, with their types. */
interface Manifest {
  page: string;
  assets: Record<string, string>;
}

// Only the page's own files run or style it; images and uploads may also use the storage origins.
function pageCsp(storage: readonly string[]): string {
  const extra = storage.length === 0 ? '' : ` ${storage.join(' ')}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${extra}`,
    `connect-src 'self'${extra}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

const NOT_BUILT =
  'The gallery has not been built: run `npm run build:web` (npm start does it for you), then reload this page.\n' +
  'The API itself answers as usual; its documentation is at /docs.\n';

// Hashed names never change content, so browsers may keep them for a year without asking.
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The gallery: `GET /` (the page, with the identity mode in a data attribute on <html>, since the
 * CSP allows no inline script) and `GET /assets/{name}` for exactly the files the build's manifest
 * names. Until a build exists, `GET /` answers 503 and says how to make one.
 */
export function webRoutes(options: WebRoutesOptions): Route[] {
  const csp = pageCsp(options.storageOrigins);
  const manifestPath = join(options.distDir, 'manifest.json');
  let built: { version: number; manifest: Manifest; page: Buffer } | undefined;
  // Hashed names: a name's content never changes, so a file read once is kept.
  const assets = new Map<string, Buffer>();

  // A rebuild while the service runs (`npm run build:web`) rewrites the manifest last: its
  // modification time says when to read the page again. Throws while there is no build.
  const load = async (): Promise<{ manifest: Manifest; page: Buffer }> => {
    const version = (await stat(manifestPath)).mtimeMs;
    if (built?.version === version) return built;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    const template = await readFile(join(options.distDir, manifest.page), 'utf8');
    const page = Buffer.from(template.replace(/<html([^>]*?) data-identity="[^"]*"/, `<html$1 data-identity="${options.identityMode}"`));
    built = { version, manifest, page };
    return built;
  };

  const page = async (): Promise<HttpResponse> => {
    try {
      const { page: body } = await load();
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-cache', 'x-frame-options': 'DENY' },
        body,
      };
    } catch {
      return { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '10' }, body: Buffer.from(NOT_BUILT) };
    }
  };

  const asset = async (name: string | undefined): Promise<HttpResponse> => {
    const { manifest } = await load().catch(() => {
      throw notFound('The gallery has not been built.');
    });
    // The manifest is the whitelist: a request path never reaches the file system otherwise.
    const type = name === undefined || !Object.hasOwn(manifest.assets, name) ? undefined : manifest.assets[name];
    if (name === undefined || type === undefined) throw notFound('No such gallery asset.');
    let body = assets.get(name);
    if (body === undefined) {
      // Gone only if a rebuild removed it between the manifest read and now.
      body = await readFile(join(options.distDir, name)).catch(() => {
        throw notFound('No such gallery asset.');
      });
      assets.set(name, body);
    }
    return { status: 200, headers: { 'content-type': type, 'cache-control': IMMUTABLE }, body };
  };

  return [
    { method: 'GET', path: '/', handle: page },
    { method: 'GET', path: '/assets/:name', handle: (request) => asset(request.params.name) },
  ];
}
