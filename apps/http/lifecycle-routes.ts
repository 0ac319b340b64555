import { invalid } from '../../core/errors.ts';
import { etagOf } from '../../core/image.ts';
import type { ErasureRequest } from '../../core/ports/erasure-requests.port.ts';
import type { EditImage, Precondition } from '../../core/use-cases/edit-image.ts';
import type { ImageUrls } from '../../core/use-cases/image-urls.ts';
import type { EraseUserImages, PurgeImage } from '../../core/use-cases/purge.ts';
import type { GetImage } from '../../core/use-cases/read-images.ts';
import type { DeleteImage, ListTrash, RestoreImage } from '../../core/use-cases/trash.ts';
import * as shapes from './request-shapes.ts';
import { callerId } from './identity.ts';
import type { IdentityMode } from './identity.ts';
import { route } from './route-spec.ts';
import type { HeaderSpec } from './route-spec.ts';
import type { HttpResponse, Route } from './types.ts';
import { imageView } from './views.ts';

export interface LifecycleDeps {
  getImage: GetImage;
  editImage: EditImage;
  deleteImage: DeleteImage;
  restoreImage: RestoreImage;
  listTrash: ListTrash;
  purgeImage: PurgeImage;
  eraseUser: EraseUserImages;
  urls: ImageUrls;
  identity: IdentityMode;
  eraseBudgetMs: number;
}

/**
 * How long `DELETE /users/{id}/images?purge=true` works before it answers 202 and leaves the
 * rest to the background: well inside API Gateway's 30 s, so the answer always arrives.
 */
export const ERASE_BUDGET_MS = 5000;

const json = (status: number, body: unknown, headers?: Record<string, string>): HttpResponse => ({ status, body, headers });

const CALLER: HeaderSpec = { name: 'X-User-Id', description: 'The caller, in `header` identity mode (in `jwt` mode the bearer token names it).', example: 'user123' };
const IF_MATCH: HeaderSpec = {
  name: 'If-Match',
  description: 'The `ETag` of the version being edited (from `GET /images/{image_id}` or an earlier edit): if the image changed since, the edit is refused with 412 and nothing changes. `*` matches any version.',
  example: '"m1x2y3z4"',
};
const ETAG = { ETag: { description: "The version of the image's metadata, for `If-Match`.", required: true } };

/**
 * `*`, or the strong entity tags of an If-Match header (a weak one never matches: RFC 9110 §13.1.1).
 * @throws DomainError `validation` for a value that is no entity tag at all (most often one sent without its quotes)
 */
function parseIfMatch(raw: string | undefined): Precondition | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === '*') return '*';
  // RFC 9110: a comma-separated list (empty elements allowed) of "…" or W/"…", where a comma may sit inside the quotes.
  if (!ENTITY_TAG_LIST.test(raw)) {
    throw invalid('If-Match takes the ETag exactly as the image was sent with it, quotes included (If-Match: "…"), or *.', { field: 'If-Match' });
  }
  return [...raw.matchAll(ENTITY_TAG)].map(([tag]) => tag).filter((tag) => tag.startsWith('"'));
}

const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;
const ENTITY_TAG_LIST = /^[ \t]*(?:(?:W\/)?"[^"]*"[ \t]*)?(?:,[ \t]*(?:(?:W\/)?"[^"]*"[ \t]*)?)*$/;

/** Real time, measured here: the domain's clock may be a test's. */
export const budgetOf = (ms: number) => {
  const end = performance.now() + ms;
  return { exhausted: () => performance.now() >= end };
};

const invalidPurge = () => invalid('This route only erases: send purge=true to erase all of your images, trash included.', { field: 'purge' });

const tagsOf = (raw: string | string[] | null | undefined): string[] | null | undefined =>
  typeof raw === 'string' ? (raw.trim() === '' ? [] : raw.split(',')) : raw;

function erasureView(request: ErasureRequest): Record<string, unknown> {
  return {
    user_id: request.ownerId,
    status: request.finishedAt === undefined ? 'running' : 'done',
    requested_at: request.requestedAt,
    finished_at: request.finishedAt ?? null,
    erased: request.erased,
    status_url: `/users/${request.ownerId}/erasure`,
  };
}

