import type { FormKind } from './multipart.ts';

/** A request as both entry points (Express and Lambda) hand it to the shared routes. */
export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** Repeated parameters arrive as arrays; the routes decide what that means. */
  query: Record<string, string | string[] | undefined>;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** Filled by the entry point for routes that declare `multipart`. */
  upload?: MultipartUpload;
  /** The parsed body, for routes that declare `json`. */
  body?: Record<string, unknown>;
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
  /** A Buffer is sent as is; anything else as JSON. */
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Express-style pattern, e.g. `/images/:image_id`. */
  path: string;
  /** The multipart form the route reads, parsed before it is called. */
  multipart?: FormKind;
  /** The route reads a JSON object body, parsed before it is called. */
  json?: true;
  handle(request: HttpRequest): Promise<HttpResponse>;
}
