import { expect } from 'chai';
import request from 'supertest';
import packageJson from '../../package.json' with { type: 'json' };
import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import type { EntryPoint, TestApp } from '../support/app.ts';
import { startApp } from '../support/app.ts';
import { failing } from '../support/fakes.ts';
import { upload } from '../support/upload.ts';
import { expectError } from './expect.ts';

export function serviceCases(entry: EntryPoint): void {
  describe('health, documentation and protocol behaviour', function () {
    let app: TestApp;
    afterEach(() => app.close());

    it('answers /health and /health/ready', async () => {
      app = await startApp(entry);
      const health = await request(app.url).get('/health');
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.equal({ status: 'healthy', service: 'image-service', version: packageJson.version });
      const ready = await request(app.url).get('/health/ready');
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.equal({ status: 'ready', checks: { blob_store: 'ok', metadata_store: 'ok' } });
    });

    it('is not ready (503) while a backend is down, and stays alive', async () => {
      const broken = new Set<keyof MemoryImageCatalog>(['ping', 'create', 'list']);
      app = await startApp(entry, { overrides: { catalog: failing(new MemoryImageCatalog(), () => broken) } });
      const ready = await request(app.url).get('/health/ready');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks).to.deep.equal({ blob_store: 'ok', metadata_store: 'unavailable' });
      expect((await request(app.url).get('/health')).status).to.equal(200);
      expectError(await request(app.url).get('/images'), 503, 'service_unavailable');
      expectError(await upload(app.url), 503, 'service_unavailable');
      broken.clear();
      expect((await request(app.url).get('/health/ready')).status).to.equal(200);
      expect((await request(app.url).get('/images')).body.images, 'the failed upload left no image').to.deep.equal([]);
    });

    it('answers an unexpected failure with a bare 500 whose request id is in the log', async () => {
      const catalog = new MemoryImageCatalog();
      catalog.list = async () => {
        throw new Error('ResourceNotFoundException: table arn:aws:dynamodb:secret-table is missing');
      };
      app = await startApp(entry, { overrides: { catalog } });
      const response = await request(app.url).get('/images');
      expectError(response, 500, 'internal_error');
      expect(JSON.stringify(response.body)).not.to.include('secret-table');
      const logged = app.logs.find((line) => line.request_id === response.body.request_id && line.level === 50);
      expect(logged, 'an error log line with the request id').to.not.equal(undefined);
    });

    it('serves the OpenAPI document, Swagger UI and ReDoc with their assets', async () => {
      app = await startApp(entry);
      const spec = await request(app.url).get('/openapi.json');
      expect(spec.status).to.equal(200);
      expect(spec.body.openapi).to.equal('3.1.0');
      // The answers' schemas load with the document, and are its components as the request schemas are.
      expect(spec.body.paths['/images/{image_id}'].get.responses['200'].content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/Image' });
      expect(spec.body.components.schemas).to.include.keys('Image', 'ImageList', 'Error', 'StartUpload', 'ImagePatch');
      const docs = await request(app.url).get('/docs');
      expect(docs.headers['content-type']).to.match(/^text\/html/);
      for (const src of docs.text.match(/(?:src|href)="([^"]+)"/g) ?? []) {
        const path = src.replace(/^(?:src|href)="|"$/g, '');
        expect((await request(app.url).get(path)).status, path).to.equal(200);
      }
      const redoc = await request(app.url).get('/redoc');
      expect(redoc.text).to.include('spec-url="/openapi.json"');
      const bundle = await request(app.url).get('/redoc/redoc.standalone.js');
      expect(bundle.status).to.equal(200);
      expect(Number(bundle.headers['content-length'])).to.be.greaterThan(100_000);
      // Its sidebar credit loaded a logo from Redocly's CDN, which the CSP refused.
      expect(bundle.text ?? (bundle.body as Buffer).toString()).not.to.include('cdn.redoc.ly');
      // A browser asks for /favicon.ico when a page names no icon; both pages name one, and both answer.
      expect(docs.text).to.include('rel="icon" href="/favicon.svg"');
      for (const icon of ['/favicon.svg', '/favicon.ico']) {
        const answer = await request(app.url).get(icon);
        expect(answer.status, icon).to.equal(200);
        expect(answer.headers['content-type']).to.equal('image/svg+xml');
      }
      expectError(await request(app.url).get('/docs/..%2Fpackage.json'), 404, 'not_found');
    });

    it('answers unknown routes with a JSON 404 and other methods with a 405 naming the allowed ones, and sets safe headers', async () => {
      app = await startApp(entry);
      const response = await request(app.url).get('/nope');
      expectError(response, 404, 'not_found');
      expectError(await request(app.url).put('/nope'), 404, 'not_found');
      for (const [method, path, allow] of [
        ['put', '/images/abc', 'DELETE, GET, HEAD, PATCH'],
        ['post', '/health', 'GET, HEAD'],
        ['delete', '/images', 'GET, HEAD, POST'],
      ] as const) {
        const refused = await request(app.url)[method](path);
        expectError(refused, 405, 'method_not_allowed');
        expect(refused.headers.allow, `${method} ${path}`).to.equal(allow);
        expect(refused.body.details, `${method} ${path}`).to.deep.equal({ allow });
      }
      expect(response.headers['x-content-type-options']).to.equal('nosniff');
      expect(response.headers['x-powered-by']).to.equal(undefined);
      for (const path of ['/nope', '/health', '/images', '/openapi.json']) {
        expect((await request(app.url).get(path)).headers['content-security-policy'], path).to.match(/^default-src 'none'; frame-ancestors 'none'/);
      }
      for (const path of ['/docs', '/redoc']) {
        const csp = (await request(app.url).get(path)).headers['content-security-policy'] as string;
        expect(csp, path).to.include("script-src 'self'").and.not.include('unsafe-eval');
        expect(csp, path).not.to.match(/script-src[^;]*unsafe-inline/);
      }
      expectError(await request(app.url).get('/images/%E0%A4%A'), 400, 'validation_error');
    });

    it('answers HEAD wherever GET answers: the same status and headers, no body', async () => {
      app = await startApp(entry);
      const id = ((await upload(app.url)).body as { image_id: string }).image_id;
      for (const path of ['/health', `/images/${id}`, '/images?limit=5', '/openapi.json', '/nope']) {
        const [get, head] = [await request(app.url).get(path), await request(app.url).head(path)];
        expect(head.status, path).to.equal(get.status);
        expect(head.headers['content-type'], path).to.equal(get.headers['content-type']);
        expect(head.headers.etag, path).to.equal(get.headers.etag);
        expect(head.text ?? '', path).to.equal('');
        if (entry.ownsContentLength && get.status === 200 && get.headers['content-encoding'] === undefined) expect(head.headers['content-length'], path).to.equal(String(Buffer.byteLength(get.text)));
      }
      const download = (await request(app.url).get(`/images/${id}`)).body.download_url as string;
      const [file, fileHead] = [await fetch(download), await fetch(download, { method: 'HEAD' })];
      expect(fileHead.status).to.equal(file.status);
      const bytes = (await file.arrayBuffer()).byteLength;
      if (entry.ownsContentLength) expect(fileHead.headers.get('content-length')).to.equal(String(bytes));
      expect(await fileHead.text()).to.equal('');
    });

    it('lets browsers call it from the configured origins only, without credentials', async function () {
      // Behind API Gateway, the gateway's CORS configuration answers (infra/template.yaml).
      if (!entry.answersCors) return this.skip();
      app = await startApp(entry, { env: { CORS_ORIGINS: 'http://localhost:5173' } });
      const preflight = await request(app.url).options('/images/abc')
        .set('Origin', 'http://localhost:5173').set('Access-Control-Request-Method', 'DELETE').set('Access-Control-Request-Headers', 'x-user-id');
      expect(preflight.status).to.equal(204);
      expect(preflight.headers['access-control-allow-origin']).to.equal('http://localhost:5173');
      expect(preflight.headers['access-control-allow-headers']).to.match(/X-User-Id/i);
      expect(preflight.headers['access-control-allow-credentials']).to.equal(undefined);
      const listed = await request(app.url).get('/images').set('Origin', 'http://localhost:5173');
      expect(listed.headers['access-control-expose-headers']).to.match(/X-Request-Id/i);
      const foreign = await request(app.url).get('/images').set('Origin', 'https://evil.example');
      expect(foreign.headers['access-control-allow-origin']).to.equal(undefined);
    });

    it('advertises in CORS only the methods some route serves', async function () {
      if (!entry.answersCors) return this.skip();
      app = await startApp(entry);
      const preflight = await request(app.url).options('/images').set('Origin', 'http://localhost:5173').set('Access-Control-Request-Method', 'POST');
      const advertised = String(preflight.headers['access-control-allow-methods']).split(',').map((method) => method.trim()).sort();
      const served = [...new Set(Object.values((await request(app.url).get('/openapi.json')).body.paths as Record<string, object>).flatMap((item) => Object.keys(item).map((m) => m.toUpperCase())))];
      expect(advertised).to.deep.equal(served.sort());
      expect(advertised).not.to.include('PUT');
    });
  });
}
