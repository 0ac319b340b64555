import { expect } from 'chai';
import request from 'supertest';
import type { Response } from 'supertest';
import type { TestApp } from '../support/app.ts';

/** The contract's error shape, with no internals leaking into it. */
export function expectError(response: Response, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(status);
  expect(response.headers['content-type']).to.match(/^application\/json/);
  expect(response.body.error).to.equal(code);
  expect(response.body.message).to.be.a('string').and.not.equal('');
  expect(response.body.request_id).to.equal(response.headers['x-request-id']);
  expect(JSON.stringify(response.body)).not.to.match(/\bat \S+ \(|node_modules|Error:|Exception/);
}

/** Nothing in the catalog, nothing in the blob store, and the service still answers. */
export async function expectNothingStored(app: TestApp): Promise<void> {
  const list = await request(app.url).get('/images');
  expect(list.status).to.equal(200);
  expect(list.body.images).to.deep.equal([]);
  expect(await app.objectCount(), 'objects in the blob store').to.equal(0);
}
