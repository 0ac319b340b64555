import { create as contentDisposition } from 'content-disposition';
import type { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { LOCAL_BLOB_PATH } from '../../adapters/memory/memory-blob-store.ts';
import { invalid } from '../../core/errors.ts';
import { queryValue } from './params.ts';
import type { Route } from './types.ts';

/** Serve the in-memory store's presigned URLs, as S3 serves its own: GET downloads, POST form uploads. */
export function localBlobRoutes(store: MemoryBlobStore): Route[] {
  return [
    {
      method: 'GET',
      path: `${LOCAL_BLOB_PATH}/:key`,
      handle: async (request) => {
        const object = store.open(request.params.key ?? '', queryValue(request, 'expires'), queryValue(request, 'signature'));
        return {
          status: 200,
          headers: {
            'content-type': object.contentType,
            'content-disposition': contentDisposition(object.fileName, { type: 'inline' }),
            'cache-control': 'private, max-age=60',
          },
          body: object.bytes,
        };
      },
    },
    {
      method: 'POST',
      path: LOCAL_BLOB_PATH,
      multipart: 'presigned-post',
      handle: async (request) => {
        const file = request.upload?.file;
        if (file === undefined) throw invalid("The form has no field 'file'.", { field: 'file' });
        store.acceptPost({ fields: request.upload?.fields ?? {}, bytes: file.bytes });
        // S3 answers a successful form upload with 204 No Content by default.
        return { status: 204 };
      },
    },
  ];
}
