import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { openApiDocument } from '../../apps/http/openapi.ts';
import type { OpenApiDocument, Operation, Parameter, Reference, ResponseObject } from '../../apps/http/openapi.ts';
import { apiRoutes } from '../../apps/http/routes.ts';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const DOCUMENTATION_ROUTES = ['GET /openapi.json', 'GET /docs', 'GET /redoc'];
const ERROR_SCHEMA = { $ref: '#/components/schemas/Error' };

interface DocumentedOperation {
  key: string;
  path: string;
  operation: Operation;
  parameters: Parameter[];
}

/** Follows a local `#/...` reference, failing the test when it points nowhere. */
function resolve<T>(doc: OpenApiDocument, item: T | Reference): T {
  if (typeof item !== 'object' || item === null || !('$ref' in item)) return item;
  const target = item.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  expect(target, `${item.$ref} does not resolve`).to.be.an('object');
  return target as T;
}

/** Every operation, with the path-level and operation-level parameters resolved and merged. */
function operationsOf(doc: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(doc.paths).flatMap(([path, pathItem]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = (pathItem as Record<string, unknown>)[method] as Operation | undefined;
      if (operation === undefined) return [];
      const parameters = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map((parameter) => resolve<Parameter>(doc, parameter));
      return [{ key: `${method.toUpperCase()} ${path}`, path, operation, parameters }];
    }),
  );
}

describe('OpenAPI document', () => {
  const doc = openApiDocument('1.2.3-test');
  const operations = operationsOf(doc);

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.valid, JSON.stringify(result.errors, null, 2)).to.equal(true);
    expect(doc.openapi).to.equal('3.1.0');
  });

  it('carries the given version and names no host to call', () => {
    expect(doc.info.version).to.equal('1.2.3-test');
    expect(doc).not.to.have.property('servers');
  });

  it('documents exactly the API routes and the documentation routes', () => {
    // Handlers are never called here, so the route table needs no real dependencies.
    const routes = apiRoutes({} as never).map(({ method, path }) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    expect(operations.map(({ key }) => key).sort()).to.deep.equal([...routes, ...DOCUMENTATION_ROUTES].sort());
  });

  it('gives every operation an id, a summary and tags', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size, 'operationIds are unique').to.equal(ids.length);
    for (const { key, operation } of operations) {
      expect(operation.summary, key).to.be.a('string').with.length.above(0);
      expect(operation.tags, key).to.be.an('array').with.length.above(0);
    }
  });

  it('documents a 2xx and a 500 response and declares every path parameter of every operation', () => {
    for (const { key, path, operation, parameters } of operations) {
      const statuses = Object.keys(operation.responses);
      expect(statuses.some((status) => /^2\d\d$/.test(status)), `${key} has a 2xx response`).to.equal(true);
      expect(statuses, key).to.include('500');

      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = parameters.filter((parameter) => parameter.in === 'path');
      expect(declared.map(({ name }) => name).sort(), `${key} path parameters`).to.deep.equal(templated);
      for (const parameter of declared) expect(parameter.required, `${key} ${parameter.name} is required`).to.equal(true);
    }
  });

  it('answers every error with the Error schema', () => {
    for (const { key, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        // Readiness answers 503 with its report, so a monitor sees which store is down.
        if (Number(status) < 400 || (key === 'GET /health/ready' && status === '503')) continue;
        const { content } = resolve<ResponseObject>(doc, response);
        expect(content, `${key} ${status}`).to.deep.equal({ 'application/json': { ...content?.['application/json'], schema: ERROR_SCHEMA } });
      }
    }
    for (const [name, response] of Object.entries(doc.components.responses)) {
      expect(response.content?.['application/json']?.schema, name).to.deep.equal(ERROR_SCHEMA);
    }
  });

  it('documents bearer tokens, 401 and 429 on every write', () => {
    expect(doc.components.securitySchemes.bearerAuth).to.deep.equal({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const writes = operations.filter(({ key }) => /^(POST|DELETE) /.test(key));
    expect(writes.map(({ key }) => key).sort()).to.deep.equal(['DELETE /images/{image_id}', 'POST /images', 'POST /uploads', 'POST /uploads/{upload_id}/complete']);
    for (const { key, operation } of writes) {
      expect(operation.security, key).to.deep.include({ bearerAuth: [] });
      expect(Object.keys(operation.responses), key).to.include.members(['401', '403', '429']);
    }
  });
});
