import type { Readable } from 'node:stream';
import type { BodySource } from './multipart.ts';

/** A request as both entry points (Express and Lambda) hand it to the shared routes. */
export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** Repeated parameters arrive as arrays; the routes decide what that means. */
  query: Record<string, string | string[] | undefined>;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** The upload form, for routes whose body is `upload`. */
  upload?: MultipartUpload;
  /** The parsed object, for routes whose body is `json`. */
  body?: Record<string, unknown>;
  /** The unread body, for routes whose body is `stream` (they parse it as it arrives). */
  stream?: BodySource;
  requestId: string;
  /** Set when a trusted authorizer in front of the service has verified the caller. */
  authorizedCaller?: string;
}

export interface UploadedFile {
  fieldName: string;
  originalName: string;
  bytes: Buffer;
}

export interface MultipartUpload {
  file: UploadedFile | undefined;
  fields: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** A Buffer or a stream is sent as is; anything else as JSON. */
  body?: unknown;
}

/** How a JSON answer is typed, whichever entry point sends it. */
export const JSON_TYPE = 'application/json; charset=utf-8';

export const isStream = (body: unknown): body is Readable => typeof (body as Readable | undefined)?.pipe === 'function';

/** How a route's body is read before it is called: none, the upload form, a JSON object, or left as a stream. */
export type BodyKind = 'upload' | 'json' | 'stream';

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Express-style pattern, e.g. `/images/:image_id`. */
  path: string;
  body?: BodyKind;
  /** Retries with the same Idempotency-Key replay the first answer (see idempotent-requests.ts). */
  idempotent?: boolean;
  handle(request: HttpRequest): Promise<HttpResponse>;
}
