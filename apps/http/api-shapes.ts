import * as z from 'zod/mini';
import { FORMATS, LIMITS } from '../../core/rules.ts';
import { doc, formText, jsonText, queryBoolean, queryInteger, queryList, queryText } from './schema.ts';
import type { SchemaMeta } from './schema.ts';

// The shapes of the API (shared/design/api.md) as clients see them: bodies, answers and
// parameters. Examples are realistic on purpose: Swagger UI pre-fills "Try it out" with them.

const KIB = 1024;
const MIB = 1024 * 1024;
const USER_ID_PATTERN = `^[A-Za-z0-9_-]{1,${LIMITS.userIdChars}}$`;
const TAG_RULE = `1 to ${LIMITS.tagChars} letters, digits, spaces, '-' or '_'`;
const EXAMPLE_ID = '0b7e4f7a-6c1d-4f0e-8a43-2b9d5e8c1f60';
const EXAMPLE_USER = 'user123';
const CONTENT_TYPES = Object.values(FORMATS).map(({ contentType }) => contentType) as [string, ...string[]];

export const FILE_RULE =
  'A JPEG, PNG, GIF or WebP image, recognised from its bytes (the declared type and the file name are ignored); ' +
  `${LIMITS.minFileBytes / KIB} KiB to ${LIMITS.maxFileBytes / MIB} MiB, ${LIMITS.minSide}x${LIMITS.minSide} to ${LIMITS.maxSide}x${LIMITS.maxSide} pixels.`;

// ---- parameters ----

export const params = {
  imageId: doc(z.string(), { description: 'The id the upload answered with.', examples: [EXAMPLE_ID] }),
  uploadId: doc(z.string(), { description: 'The `upload_id` that `POST /uploads` answered with (it becomes the image id).', examples: [EXAMPLE_ID] }),
  userId: doc(z.string(), { description: 'The owner whose images are listed.', pattern: USER_ID_PATTERN, examples: [EXAMPLE_USER] }),
  tag: doc(z.string(), { description: `The tag, ${TAG_RULE}; compared case-insensitively.`, examples: ['nature'] }),
};

const dateQuery = (bound: string) =>
  queryText({
    description: `Only images created ${bound}. An ISO 8601 date or date-time (a date-time without an offset is UTC; offsets up to ±23:59).`,
    examples: ['2024-05-01', '2024-05-01T12:00:00Z'],
  });

/** The parameters every listing takes. */
export const listQuery = {
  limit: queryInteger({ description: 'Page size. A page is full unless the listing is exhausted.', minimum: LIMITS.pageSize.min, maximum: LIMITS.pageSize.max, default: LIMITS.pageSize.default, examples: [20] }),
  page_token: queryText({
    description: 'The `next_page_token` of the previous page, sent with the same other parameters. Signed and bound to its query: a garbled, tampered or foreign token is a 400 `invalid_page_token`.',
  }),
  start_date: dateQuery('at or after this instant (inclusive)'),
  end_date: dateQuery('before this instant (exclusive); a bare date includes that whole day (UTC); must be after start_date'),
  include_url: queryBoolean({ description: 'Whether each image carries a presigned `download_url`.', default: true }),
};

export const userIdQuery = queryText({ description: 'Only images owned by this user.', pattern: USER_ID_PATTERN, examples: [EXAMPLE_USER] });
export const tagsQuery = queryList({
  description: `Comma-separated tags; an image matches if it has ANY of them. Each tag is ${TAG_RULE}, compared case-insensitively; at most ${LIMITS.tagsPerImage}.`,
  examples: ['nature,sunset'],
});
export const includeUrlQuery = listQuery.include_url;
export const checksumQuery = queryText({
  description: "Only the user's images with exactly these bytes (the image object's `checksum`), so an app can skip uploading a photo it already sent. Needs `user_id` (or the user's path); not with `tags`.",
  pattern: '^sha256:[0-9a-f]{64}$',
});
export const purgeQuery = queryBoolean({ description: 'Erase for good, now: the original, every variant and the metadata. Without it, the image goes to the trash.', default: false });
export const trashQuery = { limit: listQuery.limit, page_token: listQuery.page_token, include_url: listQuery.include_url };
export const expiresInQuery = queryInteger({
  description: 'Lifetime of the download URL in seconds.',
  minimum: LIMITS.expiresIn.min,
  maximum: LIMITS.expiresIn.max,
  default: LIMITS.expiresIn.default,
  examples: [3600],
});

