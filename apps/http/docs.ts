import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { notFound } from '../../core/errors.ts';
import { FILE_RULE } from './request-shapes.ts';
import { documentation } from './schema.ts';
import { route } from './route-spec.ts';
import { JSON_TYPE } from './types.ts';
import type { HttpResponse, Route } from './types.ts';

const packageDir = (name: string): string => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

// Only these files are served: a whitelist keeps request paths away from the file system.
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'swagger-ui.css': { file: () => join(packageDir('swagger-ui-dist'), 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: () => join(packageDir('swagger-ui-dist'), 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'redoc.standalone.js': { file: () => join(packageDir('redoc'), 'bundles', 'redoc.standalone.js'), type: 'text/javascript; charset=utf-8' },
};

// Scripts live in files, not inline, so the pages work under a CSP without 'unsafe-inline' scripts.
const SWAGGER_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const page = (title: string, head: string, body: string): string =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<link rel="icon" href="/favicon.svg" type="image/svg+xml"><title>${title}</title>${head}</head><body>${body}</body></html>\n`;

/** The service's icon, so no page asks for a /favicon.ico that is not there. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f5f8b"/>' +
  '<circle cx="11" cy="12" r="4" fill="#fff"/><path d="M4 26l8-9 5 5 4-4 7 8z" fill="#fff"/></svg>\n';

// ReDoc's sidebar credit loads its logo from Redocly's CDN, which the CSP refuses (an error in the
// console, and a request to a third party if it did not). An empty src shows no image and fetches nothing.
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

const SWAGGER_PAGE = page(
  'Image service API',
  '<link rel="stylesheet" href="/docs/swagger-ui.css">',
  '<div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script>',
);
const REDOC_PAGE = page('Image service API', '', '<redoc spec-url="/openapi.json"></redoc><script src="/redoc/redoc.standalone.js"></script>');

// The pages run only their own scripts; Swagger UI and ReDoc inject styles, ReDoc runs a blob worker.
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const text = (body: string, type: string): HttpResponse => ({ status: 200, headers: { 'content-type': type }, body: Buffer.from(body) });
const html = (body: string): HttpResponse => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DOCS_CSP },
  body: Buffer.from(body),
});

/**
 * /openapi.json (generated from `apiRoutes`, these pages included), Swagger UI at /docs and ReDoc
 * at /redoc, with their assets served locally.
 */
export function docRoutes(version: string, apiRoutes: readonly Route[]): Route[] {
  // Made on first request: a cold start that serves no documentation never pays for it.
  let documentJson: string | undefined;
  const cache = new Map<string, Buffer>();
  const asset = async (name: string | undefined): Promise<HttpResponse> => {
    const entry = name === undefined ? undefined : ASSETS[name];
    if (name === undefined || entry === undefined) throw notFound('No such documentation asset.');
    const body = cache.get(name) ?? (name === 'redoc.standalone.js' ? Buffer.from((await readFile(entry.file(), 'utf8')).replaceAll(REDOC_CDN_LOGO, '')) : await readFile(entry.file()));
    cache.set(name, body);
    return { status: 200, headers: { 'content-type': entry.type, 'cache-control': 'public, max-age=86400' }, body };
  };

  const pages: Route[] = [
    route({
      method: 'GET',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI document',
      tags: ['docs'],
      answers: { 200: { description: 'The OpenAPI 3.1 document.', schema: 'json' } },
      handle: async () => {
        // The generator, zod's JSON Schema code and the answers' schemas load with the first request for the document.
        const [{ openApiDocument }, { ANSWERS, errorBody }] = await Promise.all([import('./openapi.ts'), import('./answer-shapes.ts')]);
        documentJson ??= JSON.stringify(openApiDocument(version, [...apiRoutes, ...pages], { documentation, answers: ANSWERS, errorBody, fileRule: FILE_RULE }));
        return text(documentJson, JSON_TYPE);
      },
    }),
    route({
      method: 'GET',
      path: '/docs',
      operationId: 'getSwaggerUi',
      summary: 'Swagger UI for this document',
      tags: ['docs'],
      answers: { 200: { description: 'The Swagger UI page.', schema: 'html' } },
      handle: async () => html(SWAGGER_PAGE),
    }),
    route({
      method: 'GET',
      path: '/redoc',
      operationId: 'getRedoc',
      summary: 'ReDoc for this document',
      tags: ['docs'],
      answers: { 200: { description: 'The ReDoc page.', schema: 'html' } },
      handle: async () => html(REDOC_PAGE),
    }),
  ];
  return [
    ...pages,
    { method: 'GET', path: '/favicon.svg', handle: async () => ({ status: 200, headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }, body: Buffer.from(FAVICON_SVG) }) },
    { method: 'GET', path: '/favicon.ico', handle: async () => ({ status: 200, headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }, body: Buffer.from(FAVICON_SVG) }) },
    { method: 'GET', path: '/docs/init.js', handle: async () => text(SWAGGER_INIT, 'text/javascript; charset=utf-8') },
    { method: 'GET', path: '/docs/:asset', handle: (request) => asset(request.params.asset) },
    { method: 'GET', path: '/redoc/:asset', handle: (request) => asset(request.params.asset) },
  ];
}
