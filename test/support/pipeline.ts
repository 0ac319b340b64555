// What the pipeline suites share: where they run, and how they upload, read and fetch.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { Response } from 'supertest';
import { expressEntry } from './app.ts';
import type { EntryPoint, TestBackend } from './app.ts';
import { lambdaV2Entry } from './lambda-entry.ts';

/** Both entry points on both backends a test app runs on. */
export const PIPELINE_SETUPS: ReadonlyArray<{ name: string; entry: EntryPoint; backend: TestBackend }> = [
  { name: 'Express on the memory store', entry: expressEntry, backend: 'memory' },
  { name: 'Express on the local store', entry: expressEntry, backend: 'local' },
  { name: 'the Lambda handler (HTTP API v2) on the memory store', entry: lambdaV2Entry, backend: 'memory' },
  { name: 'the Lambda handler (HTTP API v2) on the local store', entry: lambdaV2Entry, backend: 'local' },
];

export const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface VariantView { url: string; width: number; height: number; content_type: string }

/** The parts of the image object the pipeline fills in. */
export interface PipelineView {
  image_id: string;
  user_id: string;
  status: 'processing' | 'ready' | 'failed';
  status_reason?: string;
  width: number;
  height: number;
  file_size: number;
  checksum: string;
  download_url: string | null;
  thumbnail_url: string | null;
  variants: { thumb: VariantView; display: VariantView } | null;
  placeholder: string | null;
}

/** POST /images as a form would, expecting 201; the answer's image. */
export async function uploadFile(url: string, file: Buffer, fileName: string, userId = 'alice', tags = 'pipeline'): Promise<PipelineView> {
  const response = await request(url).post('/images').field('user_id', userId).field('tags', tags).attach('file', file, { filename: fileName, contentType: 'application/octet-stream' });
  expect(response.status, JSON.stringify(response.body)).to.equal(201);
  return response.body.image as PipelineView;
}

/** GET /images/{id}, as `viewer` (X-User-Id) when given. */
export async function getImage(url: string, id: string, viewer?: string): Promise<PipelineView> {
  const response = await request(url).get(`/images/${id}`).set(viewer === undefined ? {} : { 'X-User-Id': viewer });
  expect(response.status, JSON.stringify(response.body)).to.equal(200);
  return response.body as PipelineView;
}

/** Every image a listing answers, as `viewer` when given. */
export async function listImages(url: string, path = '/images', viewer?: string): Promise<PipelineView[]> {
  const response: Response = await request(url).get(path).set(viewer === undefined ? {} : { 'X-User-Id': viewer });
  expect(response.status, JSON.stringify(response.body)).to.equal(200);
  return response.body.images as PipelineView[];
}

export interface Fetched { status: number; contentType: string | null; bytes: Buffer }

/** The bytes behind a (signed) URL. */
export async function fetchBytes(url: string): Promise<Fetched> {
  const response = await fetch(url);
  return { status: response.status, contentType: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The bytes behind a URL that must serve them. */
export async function download(url: string | null | undefined): Promise<Buffer> {
  expect(url, 'a URL').to.be.a('string');
  const fetched = await fetchBytes(url!);
  expect(fetched.status, `GET ${url}: ${fetched.bytes.toString('utf8', 0, 200)}`).to.equal(200);
  return fetched.bytes;
}