/** Edit, trash, restore and erase (shared/design/api.md, "Lifecycle"). */
export function lifecycleRoutes(deps: LifecycleDeps): Route[] {
  const caller = (request: Parameters<Route['handle']>[0]) => callerId(request, deps.identity);
  return [
    route({
      method: 'PATCH',
      path: '/images/:image_id',
      operationId: 'editImage',
      summary: "Edit an image's title, description or tags (owner only)",
      description: 'Tag listings follow the edit before the answer is sent. The answer carries the new `ETag`.',
      tags: ['lifecycle'],
      params: { image_id: shapes.params.imageId },
      headers: [CALLER, IF_MATCH],
      body: { kind: 'json', schema: shapes.editBody, required: true },
      answers: { 200: { description: 'The edited image.', schema: 'Image', headers: ETAG } },
      errors: {
        BadRequest: 'Not a JSON object, an unknown field, a field that breaks its rule, or an If-Match that is no entity tag (`validation_error`); nothing changes.',
        Forbidden: 'The caller is not the owner (`forbidden`).',
        NotFound: 'No such image, or it is deleted (`not_found`).',
        Conflict: 'Other edits kept winning the race; retry (`conflict`).',
        PreconditionFailed: 'If-Match names a version that is no longer current (`precondition_failed`); `details.etag` is the current one.',
        PayloadTooLarge: 'The JSON body is over 16 KiB (`payload_too_large`).',
        RequestTimeout: true,
        ServiceUnavailable: true,
      },
      write: true,
      idempotent: true,
      handle: async (request, { body }) => {
        const id = request.params.image_id ?? '';
        const who = caller(request);
        const image = await deps.editImage.execute(id, who, { title: body.title, description: body.description, tags: tagsOf(body.tags) }, parseIfMatch(request.headers['if-match']));
        return json(200, imageView(await deps.urls.sign(image, { viewer: who })), { etag: etagOf(image) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/images/:image_id',
      operationId: 'deleteImage',
      summary: 'Move an image to the trash, or erase it now with purge=true (owner only)',
      description:
        'Without `purge`, the image leaves every listing and read at once, the service stops serving its files, and it waits in the owner\'s trash until `purge_at`. ' +
        'With `purge=true`, the original, every variant and the metadata are erased now, from the trash or directly; afterwards every route answers 404.',
      tags: ['lifecycle'],
      params: { image_id: shapes.params.imageId },
      query: { purge: shapes.purgeQuery },
      headers: [CALLER],
      answers: { 200: { description: 'In the trash (`DeleteResult`), or erased (`EraseResult`).', schema: 'DeleteAnswer' } },
      errors: {
        BadRequest: 'X-User-Id is not a valid user id, or `purge` is not true or false (`validation_error`).',
        Forbidden: 'The caller is not the owner (`forbidden`).',
        NotFound: 'No such image, or it was erased (`not_found`).',
        Gone: 'Without `purge`: the image is already in the trash (`gone`).',
        ServiceUnavailable: true,
      },
      write: true,
      idempotent: true,
      handle: async (request, { query }) => {
        const id = request.params.image_id ?? '';
        if (query.purge === true) {
          await deps.purgeImage.execute(id, caller(request));
          return json(200, { message: 'Image erased', image_id: id });
        }
        const { deletedAt, purgeAt } = await deps.deleteImage.execute(id, caller(request));
        return json(200, { message: 'Image deleted successfully', image_id: id, deleted_at: deletedAt, purge_at: purgeAt });
      },
    }),
    route({
      method: 'GET',
      path: '/users/:user_id/trash',
      operationId: 'listTrash',
      summary: "The caller's own trash, newest deletion first",
      tags: ['lifecycle'],
      params: { user_id: shapes.params.userId },
      query: shapes.trashQuery,
      headers: [{ ...CALLER, description: 'The caller, in `header` identity mode: only the owner sees a trash.' }],
      answers: {
        200: {
          description: 'A page of trashed images, each with `deleted_at` and `purge_at`, and without URLs (`download_url`, `thumbnail_url` and `variants` are null): the files of a deleted image are not served. `placeholder` still shows what it was.',
          schema: 'ImageList',
        },
      },
      errors: { BadRequest: true, Unauthorized: 'No caller identity (`unauthorized`).', Forbidden: "Someone else's trash (`forbidden`).", ServiceUnavailable: true },
      handle: async (request, { query }) => {
        const who = caller(request);
        const page = await deps.listTrash.execute(request.params.user_id ?? '', who, { limit: query.limit, pageToken: query.page_token });
        const images = await Promise.all(page.images.map((image) => deps.urls.sign(image, { original: false, variants: false })));
        return json(200, { images: images.map(imageView), total_count: images.length, next_page_token: page.nextPageToken, has_more: page.nextPageToken !== null });
      },
    }),
    route({
      method: 'POST',
      path: '/images/:image_id/restore',
      operationId: 'restoreImage',
      summary: 'Bring an image back from the trash (owner only)',
      description: 'It is back in every listing, with its tags, before the answer is sent.',
      tags: ['lifecycle'],
      params: { image_id: shapes.params.imageId },
      headers: [CALLER],
      answers: { 200: { description: 'The restored image.', schema: 'Image', headers: ETAG } },
      errors: {
        BadRequest: 'X-User-Id is not a valid user id (`validation_error`).',
        Forbidden: 'The caller is not the owner (`forbidden`).',
        NotFound: 'No such image, or it was erased (`not_found`).',
        Conflict: 'The image is not in the trash (`not_deleted`).',
        ServiceUnavailable: true,
      },
      write: true,
      handle: async (request) => {
        const who = caller(request);
        const image = await deps.restoreImage.execute(request.params.image_id ?? '', who);
        return json(200, imageView(await deps.urls.sign(image, { viewer: who })), { etag: etagOf(image) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/users/:user_id/images',
      operationId: 'eraseUserImages',
      summary: "Erase all of the caller's images, trash included (purge=true, owner only)",
      description:
        'Erases every image the user has when asking (an upload made after the request is not part of it). Answers 200 when done, or 202 with a status URL ' +
        '(`Location`) when the work goes on in the background; asking again resumes the same erasure.',
      tags: ['lifecycle'],
      params: { user_id: shapes.params.userId },
      query: { purge: shapes.purgeQuery },
      headers: [CALLER],
      answers: {
        200: { description: 'Done.', schema: 'Erasure' },
        202: { description: 'Still going; poll `status_url`.', schema: 'Erasure', headers: { Location: { description: '`/users/{user_id}/erasure`', required: true } } },
      },
      errors: {
        BadRequest: '`purge=true` is missing (this route only erases), or a bad user id (`validation_error`).',
        Forbidden: "Someone else's images (`forbidden`).",
        ServiceUnavailable: true,
      },
      write: true,
      idempotent: true,
      handle: async (request, { query }) => {
        if (query.purge !== true) throw invalidPurge();
        const erasure = await deps.eraseUser.execute(request.params.user_id ?? '', caller(request), budgetOf(deps.eraseBudgetMs));
        const view = erasureView(erasure);
        return erasure.finishedAt === undefined ? json(202, view, { location: String(view.status_url) }) : json(200, view);
      },
    }),
    route({
      method: 'GET',
      path: '/users/:user_id/erasure',
      operationId: 'getErasure',
      summary: 'How the erasure of all of the caller\'s images is going',
      tags: ['lifecycle'],
      params: { user_id: shapes.params.userId },
      headers: [CALLER],
      answers: { 200: { description: 'The latest erasure.', schema: 'Erasure' } },
      errors: { BadRequest: true, Unauthorized: 'No caller identity (`unauthorized`).', Forbidden: "Someone else's erasure (`forbidden`).", NotFound: 'No erasure was asked for (`not_found`).', ServiceUnavailable: true },
      handle: async (request) => json(200, erasureView(await deps.eraseUser.status(request.params.user_id ?? '', caller(request)))),
    }),
  ];
}
