import * as z from 'zod/mini';
import { FORMATS, LIMITS } from '../../core/rules.ts';
import { CONTENT_TYPES, EXAMPLE_ID, EXAMPLE_USER } from './request-shapes.ts';
import { doc } from './schema.ts';

// What the API answers (shared/design/api.md), as JSON Schema components of the OpenAPI document.
// Nothing on a request's path needs these: the service builds its answers from views.ts. So they
// are loaded with the document (and by the tests, which hold every answer to them), and a cold
// start neither compiles nor builds them.

const nullableText = (description: string) => z.nullable(doc(z.string(), { description }));

const variant = doc(
  z.strictObject({
    url: doc(z.string(), { format: 'uri', description: 'Presigned, like `download_url`.' }),
    width: z.number().check(z.int()),
    height: z.number().check(z.int()),
    content_type: z.literal('image/webp'),
  }),
  { id: 'Variant' },
);

export const image = doc(
  z.strictObject({
    image_id: doc(z.string(), { description: 'Server-generated id.', examples: [EXAMPLE_ID] }),
    user_id: doc(z.string(), { description: 'The owner.', examples: [EXAMPLE_USER] }),
    title: nullableText('Null when none was given.'),
    description: nullableText('Null when none (or a blank one) was given.'),
    tags: doc(z.array(z.string()), { description: 'Lower-cased and de-duplicated, in the order first given.', maxItems: LIMITS.tagsPerImage }),
    file_name: doc(z.string(), { description: 'The uploaded file name, sanitised, with the extension of the detected format; display only.' }),
    file_size: doc(z.number().check(z.int()), { description: 'Bytes of the stored original (after its metadata was scrubbed).', minimum: 1, maximum: LIMITS.maxFileBytes }),
    content_type: doc(z.enum(CONTENT_TYPES), { description: 'Detected from the bytes.' }),
    width: doc(z.number().check(z.int()), { minimum: LIMITS.minSide, maximum: LIMITS.maxSide }),
    height: doc(z.number().check(z.int()), { minimum: LIMITS.minSide, maximum: LIMITS.maxSide }),
    format: z.enum(Object.keys(FORMATS) as [string, ...string[]]),
    created_at: doc(z.string(), { format: 'date-time' }),
    updated_at: doc(z.string(), { format: 'date-time' }),
    download_url: z.nullable(doc(z.string(), { description: `The original, presigned for ${LIMITS.expiresIn.default} s; null when not asked for (or, with originals kept as uploaded, for anyone but the owner).`, format: 'uri' })),
    thumbnail_url: z.nullable(doc(z.string(), { description: "`variants.thumb.url`: null until the variants exist, and when URLs were not asked for (`include_url=false`).", format: 'uri' })),
    status: doc(z.enum(['processing', 'ready', 'failed']), { description: '`processing` until the variants exist, then `ready`, or `failed` (see `status_reason`). The original can be downloaded in every state.' }),
    status_reason: z.optional(doc(z.string(), { description: 'Why processing failed, for a `failed` image.' })),
    variants: z.nullable(
      doc(z.strictObject({ thumb: variant, display: variant }), {
        description: '`thumb`: 400x400, centre crop; `display`: within 1080x1350, aspect kept. WebP, orientation applied, sRGB, no metadata. Null while processing, and when URLs were not asked for (`include_url=false`); `status` tells the two apart.',
      }),
    ),
    placeholder: z.nullable(doc(z.string(), { description: 'A ThumbHash of the image (base64), to show blurred while the thumbnail loads; null while processing.' })),
    checksum: doc(z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/)), { description: '`sha256:` and the hex digest of the stored original.', examples: [`sha256:${'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'}`] }),
    deleted_at: z.optional(doc(z.string(), { format: 'date-time', description: 'In the trash since then (trash listings only).' })),
    purge_at: z.optional(doc(z.string(), { format: 'date-time', description: 'When a trashed image is erased for good, unless restored before.' })),
  }),
  { id: 'Image' },
);

export const imageList = doc(
  z.strictObject({
    images: z.array(image),
    total_count: doc(z.number().check(z.int()), { description: 'The number of images in this page.', minimum: 0, maximum: LIMITS.pageSize.max }),
    next_page_token: nullableText('Pass as `page_token` for the next page; null on the last page.'),
    has_more: doc(z.boolean(), { description: 'True exactly when `next_page_token` is not null.' }),
  }),
  { id: 'ImageList', description: 'One page, newest first. Following the tokens visits every matching image once.' },
);

export const uploadResult = doc(z.strictObject({ message: z.literal('Image uploaded successfully'), image_id: z.string(), image }), { id: 'UploadResult' });

