import { invalid } from '../../core/errors.ts';
import { etagOf } from '../../core/image.ts';
import { LIMITS } from '../../core/rules.ts';
import type { CheckReadiness } from '../../core/use-cases/check-readiness.ts';
import type { GetImage, ListImages, ListInput } from '../../core/use-cases/read-images.ts';
import type { UploadImage } from '../../core/use-cases/upload-image.ts';
import type { CompleteDirectUpload, StartDirectUpload } from '../../core/use-cases/direct-upload.ts';
import * as shapes from './request-shapes.ts';
import { callerId, uploadOwner, viewerOf } from './identity.ts';
import type { IdentityMode } from './identity.ts';
import { route } from './route-spec.ts';
import type { Answer, ErrorAnswer, HeaderSpec } from './route-spec.ts';
import type { HttpResponse, Route } from './types.ts';
import { imageView } from './views.ts';

export interface ApiDeps {
  upload: UploadImage;
  getImage: GetImage;
  listImages: ListImages;
  readiness: CheckReadiness;
  startUpload: StartDirectUpload;
  completeUpload: CompleteDirectUpload;
  version: string;
  identity: IdentityMode;
}

interface ListQuery {
  limit?: number;
  page_token?: string;
  start_date?: string;
  end_date?: string;
  include_url?: boolean;
  checksum?: string;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): HttpResponse => ({ status, body, headers });

const CALLER_HEADER: HeaderSpec = { name: 'X-User-Id', description: 'The caller, in `header` identity mode (in `jwt` mode the bearer token names it).', example: 'user123' };

// What reads answer besides success: a bad parameter, a bad token sent anyway, a store down.
const READ_ERRORS: Partial<Record<ErrorAnswer, string | true>> = { BadRequest: true, Unauthorized: 'A bearer token was sent and is not valid (`unauthorized`, jwt identity mode).', ServiceUnavailable: true };
const LIST_ANSWERS: Record<number, Answer> = { 200: { description: 'A page of images.', schema: 'ImageList' } };
const uploaded: Answer = { description: 'Stored.', schema: 'UploadResult', headers: { Location: { description: 'The new image: `/images/{image_id}`.', required: true } } };

