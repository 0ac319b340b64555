import { invalid } from '../../core/errors.ts';
import { LIMITS } from '../../core/rules.ts';
import type { CheckReadiness } from '../../core/use-cases/check-readiness.ts';
import type { DeleteImage } from '../../core/use-cases/delete-image.ts';
import type { GetImage, ListImages, ListInput } from '../../core/use-cases/read-images.ts';
import type { UploadImage } from '../../core/use-cases/upload-image.ts';
import type { CompleteDirectUpload, StartDirectUpload } from '../../core/use-cases/direct-upload.ts';
import { callerId, uploadOwner } from './identity.ts';
import type { IdentityMode } from './identity.ts';
import { queryBoolean, queryInteger, queryValue, splitList } from './params.ts';
import type { HttpRequest, HttpResponse, Route } from './types.ts';
import { imageView } from './views.ts';

export interface ApiDeps {
  upload: UploadImage;
  getImage: GetImage;
  listImages: ListImages;
  deleteImage: DeleteImage;
  readiness: CheckReadiness;
  startUpload: StartDirectUpload;
  completeUpload: CompleteDirectUpload;
  version: string;
  identity: IdentityMode;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): HttpResponse => ({ status, body, headers });

/** A JSON field that must be a string when present. */
function stringField(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string.`, { field: name });
  return value;
}

/** Tags as the form sends them (comma-separated) or as a JSON array of strings. */
function tagsField(body: Record<string, unknown> | undefined): string[] | undefined {
  const value = body?.tags;
  if (Array.isArray(value)) {
    if (!value.every((tag) => typeof tag === 'string')) throw invalid('tags must be strings.', { field: 'tags' });
    return value as string[];
  }
  return splitList(stringField(body, 'tags'));
}

/** The routes of the API contract (shared/design/api.md), independent of Express or Lambda. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const list = async (request: HttpRequest, fixed: Partial<ListInput>): Promise<HttpResponse> => {
    const result = await deps.listImages.execute({
      limit: queryInteger(request, 'limit'),
      pageToken: queryValue(request, 'page_token'),
      userId: queryValue(request, 'user_id'),
      tags: splitList(queryValue(request, 'tags')),
      startDate: queryValue(request, 'start_date'),
      endDate: queryValue(request, 'end_date'),
      ...fixed,
    });
    return json(200, {
      images: result.images.map(({ image, downloadUrl }) => imageView(image, downloadUrl)),
      total_count: result.images.length,
      next_page_token: result.nextPageToken,
      has_more: result.nextPageToken !== null,
    });
  };

  return [
    {
      method: 'GET',
      path: '/health',
      handle: async () => json(200, { status: 'healthy', service: 'image-service', version: deps.version }),
    },
    {
      method: 'GET',
      path: '/health/ready',
      handle: async () => {
        const { ready, checks } = await deps.readiness.execute();
        return json(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks });
      },
    },
    {
      method: 'POST',
      path: '/images',
      body: 'upload',
      handle: async (request) => {
        const file = request.upload?.file;
        const fields = request.upload?.fields ?? {};
        if (file === undefined) throw invalid("An image file is required in the multipart field 'file'.", { field: 'file' });
        const { image, downloadUrl } = await deps.upload.execute({
          userId: uploadOwner(request, fields.user_id, deps.identity),
          title: fields.title,
          description: fields.description,
          tags: splitList(fields.tags),
          fileName: file.originalName,
          bytes: file.bytes,
        });
        return json(
          201,
          { message: 'Image uploaded successfully', image_id: image.id, image: imageView(image, downloadUrl) },
          { location: `/images/${image.id}` },
        );
      },
    },
    {
      method: 'POST',
      path: '/uploads',
      body: 'json',
      handle: async (request) => {
        const { upload, post } = await deps.startUpload.execute({
          userId: uploadOwner(request, stringField(request.body, 'user_id'), deps.identity),
          title: stringField(request.body, 'title'),
          description: stringField(request.body, 'description'),
          tags: tagsField(request.body),
          fileName: stringField(request.body, 'file_name'),
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
    },
    {
      method: 'POST',
      path: '/uploads/:upload_id/complete',
      handle: async (request) => {
        const { image, downloadUrl, created } = await deps.completeUpload.execute(request.params.upload_id ?? '', callerId(request, deps.identity));
        return json(
          created ? 201 : 200,
          { message: 'Image uploaded successfully', image_id: image.id, image: imageView(image, downloadUrl) },
          { location: `/images/${image.id}` },
        );
      },
    },
    { method: 'GET', path: '/images', handle: (request) => list(request, {}) },
    { method: 'GET', path: '/users/:user_id/images', handle: (request) => list(request, { userId: request.params.user_id }) },
    { method: 'GET', path: '/tags/:tag/images', handle: (request) => list(request, { tags: [request.params.tag ?? ''] }) },
    {
      method: 'GET',
      path: '/images/:image_id',
      handle: async (request) => {
        const id = request.params.image_id ?? '';
        if (!queryBoolean(request, 'include_url', true)) return json(200, imageView(await deps.getImage.execute(id), null));
        const { image, downloadUrl } = await deps.getImage.withDownloadUrl(id);
        return json(200, imageView(image, downloadUrl));
      },
    },
    {
      method: 'GET',
      path: '/images/:image_id/download',
      handle: async (request) => {
        const { image, downloadUrl, expiresIn } = await deps.getImage.withDownloadUrl(
          request.params.image_id ?? '',
          queryInteger(request, 'expires_in'),
        );
        return json(200, {
          image_id: image.id,
          download_url: downloadUrl,
          expires_in: expiresIn,
          content_type: image.contentType,
          file_size: image.fileSize,
        });
      },
    },
    {
      method: 'DELETE',
      path: '/images/:image_id',
      handle: async (request) => {
        const id = request.params.image_id ?? '';
        await deps.deleteImage.execute(id, callerId(request, deps.identity));
        return json(200, { message: 'Image deleted successfully', image_id: id });
      },
    },
  ];
}
