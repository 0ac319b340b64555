import { create as contentDisposition } from 'content-disposition';
import type { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { LOCAL_BLOB_PATH } from '../../adapters/memory/memory-blob-store.ts';
import { queryValue } from './params.ts';
import type { Route } from './types.ts';

/** Serves the presigned download URLs of the in-memory store, as S3 would serve its own. */
export function localBlobRoute(store: MemoryBlobStore): Route {
  return {
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
  };
}