/** The routes of the API contract (shared/design/api.md), independent of Express or Lambda, each declared once. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const list = async (query: ListQuery, fixed: Pick<ListInput, 'userId' | 'tags'>, viewer: string | undefined): Promise<HttpResponse> => {
    const result = await deps.listImages.execute({
      limit: query.limit,
      pageToken: query.page_token,
      startDate: query.start_date,
      endDate: query.end_date,
      ...fixed,
      ...(query.checksum === undefined ? {} : { checksum: query.checksum }),
      withUrls: query.include_url ?? true,
      viewer,
    });
    return json(200, {
      images: result.images.map(imageView),
      total_count: result.images.length,
      next_page_token: result.nextPageToken,
      has_more: result.nextPageToken !== null,
    });
  };

  return [
    route({
      method: 'GET',
      path: '/health',
      operationId: 'getHealth',
      summary: 'Liveness',
      tags: ['health'],
      answers: { 200: { description: 'The process is up.', schema: 'Health' } },
      handle: async () => json(200, { status: 'healthy', service: 'image-service', version: deps.version }),
    }),
    route({
      method: 'GET',
      path: '/health/ready',
      operationId: 'getReadiness',
      summary: 'Readiness: whether the blob store and the metadata store answer',
      tags: ['health'],
      answers: {
        200: { description: 'Both stores answer.', schema: 'Readiness' },
        // The readiness report, not an Error, so a monitor sees which store is down.
        503: { description: 'A store does not answer.', schema: 'Readiness' },
      },
      handle: async () => {
        const { ready, checks } = await deps.readiness.execute();
        return json(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks });
      },
    }),
    route({
      method: 'POST',
      path: '/images',
      operationId: 'uploadImage',
      summary: 'Upload an image',
      tags: ['images'],
      body: { kind: 'upload', schema: shapes.uploadForm, required: true },
      answers: { 201: uploaded },
      errors: {
        BadRequest: `Invalid input (\`validation_error\`): not multipart/form-data, no \`file\`, an unknown or bad field, a file under ${LIMITS.minFileBytes} bytes, dimensions out of range, or an unreadable image.`,
        Forbidden: "jwt identity mode: `user_id` is not the token's `sub` (`forbidden`).",
        PayloadTooLarge: 'The file is larger than 10 MiB, or (on the serverless deployment) the body is over 4 MiB: send larger images with `POST /uploads` (`payload_too_large`, `details.direct_upload`).',
        UnsupportedMediaType: true,
        RequestTimeout: true,
        ServiceUnavailable: 'A store is down, or the service holds as many uploads as it can (`service_unavailable`, with `Retry-After`).',
      },
      write: true,
      idempotent: true,
      handle: async (request, { body }) => {
        const file = request.upload?.file;
        if (file === undefined) throw invalid("An image file is required in the multipart field 'file'.", { field: 'file' });
        const signed = await deps.upload.execute({
          userId: uploadOwner(request, body.user_id ?? undefined, deps.identity),
          title: body.title ?? undefined,
          description: body.description ?? undefined,
          tags: splitTags(body.tags ?? undefined),
          fileName: file.originalName,
          bytes: file.bytes,
        });
        const { image } = signed;
        return json(201, { message: 'Image uploaded successfully', image_id: image.id, image: imageView(signed) }, { location: `/images/${image.id}` });
      },
    }),
    route({
      method: 'POST',
      path: '/uploads',
      operationId: 'startDirectUpload',
      summary: 'Start a direct upload (for files the serverless path cannot carry)',
      description:
        'Validates the metadata, reserves an image id and answers with a presigned POST to send the file straight to storage, ' +
        'size-limited and image-typed by its policy. Nothing is visible until `complete_url` is called.',
      tags: ['images'],
      body: { kind: 'json', schema: shapes.startUploadBody, required: true },
      answers: { 201: { description: 'Reserved.', schema: 'UploadStarted', headers: { Location: { description: '`/uploads/{upload_id}`', required: true } } } },
      errors: {
        BadRequest: 'Not a JSON object, an unknown field, or a field that breaks its rule (`validation_error`).',
        Forbidden: "jwt identity mode: `user_id` is not the token's `sub` (`forbidden`).",
        PayloadTooLarge: 'The JSON body is over 16 KiB (`payload_too_large`).',
        RequestTimeout: true,
        ServiceUnavailable: true,
      },
      write: true,
      idempotent: true,
      handle: async (request, { body }) => {
        const { upload, post } = await deps.startUpload.execute({
          userId: uploadOwner(request, body.user_id ?? undefined, deps.identity),
          title: body.title ?? undefined,
          description: body.description ?? undefined,
          tags: Array.isArray(body.tags) ? body.tags : splitTags(body.tags ?? undefined),
          fileName: body.file_name ?? undefined,
        });
        return json(
          201,
          {
            upload_id: upload.id,
            upload: { url: post.url, fields: post.fields, file_field: 'file', content_type_prefix: 'image/' },
            min_bytes: LIMITS.minFileBytes,
            max_bytes: LIMITS.maxFileBytes,
            expires_at: upload.expiresAt,
            complete_url: `/uploads/${upload.id}/complete`,
          },
          { location: `/uploads/${upload.id}` },
        );
      },
    }),
    route({
      method: 'POST',
      path: '/uploads/:upload_id/complete',
      operationId: 'completeDirectUpload',
      summary: 'Check what was sent and commit the image',
      description:
        "Reads the object's size and first bytes, applies exactly the rules of `POST /images`, and commits the image (201), or " +
        'deletes the object and answers as `POST /images` would. Completing again, or racing another completion, answers 200 with the image.',
      tags: ['images'],
      params: { upload_id: shapes.params.uploadId },
      headers: [{ ...CALLER_HEADER, description: 'The uploader, in `header` identity mode.' }],
      answers: { 200: { ...uploaded, description: 'Already completed.' }, 201: { ...uploaded, description: 'Committed.' } },
      errors: {
        BadRequest: 'Nothing sent yet, or the file breaks a rule (`validation_error`).',
        Forbidden: 'Not the uploader (`forbidden`).',
        NotFound: 'No such upload (`not_found`).',
        Gone: 'The upload expired before it was completed (`gone`).',
        PayloadTooLarge: true,
        UnsupportedMediaType: true,
        ServiceUnavailable: true,
      },
      write: true,
      idempotent: true,
      handle: async (request) => {
        const completed = await deps.completeUpload.execute(request.params.upload_id ?? '', callerId(request, deps.identity));
        const { image } = completed;
        return json(completed.created ? 201 : 200, { message: 'Image uploaded successfully', image_id: image.id, image: imageView(completed) }, { location: `/images/${image.id}` });
      },
    }),
    route({
      method: 'GET',
      path: '/images',
      operationId: 'listImages',
      summary: 'List images, newest first',
      tags: ['images'],
      query: { ...shapes.listQuery, user_id: shapes.userIdQuery, tags: shapes.tagsQuery, checksum: shapes.checksumQuery },
      answers: LIST_ANSWERS,
      errors: READ_ERRORS,
      handle: async (request, { query }) => list(query, { userId: query.user_id, tags: query.tags }, viewerOf(request, deps.identity)),
    }),
    route({
      method: 'GET',
      path: '/users/:user_id/images',
      operationId: 'listUserImages',
      summary: "List one user's images, newest first",
      tags: ['images'],
      params: { user_id: shapes.params.userId },
      query: { ...shapes.listQuery, tags: shapes.tagsQuery, checksum: shapes.checksumQuery },
      answers: LIST_ANSWERS,
      errors: READ_ERRORS,
      handle: async (request, { query }) => list(query, { userId: request.params.user_id, tags: query.tags }, viewerOf(request, deps.identity)),
    }),
    route({
      method: 'GET',
      path: '/tags/:tag/images',
      operationId: 'listTagImages',
      summary: 'List images with a tag, newest first',
      tags: ['images'],
      params: { tag: shapes.params.tag },
      query: { ...shapes.listQuery, user_id: shapes.userIdQuery },
      answers: LIST_ANSWERS,
      errors: READ_ERRORS,
      handle: async (request, { query }) => list(query, { userId: query.user_id, tags: [request.params.tag ?? ''] }, viewerOf(request, deps.identity)),
    }),
    route({
      method: 'GET',
      path: '/images/:image_id',
      operationId: 'getImage',
      summary: "An image's metadata",
      tags: ['images'],
      params: { image_id: shapes.params.imageId },
      query: { include_url: shapes.includeUrlQuery },
      answers: { 200: { description: 'The image.', schema: 'Image', headers: { ETag: { description: "The version of the image's metadata, for `If-Match` on `PATCH`.", required: true } } } },
      errors: { ...READ_ERRORS, NotFound: 'No such image, or it was deleted (`not_found`).' },
      handle: async (request, { query }) => {
        const signed = await deps.getImage.signed(request.params.image_id ?? '', viewerOf(request, deps.identity), query.include_url ?? true);
        return json(200, imageView(signed), { etag: etagOf(signed.image) });
      },
    }),
    route({
      method: 'GET',
      path: '/images/:image_id/download',
      operationId: 'getDownloadUrl',
      summary: 'A presigned download URL for the original file',
      tags: ['images'],
      params: { image_id: shapes.params.imageId },
      query: { expires_in: shapes.expiresInQuery },
      answers: { 200: { description: 'The URL and what it serves.', schema: 'DownloadUrl' } },
      errors: {
        ...READ_ERRORS,
        Forbidden: 'Originals are kept as uploaded, metadata and all (`KEEP_ORIGINAL_METADATA`), and the caller is not the owner (`forbidden`).',
        NotFound: 'No such image, or it was deleted (`not_found`).',
      },
      handle: async (request, { query }) => {
        const { image, downloadUrl, expiresIn } = await deps.getImage.download(request.params.image_id ?? '', viewerOf(request, deps.identity), query.expires_in);
        return json(200, { image_id: image.id, download_url: downloadUrl, expires_in: expiresIn, content_type: image.contentType, file_size: image.fileSize });
      },
    }),
  ];
}

/** Tags as a form sends them: comma-separated; an empty value is no tags. */
function splitTags(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw.trim() === '' ? [] : raw.split(',');
}