export const uploadStarted = doc(
  z.strictObject({
    upload_id: z.string(),
    upload: doc(
      z.strictObject({
        url: doc(z.string(), { format: 'uri' }),
        fields: z.record(z.string(), z.string()),
        file_field: z.literal('file'),
        content_type_prefix: z.literal('image/'),
      }),
      { description: 'A presigned POST: send `multipart/form-data` to `url` with every one of `fields`, a `Content-Type` field starting with `image/`, and the file last, in the field `file`.' },
    ),
    min_bytes: z.literal(LIMITS.minFileBytes),
    max_bytes: z.literal(LIMITS.maxFileBytes),
    expires_at: doc(z.string(), { format: 'date-time', description: 'Send the file and complete before then.' }),
    complete_url: doc(z.string(), { description: '`/uploads/{upload_id}/complete`' }),
  }),
  { id: 'UploadStarted' },
);

export const downloadUrl = doc(
  z.strictObject({
    image_id: z.string(),
    download_url: doc(z.string(), { format: 'uri', description: 'A presigned URL for the original bytes.' }),
    expires_in: doc(z.number().check(z.int()), { description: 'Seconds the URL stays valid.', minimum: LIMITS.expiresIn.min, maximum: LIMITS.expiresIn.max }),
    content_type: z.enum(CONTENT_TYPES),
    file_size: doc(z.number().check(z.int()), { description: 'Bytes.' }),
  }),
  { id: 'DownloadUrl' },
);

export const deleteResult = doc(
  z.strictObject({
    message: z.literal('Image deleted successfully'),
    image_id: z.string(),
    deleted_at: doc(z.string(), { format: 'date-time' }),
    purge_at: doc(z.string(), { format: 'date-time', description: 'When it is erased for good unless restored: `deleted_at` plus the trash retention (TRASH_DAYS).' }),
  }),
  { id: 'DeleteResult', description: 'In the trash: restore it with `POST /images/{image_id}/restore` until `purge_at`.' },
);

export const eraseResult = doc(z.strictObject({ message: z.literal('Image erased'), image_id: z.string() }), {
  id: 'EraseResult',
  description: 'The original, its variants and its metadata are gone from the stores; every route now answers 404 for it.',
});

export const deleteAnswer = doc(z.union([deleteResult, eraseResult]), { id: 'DeleteAnswer', description: 'In the trash, or erased (purge=true).' });

export const erasure = doc(
  z.strictObject({
    user_id: z.string(),
    status: doc(z.enum(['running', 'done']), { description: '`done` once nothing the user had when asking is left.' }),
    requested_at: doc(z.string(), { format: 'date-time' }),
    finished_at: z.nullable(doc(z.string(), { format: 'date-time' })),
    erased: doc(z.number().check(z.int()), { description: 'Images erased so far.', minimum: 0 }),
    status_url: doc(z.string(), { description: '`/users/{user_id}/erasure`' }),
  }),
  { id: 'Erasure', description: "The erasure of all of a user's images (trash included) that were there when it was asked for." },
);

export const health = doc(z.strictObject({ status: z.literal('healthy'), service: z.string(), version: z.string() }), { id: 'Health' });

const check = z.enum(['ok', 'unavailable']);
export const readiness = doc(
  z.strictObject({ status: z.enum(['ready', 'unavailable']), checks: z.strictObject({ blob_store: check, metadata_store: check }) }),
  { id: 'Readiness' },
);

export const ERROR_CODES = [
  'validation_error',
  'invalid_page_token',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'gone',
  'conflict',
  'not_deleted',
  'precondition_failed',
  'idempotency_key_in_use',
  'idempotency_key_reused',
  'payload_too_large',
  'unsupported_media_type',
  'request_timeout',
  'rate_limited',
  'service_unavailable',
  'internal_error',
] as const;

export const errorBody = doc(
  z.strictObject({
    error: doc(z.string(), { description: `Stable machine-readable code to switch on, e.g. ${ERROR_CODES.map((code) => `\`${code}\``).join(', ')}. Not an enum: tolerate codes added later.` }),
    message: doc(z.string(), { description: 'For people; never a stack trace or internal detail.' }),
    details: z.optional(doc(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), { description: 'Facts about the failure, e.g. the offending `field` or a limit.' })),
    request_id: doc(z.string(), { description: 'Also in the server log line; quote it when reporting a problem.' }),
  }),
  { id: 'Error' },
);

/** The answers routes declare, by the name they give (`Answer.schema`). */
export const ANSWERS = {
  Image: image,
  ImageList: imageList,
  UploadResult: uploadResult,
  UploadStarted: uploadStarted,
  DownloadUrl: downloadUrl,
  DeleteAnswer: deleteAnswer,
  Erasure: erasure,
  Health: health,
  Readiness: readiness,
};

export type AnswerName = keyof typeof ANSWERS;
