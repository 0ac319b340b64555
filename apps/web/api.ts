// The API client: same-origin fetches, every failure turned into an ApiError carrying the
// service's stable code and details, so messages.ts can word it for a person.
import { callerHeaders } from './identity.ts';
import type { Identity } from './identity.ts';
import type { DirectUploadStart, ErrorBody, Image, ImageList, UploadAnswer } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorBody['details'] = undefined,
    readonly requestId: string | undefined = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Status 0: the request never got an answer. */
export const networkError = (): ApiError => new ApiError(0, 'network_error', 'The connection was lost.');

/** An error answer, whatever produced it: the service's JSON, a gateway's, or a storage server's XML. */
export function apiErrorOf(status: number, body: unknown): ApiError {
  const error = body as Partial<ErrorBody> | null;
  if (error !== null && typeof error === 'object' && typeof error.error === 'string') {
    return new ApiError(status, error.error, error.message ?? '', error.details, error.request_id);
  }
  // API Gateway answers a body it cannot carry with {"message":"Request Too Long"}.
  const message = error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string' ? String((error as { message: string }).message) : '';
  return new ApiError(status, status === 413 ? 'payload_too_large' : 'http_error', message);
}

/** A UUID even where crypto.randomUUID is missing (it needs a secure context, and a LAN address is not one). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface Call {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
}

async function call<T>(method: string, path: string, { query, json, headers }: Call = {}): Promise<{ body: T; headers: Headers }> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString() === '' ? '' : `?${params}`;
  let response: Response;
  try {
    response = await fetch(`${path}${search}`, {
      method,
      headers: { Accept: 'application/json', ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: json === undefined ? null : JSON.stringify(json),
      // Nothing here needs cookies, and a token only ever travels in the Authorization header.
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw networkError();
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // A gateway's HTML or a proxy's text: the status alone has to do.
    body = null;
  }
  if (!response.ok) throw apiErrorOf(response.status, body);
  return { body: body as T, headers: response.headers };
}

const imagePath = (id: string): string => `/images/${encodeURIComponent(id)}`;
const writeHeaders = (identity: Identity, key = uuid()): Record<string, string> => ({ ...callerHeaders(identity), 'Idempotency-Key': key });

export interface ListQuery {
  user: string;
  tags: string;
  from: string;
  to: string;
}

export const PAGE_SIZE = 20;

export async function listImages(filters: ListQuery, pageToken: string | null): Promise<ImageList> {
  const query = { user_id: filters.user, tags: filters.tags, start_date: filters.from, end_date: filters.to, limit: PAGE_SIZE, page_token: pageToken ?? undefined };
  return (await call<ImageList>('GET', '/images', { query })).body;
}

/** One image with the ETag an edit sends back as If-Match. */
export async function getImage(id: string): Promise<{ image: Image; etag: string | null }> {
  const { body, headers } = await call<Image>('GET', imagePath(id));
  return { image: body, etag: headers.get('ETag') };
}

export interface ImagePatch {
  title?: string | null;
  description?: string | null;
  tags?: string[];
}

/** A JSON merge patch of the caption; a stale If-Match is a 412. */
export async function updateImage(id: string, patch: ImagePatch, etag: string | null, identity: Identity): Promise<Image> {
  const headers = { ...writeHeaders(identity), ...(etag === null ? {} : { 'If-Match': etag }) };
  return (await call<Image>('PATCH', imagePath(id), { json: patch, headers })).body;
}

/** Into the owner's trash; with `purge`, gone for good. */
export async function deleteImage(id: string, identity: Identity, options: { purge?: boolean } = {}): Promise<void> {
  await call('DELETE', imagePath(id), { headers: writeHeaders(identity), query: { purge: options.purge === true ? 'true' : undefined } });
}

export async function restoreImage(id: string, identity: Identity): Promise<Image> {
  return (await call<Image>('POST', `${imagePath(id)}/restore`, { headers: writeHeaders(identity) })).body;
}

/**
 * The caller's trash, which comes without URLs: none is served for a deleted photo (the service
 * refuses its files at once), so the trash shows each photo's ThumbHash placeholder instead.
 */
export async function listTrash(identity: Identity, pageToken: string | null): Promise<ImageList> {
  const path = `/users/${encodeURIComponent(identity.userId ?? '')}/trash`;
  const query = { limit: PAGE_SIZE, page_token: pageToken ?? undefined };
  return (await call<ImageList>('GET', path, { headers: callerHeaders(identity), query })).body;
}

export interface DirectUploadRequest {
  user_id?: string;
  title?: string;
  file_name: string;
  tags?: string;
}

export async function startDirectUpload(request: DirectUploadRequest, identity: Identity, key: string): Promise<DirectUploadStart> {
  return (await call<DirectUploadStart>('POST', '/uploads', { json: request, headers: writeHeaders(identity, key) })).body;
}

export async function completeDirectUpload(completeUrl: string, identity: Identity, key: string): Promise<Image> {
  return (await call<UploadAnswer>('POST', completeUrl, { headers: writeHeaders(identity, key) })).body.image;
}
