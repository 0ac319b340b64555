import * as z from 'zod/mini';
import { FORMATS, LIMITS } from '../../core/rules.ts';
import { doc, formText, jsonText, queryBoolean, queryInteger, queryList, queryText } from './schema.ts';
import type { SchemaMeta } from './schema.ts';

// What requests carry (shared/design/api.md): parameters and bodies, which every request is
// validated against. What the API answers is in answer-shapes.ts, which only the OpenAPI document
// and the tests load. Examples are realistic on purpose: Swagger UI pre-fills "Try it out" with them.

const KIB = 1024;
const MIB = 1024 * 1024;
const USER_ID_PATTERN = `^[A-Za-z0-9_-]{1,${LIMITS.userIdChars}}$`;
const TAG_RULE = `1 to ${LIMITS.tagChars} letters, digits, spaces, '-' or '_'`;
export const EXAMPLE_ID = '0b7e4f7a-6c1d-4f0e-8a43-2b9d5e8c1f60';
export const EXAMPLE_USER = 'user123';
export const CONTENT_TYPES = Object.values(FORMATS).map(({ contentType }) => contentType) as [string, ...string[]];

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
  include_url: queryBoolean({ description: 'Whether each image carries its presigned URLs: `download_url`, `thumbnail_url` and the variants\' `url`. With false, `download_url`, `thumbnail_url` and `variants` are null.', default: true }),
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
/**
 * A trashed image has no URLs (the service stops serving its files at the delete), so include_url
 * changes nothing here; it is still taken, as every listing takes it, and as clients send it.
 */
export const trashQuery = {
  limit: listQuery.limit,
  page_token: listQuery.page_token,
  include_url: queryBoolean({ description: 'Taken as on every listing, and changes nothing: a trashed image has no URLs, whatever is asked.', default: false }),
};
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
