import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { docRoutes } from '../../apps/http/docs.ts';
import { openApiDocument } from '../../apps/http/openapi.ts';
import type { OpenApiDocument, Schema } from '../../apps/http/openapi.ts';
import { apiRoutes } from '../../apps/http/routes.ts';
import { lifecycleRoutes } from '../../apps/http/lifecycle-routes.ts';
import { ANSWERS, errorBody } from '../../apps/http/answer-shapes.ts';
import { FILE_RULE } from '../../apps/http/request-shapes.ts';
import { documentation } from '../../apps/http/schema.ts';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const ERROR_SCHEMA = { $ref: '#/components/schemas/Error' };

interface DocumentedOperation {
  key: string;
  path: string;
  operation: Schema & { responses: Record<string, Schema>; parameters?: Schema[] };
}

/** Follows a local `#/...` reference, failing the test when it points nowhere. */
function resolve(doc: OpenApiDocument, item: Schema): Schema {
  if (typeof item.$ref !== 'string') return item;
  const target = item.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  expect(target, `${item.$ref} does not resolve`).to.be.an('object');
  return target as Schema;
}

function operationsOf(doc: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(doc.paths).flatMap(([path, pathItem]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = pathItem[method] as DocumentedOperation['operation'] | undefined;
      return operation === undefined ? [] : [{ key: `${method.toUpperCase()} ${path}`, path, operation }];
    }),
  );
}

describe('OpenAPI document (generated from the route declarations)', () => {
  // Handlers are never called here, so the routes need no real dependencies.
  const api = [...apiRoutes({} as never), ...lifecycleRoutes({} as never)];
  const routes = [...api, ...docRoutes('1.2.3-test', api)];
  const doc = openApiDocument('1.2.3-test', routes, { documentation, answers: ANSWERS, errorBody, fileRule: FILE_RULE });
  const operations = operationsOf(doc);

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.valid, JSON.stringify(result.errors, null, 2)).to.equal(true);
    expect(doc.openapi).to.equal('3.1.0');
  });

  it('carries the given version and names no host to call', () => {
    expect(doc.info.version).to.equal('1.2.3-test');
    expect(doc).not.to.have.property('servers');
  });

  it('documents every route the API serves, and the documentation pages, but not their assets', () => {
    const served = api.map(({ method, path }) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    expect(operations.map(({ key }) => key).sort()).to.deep.equal([...served, 'GET /openapi.json', 'GET /docs', 'GET /redoc'].sort());
  });

  it('gives every operation a unique id, a summary and tags', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size, 'operationIds are unique').to.equal(ids.length);
    for (const { key, operation } of operations) {
      expect(operation.summary, key).to.be.a('string').with.length.above(0);
      expect(operation.tags, key).to.be.an('array').with.length.above(0);
    }
  });

  it('documents a 2xx and a 500 answer and every path parameter, as required', () => {
    for (const { key, path, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      expect(statuses.some((status) => /^2\d\d$/.test(status)), `${key} has a 2xx response`).to.equal(true);
      expect(statuses, key).to.include('500');
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
      expect(declared.map(({ name }) => name).sort(), `${key} path parameters`).to.deep.equal(templated);
      for (const parameter of declared) expect(parameter.required, `${key} ${String(parameter.name)}`).to.equal(true);
    }
  });

  it('answers every error with the Error schema', () => {
    for (const { key, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        // Readiness answers 503 with its report, so a monitor sees which store is down.
        if (Number(status) < 400 || (key === 'GET /health/ready' && status === '503')) continue;
        const { content } = resolve(doc, response) as { content?: Record<string, { schema: unknown }> };
        expect(content?.['application/json']?.schema, `${key} ${status}`).to.deep.equal(ERROR_SCHEMA);
      }
    }
  });

  it('documents bearer tokens, 401 and 429 on every write', () => {
    expect(doc.components.securitySchemes.bearerAuth).to.deep.equal({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const writes = operations.filter(({ key }) => /^(POST|PATCH|DELETE) /.test(key));
    expect(writes.map(({ key }) => key)).to.include.members([
      'DELETE /images/{image_id}',
      'POST /images',
      'POST /uploads',
      'POST /uploads/{upload_id}/complete',
      'PATCH /images/{image_id}',
      'POST /images/{image_id}/restore',
      'DELETE /users/{user_id}/images',
    ]);
    for (const { key, operation } of writes) {
      expect(operation.security, key).to.deep.include({ bearerAuth: [] });
      expect(Object.keys(operation.responses), key).to.include.members(['401', '429']);
    }
  });

  it("documents query integers and booleans as what a client sends them for, with core's limits", () => {
    const list = operations.find(({ key }) => key === 'GET /images')!.operation;
    const limit = list.parameters!.find((parameter) => parameter.name === 'limit')!;
    expect(limit.schema).to.deep.include({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    const includeUrl = list.parameters!.find((parameter) => parameter.name === 'include_url')!;
    expect(includeUrl.schema).to.deep.include({ type: 'boolean', default: true });
  });

  it("pre-fills Swagger UI's 'Try it out' with realistic values, not random ones", () => {
    const upload = operations.find(({ key }) => key === 'POST /images')!.operation as unknown as { requestBody: { content: Record<string, { schema: { properties: Record<string, Schema> } }> } };
    const form = upload.requestBody.content['multipart/form-data']!.schema.properties;
    expect(form.user_id!.examples).to.deep.equal(['user123']);
    expect(form.title!.examples).to.deep.equal(['Beautiful Sunset']);
    expect(form.description!.examples).to.deep.equal(['A stunning sunset over the mountains']);
    expect(form.tags!.examples).to.deep.equal(['nature,sunset,mountains']);
    for (const { key, operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path') expect(parameter.example, `${key} ${String(parameter.name)}`).to.be.a('string');
      }
    }
  });
});