// ---- request bodies ----

/** What an upload's metadata fields mean, whether they come as JSON fields or as form fields. */
const METADATA = {
  user_id: {
    description: "The owner. Required in `header` identity mode, where the caller names itself here; in `jwt` mode optional, and refused (403) unless it is the token's `sub`.",
    pattern: USER_ID_PATTERN,
    examples: [EXAMPLE_USER],
  },
  title: { description: 'Trimmed; must not be blank; no control or bidirectional characters.', maxLength: LIMITS.titleChars, examples: ['Beautiful Sunset'] },
  description: { description: 'Trimmed; line breaks kept; blank means none.', maxLength: LIMITS.descriptionChars, examples: ['A stunning sunset over the mountains'] },
} satisfies Record<string, SchemaMeta>;

/** The upload form's text fields (the file comes in the part named `file`); documented in place, beside the file. */
export const uploadForm = z.strictObject({
  user_id: formText(METADATA.user_id),
  title: formText(METADATA.title),
  description: formText(METADATA.description),
  tags: formText({
    description: `Comma-separated; each tag ${TAG_RULE}. Trimmed, lower-cased and de-duplicated; at most ${LIMITS.tagsPerImage} after de-duplication.`,
    examples: ['nature,sunset,mountains'],
  }),
});

export const startUploadBody = doc(
  z.strictObject({
    user_id: jsonText(METADATA.user_id),
    title: jsonText(METADATA.title),
    description: jsonText(METADATA.description),
    tags: z.optional(
      z.nullable(
        doc(z.union([z.string(), z.array(z.string())]), {
          description: `Comma-separated, or a list; each tag ${TAG_RULE}.`,
          examples: ['nature,sunset'],
          expected: 'a string or a list of strings',
        }),
      ),
    ),
    file_name: jsonText({ description: 'The original name, kept sanitised for display.', examples: ['sunset.jpg'] }),
  }),
  { id: 'StartUpload', description: 'The metadata of an image to send straight to storage; the same rules as `POST /images`.' },
);

// ---- answers ----

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
    thumbnail_url: z.nullable(doc(z.string(), { description: "`variants.thumb.url`: null until the variants exist.", format: 'uri' })),
    status: doc(z.enum(['processing', 'ready', 'failed']), { description: '`processing` until the variants exist, then `ready`, or `failed` (see `status_reason`). The original can be downloaded in every state.' }),
    status_reason: z.optional(doc(z.string(), { description: 'Why processing failed, for a `failed` image.' })),
    variants: z.nullable(
      doc(z.strictObject({ thumb: variant, display: variant }), {
        description: '`thumb`: 400x400, centre crop; `display`: within 1080x1350, aspect kept. WebP, orientation applied, sRGB, no metadata. Null while processing.',
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

export const editBody = doc(
  z.strictObject({
    title: z.optional(z.nullable(doc(z.string(), { ...METADATA.title, description: `${METADATA.title.description} null removes it.` }))),
    description: z.optional(z.nullable(doc(z.string(), { ...METADATA.description, description: `${METADATA.description.description} null removes it.` }))),
    tags: z.optional(
      z.nullable(
        doc(z.union([z.string(), z.array(z.string())]), {
          description: `The new tags (they replace the old ones): comma-separated, or a list; each ${TAG_RULE}. null or [] removes them all.`,
          examples: [['nature', 'sunset']],
          expected: 'a string or a list of strings',
        }),
      ),
    ),
  }),
  { id: 'ImagePatch', description: 'A JSON merge patch (RFC 7396) of the editable fields: a field left out stays as it is, null clears it. The rules of `POST /images` apply.' },
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
