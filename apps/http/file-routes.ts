import { create as contentDisposition } from 'content-disposition';
import { notFound, invalid } from '../../core/errors.ts';
import type { SelfServedStore, ServedObject } from '../../adapters/system/self-served-store.ts';
import { FILES_PATH } from '../../adapters/system/signed-urls.ts';
import { readMultipart } from './multipart.ts';
import type { HttpRequest, HttpResponse, Route } from './types.ts';

/** Whether an object may still be served: the image it belongs to exists and is not deleted. */
export type CanServe = (key: string) => Promise<boolean>;

/** One satisfiable range of bytes, both ends inclusive. */
interface ByteRange {
  start: number;
  end: number;
}

/**
 * A single `bytes=` range (RFC 9110 14.1.2), or undefined to send the whole object: absent,
 * malformed and multi-range headers are ignored, as the RFC allows. `'unsatisfiable'` asks for a 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header?.trim() ?? '');
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1]!, match[2]!];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  return start >= size ? 'unsatisfiable' : { start, end };
}

const matchesEtag = (header: string | undefined, etag: string): boolean =>
  header !== undefined && (header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag));

/** The headers every answer about an object carries, so a cache never keeps it past its URL's life. */
function objectHeaders(object: ServedObject): Record<string, string> {
  return {
    etag: object.etag,
    'cache-control': `private, max-age=${object.remainingSeconds}`,
    'accept-ranges': 'bytes',
  };
}

/** The answer to a signed GET: the whole object, a range of it, or 304/416, from the request's conditions. */
export function serveObject(object: ServedObject, headers: Record<string, string | undefined>): HttpResponse {
  if (matchesEtag(headers['if-none-match'], object.etag)) return { status: 304, headers: objectHeaders(object) };
  const common = {
    ...objectHeaders(object),
    'content-type': object.contentType,
    // The name's extension is the detected format's (core/rules.ts), so a saved file opens as the image it is.
    'content-disposition': contentDisposition(object.fileName, { type: 'inline' }),
  };
  // If-Range with another validator means the client's part is stale: it gets the whole object.
  const ifRange = headers['if-range'];
  const range = ifRange === undefined || ifRange.trim() === object.etag ? parseRange(headers.range, object.size) : undefined;
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...objectHeaders(object), 'content-range': `bytes */${object.size}` } };
  }
  if (range !== undefined) {
    return {
      status: 206,
      headers: { ...common, 'content-range': `bytes ${range.start}-${range.end}/${object.size}`, 'content-length': String(range.end - range.start + 1) },
      body: object.read(range.start, range.end),
    };
  }
  return {
    status: 200,
    headers: { ...common, 'content-length': String(object.size) },
    body: object.size === 0 ? Buffer.alloc(0) : object.read(0, object.size - 1),
  };
}

const keyOf = (request: HttpRequest): string => {
  const segments = request.params.key as unknown as string[] | string | undefined;
  return Array.isArray(segments) ? segments.join('/') : (segments ?? '');
};

/**
 * The URLs a self-served store hands out: GET downloads (signed, expiring, refused for a deleted
 * image at once), and the direct-upload form, streamed into the store as it arrives. Nothing
 * here lists keys or honours a `response-*` override: only a signed key can be read.
 */
export function fileRoutes(store: SelfServedStore, canServe: CanServe): Route[] {
  return [
    {
      method: 'GET',
      path: `${FILES_PATH}/*key`,
      handle: async (request) => {
        const key = keyOf(request);
        const object = await store.openSigned(key, request.query);
        if (!(await canServe(key))) throw notFound('The object does not exist.');
        return serveObject(object, request.headers);
      },
    },
    {
      method: 'POST',
      path: FILES_PATH,
      body: 'stream',
      handle: async (request) => {
        const { file } = await readMultipart(request.stream!, 'presigned-post', async (stream, fields) => {
          await store.receiveForm(fields, stream);
          return true;
        });
        if (file === undefined) throw invalid("The form has no field 'file'.", { field: 'file' });
        // S3 answers a successful form upload with 204 No Content by default.
        return { status: 204 };
      },
    },
  ];
}
