import { FORMATS, LIMITS } from '../../core/rules.ts';

/** A JSON Schema (2020-12, the OpenAPI 3.1 dialect); open-ended by nature. */
export type Schema = Record<string, unknown>;

// An alias, not an interface, so a reference also fits where a Schema is expected.
export type Reference = {
  $ref: string;
  description?: string;
};

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description: string;
  schema: Schema;
  example?: unknown;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; required?: boolean; schema: Schema }>;
  content?: Record<string, { schema: Schema; example?: unknown }>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: (Parameter | Reference)[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: Schema; encoding?: Record<string, unknown> }> };
  responses: Record<string, ResponseObject | Reference>;
  security?: Record<string, string[]>[];
}

export interface PathItem {
  parameters?: (Parameter | Reference)[];
  get?: Operation;
  post?: Operation;
  delete?: Operation;
}

type SchemaName = 'Image' | 'ImageList' | 'UploadResult' | 'StartUpload' | 'UploadStarted' | 'DownloadUrl' | 'DeleteResult' | 'Health' | 'Readiness' | 'Error';
type ParameterName =
  | 'Limit'
  | 'PageToken'
  | 'UserIdQuery'
  | 'TagsQuery'
  | 'StartDate'
  | 'EndDate'
  | 'ImageId'
  | 'UserIdPath'
  | 'TagPath'
  | 'IncludeUrl'
  | 'ExpiresIn'
  | 'XUserId'
  | 'UploadId';
type ResponseName =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Gone'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'ServiceUnavailable'
  | 'TooManyRequests'
  | 'InternalError';

// A type alias rather than an interface, so the document is a plain Record for JSON tools.
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<SchemaName, Schema>;
    parameters: Record<ParameterName, Parameter>;
    responses: Record<ResponseName, ResponseObject>;
    securitySchemes: Record<string, Record<string, string>>;
  };
};

const schemaRef = (name: SchemaName): Reference => ({ $ref: `#/components/schemas/${name}` });
const parameterRef = (name: ParameterName): Reference => ({ $ref: `#/components/parameters/${name}` });
// 3.1 lets a reference override the description, so one shared error response can say what it means here.
const responseRef = (name: ResponseName, description?: string): Reference =>
  description === undefined ? { $ref: `#/components/responses/${name}` } : { $ref: `#/components/responses/${name}`, description };

const EXAMPLE_IMAGE_ID = '0b7e4f7a-6c1d-4f0e-8a43-2b9d5e8c1f60';
const KIB = 1024;
const MIB = 1024 * 1024;
const USER_ID_PATTERN = `^[A-Za-z0-9_-]{1,${LIMITS.userIdChars}}$`;
const TAG_RULE = `1 to ${LIMITS.tagChars} letters, digits, spaces, '-' or '_'`;
const FILE_RULE =
  `A JPEG, PNG, GIF or WebP image, recognised from its bytes (the declared type and the file name are ignored); ` +
  `${LIMITS.minFileBytes / KIB} KiB to ${LIMITS.maxFileBytes / MIB} MiB, ` +
  `${LIMITS.minSide}x${LIMITS.minSide} to ${LIMITS.maxSide}x${LIMITS.maxSide} pixels.`;
const ERROR_CODES = [
  'validation_error',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  'forbidden',
  'gone',
  'unauthorized',
  'invalid_page_token',
  'rate_limited',
  'service_unavailable',
  'internal_error',
  'conflict',
] as const;

const dateParameter = (name: string, bound: string): Parameter => ({
  name,
  in: 'query',
  description:
    `Only images created ${bound}. An ISO 8601 date (midnight UTC) or date-time; a date-time without a zone is UTC.`,
  schema: { type: 'string', examples: ['2024-05-01', '2024-05-01T12:00:00Z'] },
});

const parameters: Record<ParameterName, Parameter> = {
  Limit: {
    name: 'limit',
    in: 'query',
    description: 'Page size. A page is full unless the listing is exhausted.',
    schema: { type: 'integer', minimum: LIMITS.pageSize.min, maximum: LIMITS.pageSize.max, default: LIMITS.pageSize.default },
  },
  PageToken: {
    name: 'page_token',
    in: 'query',
    description:
      'The `next_page_token` of the previous page, sent with the same other query parameters. Opaque: it is signed and ' +
      'bound to the query it came from, so a garbled, tampered or foreign token is a 400 `invalid_page_token`.',
    schema: { type: 'string' },
  },
  UserIdQuery: {
    name: 'user_id',
    in: 'query',
    description: 'Only images owned by this user.',
    schema: { type: 'string', pattern: USER_ID_PATTERN },
  },
  TagsQuery: {
    name: 'tags',
    in: 'query',
    description: `Comma-separated tags; an image matches if it has ANY of them. Each tag is ${TAG_RULE}, compared case-insensitively; at most ${LIMITS.tagsPerImage} distinct tags.`,
    schema: { type: 'string', examples: ['beach,sunset'] },
  },
  StartDate: dateParameter('start_date', 'at or after this instant (inclusive)'),
  EndDate: dateParameter('end_date', 'before this instant (exclusive); must be after start_date'),
  ImageId: {
    name: 'image_id',
    in: 'path',
    required: true,
    description: 'The id the upload answered with.',
    schema: { type: 'string' },
  },
  UserIdPath: {
    name: 'user_id',
    in: 'path',
    required: true,
    description: 'The owner whose images are listed.',
    schema: { type: 'string', pattern: USER_ID_PATTERN },
  },
  TagPath: {
    name: 'tag',
    in: 'path',
    required: true,
    description: `The tag, ${TAG_RULE}; compared case-insensitively.`,
    schema: { type: 'string' },
  },
  IncludeUrl: {
    name: 'include_url',
    in: 'query',
    description: 'Whether to add a presigned `download_url`; `true`/`false` or `1`/`0`.',
    schema: { type: 'boolean', default: true },
  },
  ExpiresIn: {
    name: 'expires_in',
    in: 'query',
    description: 'Lifetime of the download URL in seconds.',
    schema: { type: 'integer', minimum: LIMITS.expiresIn.min, maximum: LIMITS.expiresIn.max, default: LIMITS.expiresIn.default },
  },
  XUserId: {
    name: 'X-User-Id',
    in: 'header',
    required: true,
    description: 'The caller (header identity); only the owner may delete an image.',
    schema: { type: 'string', pattern: USER_ID_PATTERN },
  },
  UploadId: {
    name: 'upload_id',
    in: 'path',
    required: true,
    description: 'The `upload_id` that `POST /uploads` answered with (it becomes the image id).',
    schema: { type: 'string' },
  },
};

const nullableString = (description: string): Schema => ({ type: ['string', 'null'], description });

const schemas: Record<SchemaName, Schema> = {
  Image: {
    type: 'object',
    required: [
      'image_id',
      'user_id',
      'title',
      'description',
      'tags',
      'file_name',
      'file_size',
      'content_type',
      'width',
      'height',
      'format',
      'created_at',
      'updated_at',
      'download_url',
      'thumbnail_url',
    ],
    properties: {
      image_id: { type: 'string', description: 'Server-generated id.' },
      user_id: { type: 'string', pattern: USER_ID_PATTERN, description: 'The owner.' },
      title: nullableString('Trimmed; null when none was given.'),
      description: nullableString('Trimmed; null when none (or a blank one) was given.'),
      tags: {
        type: 'array',
        maxItems: LIMITS.tagsPerImage,
        items: { type: 'string', minLength: 1, maxLength: LIMITS.tagChars },
        description: 'Trimmed, lower-cased and de-duplicated, in the order first given.',
      },
      file_name: { type: 'string', maxLength: LIMITS.fileNameChars, description: 'The uploaded file name, sanitised; display only.' },
      file_size: { type: 'integer', minimum: LIMITS.minFileBytes, maximum: LIMITS.maxFileBytes, description: 'Bytes.' },
      content_type: { type: 'string', enum: Object.values(FORMATS).map(({ contentType }) => contentType), description: 'Detected from the bytes.' },
      width: { type: 'integer', minimum: LIMITS.minSide, maximum: LIMITS.maxSide },
      height: { type: 'integer', minimum: LIMITS.minSide, maximum: LIMITS.maxSide },
      format: { type: 'string', enum: Object.keys(FORMATS) },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      download_url: { ...nullableString(`A presigned URL, valid for ${LIMITS.expiresIn.default} s; null when not asked for.`), format: 'uri' },
      thumbnail_url: { ...nullableString('Null until image variants exist.'), format: 'uri' },
    },
  },
  ImageList: {
    type: 'object',
    description: 'One page, newest first. Following the tokens visits every matching image once.',
    required: ['images', 'total_count', 'next_page_token', 'has_more'],
    properties: {
      images: { type: 'array', maxItems: LIMITS.pageSize.max, items: schemaRef('Image') },
      total_count: { type: 'integer', minimum: 0, maximum: LIMITS.pageSize.max, description: 'The number of images in this page.' },
      next_page_token: nullableString('Pass as `page_token` for the next page; null on the last page.'),
      has_more: { type: 'boolean', description: 'True exactly when `next_page_token` is not null.' },
    },
  },
  UploadResult: {
    type: 'object',
    required: ['message', 'image_id', 'image'],
    properties: {
      message: { const: 'Image uploaded successfully' },
      image_id: { type: 'string' },
      image: schemaRef('Image'),
    },
  },
  StartUpload: {
    type: 'object',
    description: 'The metadata of an image to send straight to storage; the same rules as `POST /images`.',
    properties: {
      user_id: { type: 'string', pattern: USER_ID_PATTERN, description: 'The owner, in `header` identity mode; in `jwt` mode optional and must be the caller.' },
      title: { type: 'string', maxLength: LIMITS.titleChars, pattern: '\\S' },
      description: { type: 'string', maxLength: LIMITS.descriptionChars },
      tags: { oneOf: [{ type: 'string', description: 'Comma-separated.' }, { type: 'array', items: { type: 'string' }, maxItems: LIMITS.tagsPerImage }] },
      file_name: { type: 'string', description: 'The original name, kept sanitised for display.' },
    },
  },
  UploadStarted: {
    type: 'object',
    required: ['upload_id', 'upload', 'min_bytes', 'max_bytes', 'expires_at', 'complete_url'],
    properties: {
      upload_id: { type: 'string' },
      upload: {
        type: 'object',
        description:
          'A presigned POST: send `multipart/form-data` to `url` with every one of `fields`, a `Content-Type` field ' +
          'starting with `image/`, and the file last, in the field `file`.',
        required: ['url', 'fields', 'file_field', 'content_type_prefix'],
        properties: {
          url: { type: 'string', format: 'uri' },
          fields: { type: 'object', additionalProperties: { type: 'string' } },
          file_field: { const: 'file' },
          content_type_prefix: { const: 'image/' },
        },
      },
      min_bytes: { type: 'integer', const: LIMITS.minFileBytes },
      max_bytes: { type: 'integer', const: LIMITS.maxFileBytes },
      expires_at: { type: 'string', format: 'date-time', description: 'Send the file and complete before then.' },
      complete_url: { type: 'string', description: '`/uploads/{upload_id}/complete`' },
    },
  },
  DownloadUrl: {
    type: 'object',
    required: ['image_id', 'download_url', 'expires_in', 'content_type', 'file_size'],
    properties: {
      image_id: { type: 'string' },
      download_url: { type: 'string', format: 'uri', description: 'A presigned URL for the original bytes.' },
      expires_in: { type: 'integer', minimum: LIMITS.expiresIn.min, maximum: LIMITS.expiresIn.max, description: 'Seconds the URL stays valid.' },
      content_type: { type: 'string', enum: Object.values(FORMATS).map(({ contentType }) => contentType) },
      file_size: { type: 'integer', description: 'Bytes.' },
    },
  },
  DeleteResult: {
    type: 'object',
    required: ['message', 'image_id'],
    properties: {
      message: { const: 'Image deleted successfully' },
      image_id: { type: 'string' },
    },
  },
  Health: {
    type: 'object',
    required: ['status', 'service', 'version'],
    properties: {
      status: { const: 'healthy' },
      service: { type: 'string', examples: ['image-service'] },
      version: { type: 'string' },
    },
  },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { enum: ['ready', 'unavailable'] },
      checks: {
        type: 'object',
        required: ['blob_store', 'metadata_store'],
        properties: {
          blob_store: { enum: ['ok', 'unavailable'] },
          metadata_store: { enum: ['ok', 'unavailable'] },
        },
      },
    },
  },
  Error: {
    type: 'object',
    required: ['error', 'message', 'request_id'],
    properties: {
      error: {
        type: 'string',
        // Not an enum: clients should tolerate codes added later.
        description: `Stable machine-readable code to switch on: ${ERROR_CODES.map((code) => `\`${code}\``).join(', ')}.`,
      },
      message: { type: 'string', description: 'For people; never a stack trace or internal detail.' },
      details: {
        type: 'object',
        description: 'Facts about the failure, e.g. the offending `field` or a limit.',
        additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
      },
      request_id: { type: 'string', description: 'Also in the server log line; quote it when reporting a problem.' },
    },
  },
};

const errorResponse = (description: string, error: (typeof ERROR_CODES)[number], message: string): ResponseObject => ({
  description,
  content: {
    'application/json': {
      schema: schemaRef('Error'),
      example: { error, message, request_id: '5f0c8a8e-2d1b-4c41-9a57-3f2e1d0c9b8a' },
    },
  },
});

const responses: Record<ResponseName, ResponseObject> = {
  BadRequest: errorResponse('Invalid input (`validation_error`, or `invalid_page_token` for a bad page token).', 'validation_error', 'title must not be blank.'),
  Unauthorized: errorResponse(
    'No caller identity, or (in `jwt` identity mode) a missing, expired or otherwise invalid bearer token (`unauthorized`).',
    'unauthorized',
    'A valid bearer token is required: send Authorization: Bearer <JWT>.',
  ),
  Forbidden: errorResponse('The caller is not the owner (`forbidden`).', 'forbidden', 'Only the owner can delete this image.'),
  NotFound: errorResponse('No such image, or it was deleted (`not_found`).', 'not_found', `Image ${EXAMPLE_IMAGE_ID} was not found.`),
  Gone: errorResponse('The image was already deleted (`gone`).', 'gone', `Image ${EXAMPLE_IMAGE_ID} has already been deleted.`),
  PayloadTooLarge: errorResponse(
    `The file is larger than ${LIMITS.maxFileBytes / MIB} MiB (\`payload_too_large\`).`,
    'payload_too_large',
    `The file is larger than ${LIMITS.maxFileBytes} bytes (${LIMITS.maxFileBytes / MIB} MiB).`,
  ),
  UnsupportedMediaType: errorResponse(
    'The bytes are not a JPEG, PNG, GIF or WebP image (`unsupported_media_type`).',
    'unsupported_media_type',
    'The file is not a JPEG, PNG, GIF or WebP image.',
  ),
  TooManyRequests: errorResponse(
    'Too many uploads or deletes from this client or caller in the last minute (`rate_limited`); the `RateLimit` header says when to retry.',
    'rate_limited',
    'Too many uploads or deletes; wait a minute and try again.',
  ),
  ServiceUnavailable: errorResponse('A backend (blob or metadata store) is down (`service_unavailable`).', 'service_unavailable', 'The image store is unavailable.'),
  InternalError: errorResponse(
    'An unexpected error (`internal_error`); the request id also appears in the log line.',
    'internal_error',
    'An unexpected error occurred; quote request id 5f0c8a8e-2d1b-4c41-9a57-3f2e1d0c9b8a when reporting it.',
  ),
};

const json = (description: string, schema: Schema): ResponseObject => ({ description, content: { 'application/json': { schema } } });
const html = (description: string): ResponseObject => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

// In jwt identity mode reads need no token, but a token that is sent must be valid.
const BAD_TOKEN = 'A bearer token was sent and is not valid (`unauthorized`, jwt identity mode).';
// Writes: no credentials at all in header mode, a bearer token in jwt mode.
const WRITE_SECURITY: Record<string, string[]>[] = [{}, { bearerAuth: [] }];

const listResponses = (): Operation['responses'] => ({
  200: json('A page of images.', schemaRef('ImageList')),
  400: responseRef('BadRequest'),
  401: responseRef('Unauthorized', BAD_TOKEN),
  503: responseRef('ServiceUnavailable'),
  500: responseRef('InternalError'),
});

const listFilters = [parameterRef('Limit'), parameterRef('PageToken'), parameterRef('StartDate'), parameterRef('EndDate')];

const paths: Record<string, PathItem> = {
  '/health': {
    get: {
      operationId: 'getHealth',
      summary: 'Liveness',
      tags: ['health'],
      responses: {
        200: json('The process is up.', schemaRef('Health')),
        500: responseRef('InternalError'),
      },
    },
  },
  '/health/ready': {
    get: {
      operationId: 'getReadiness',
      summary: 'Readiness: whether the blob store and the metadata store answer',
      tags: ['health'],
      responses: {
        200: json('Both stores answer.', schemaRef('Readiness')),
        // The body is the readiness report, not an Error, so monitors see which store is down.
        503: json('A store does not answer.', schemaRef('Readiness')),
        500: responseRef('InternalError'),
      },
    },
  },
  '/images': {
    post: {
      operationId: 'uploadImage',
      summary: 'Upload an image',
      tags: ['images'],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['file'],
              properties: {
                // format: binary is what Swagger UI renders as a file picker; contentMediaType is the 3.1 way.
                file: { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream', description: FILE_RULE },
                user_id: {
                  type: 'string',
                  pattern: USER_ID_PATTERN,
                  description:
                    'The owner. Required in `header` identity mode, where the caller names itself here; in `jwt` mode ' +
                    "optional, and refused (403) unless it is the token's `sub`.",
                },
                title: { type: 'string', maxLength: LIMITS.titleChars, pattern: '\\S', description: 'Trimmed; must not be blank.' },
                description: { type: 'string', maxLength: LIMITS.descriptionChars, description: 'Trimmed; blank means none.' },
                tags: {
                  type: 'string',
                  description:
                    `Comma-separated; each tag ${TAG_RULE}. Trimmed, lower-cased and de-duplicated; ` +
                    `at most ${LIMITS.tagsPerImage} tags after de-duplication.`,
                  examples: ['beach, Sunset, summer_2024'],
                },
              },
            },
          },
        },
      },
      responses: {
        201: {
          description: 'Stored.',
          headers: {
            Location: { description: 'The new image: `/images/{image_id}`.', required: true, schema: { type: 'string' } },
          },
          content: { 'application/json': { schema: schemaRef('UploadResult') } },
        },
        400: responseRef(
          'BadRequest',
          'Invalid input (`validation_error`): not multipart/form-data, no `file`, a bad field, a file under ' +
            `${LIMITS.minFileBytes / KIB} KiB, dimensions out of range, or an unreadable image header.`,
        ),
        401: responseRef('Unauthorized', 'jwt identity mode: no valid bearer token (`unauthorized`).'),
        403: responseRef('Forbidden', "jwt identity mode: `user_id` is not the token's `sub` (`forbidden`)."),
        413: responseRef(
          'PayloadTooLarge',
          `The file is larger than ${LIMITS.maxFileBytes / MIB} MiB, or (on the serverless deployment) the body is over ` +
            '4 MiB: send larger images with `POST /uploads` (`payload_too_large`, `details.direct_upload`).',
        ),
        415: responseRef('UnsupportedMediaType'),
        429: responseRef('TooManyRequests'),
        503: responseRef('ServiceUnavailable'),
        500: responseRef('InternalError'),
      },
      security: WRITE_SECURITY,
    },
    get: {
      operationId: 'listImages',
      summary: 'List images, newest first',
      tags: ['images'],
      parameters: [...listFilters, parameterRef('UserIdQuery'), parameterRef('TagsQuery')],
      responses: listResponses(),
    },
  },
  '/users/{user_id}/images': {
    parameters: [parameterRef('UserIdPath')],
    get: {
      operationId: 'listUserImages',
      summary: "List one user's images, newest first",
      tags: ['images'],
      parameters: [...listFilters, parameterRef('TagsQuery')],
      responses: listResponses(),
    },
  },
  '/tags/{tag}/images': {
    parameters: [parameterRef('TagPath')],
    get: {
      operationId: 'listTagImages',
      summary: 'List images with a tag, newest first',
      tags: ['images'],
      parameters: [...listFilters, parameterRef('UserIdQuery')],
      responses: listResponses(),
    },
  },
  '/images/{image_id}': {
    parameters: [parameterRef('ImageId')],
    get: {
      operationId: 'getImage',
      summary: "An image's metadata",
      tags: ['images'],
      parameters: [parameterRef('IncludeUrl')],
      responses: {
        200: json('The image.', schemaRef('Image')),
        400: responseRef('BadRequest', 'include_url is not a boolean (`validation_error`).'),
        401: responseRef('Unauthorized', BAD_TOKEN),
        404: responseRef('NotFound'),
        503: responseRef('ServiceUnavailable'),
        500: responseRef('InternalError'),
      },
    },
    delete: {
      operationId: 'deleteImage',
      summary: 'Delete an image (soft delete, owner only)',
      description: 'The image leaves every listing and read; its bytes are kept so an operator can undo a mistake.',
      tags: ['images'],
      parameters: [parameterRef('XUserId')],
      responses: {
        200: json('Deleted.', schemaRef('DeleteResult')),
        400: responseRef('BadRequest', 'X-User-Id is not a valid user id (`validation_error`).'),
        401: responseRef('Unauthorized', 'No `X-User-Id` (header mode) or no valid bearer token (jwt mode) (`unauthorized`).'),
        403: responseRef('Forbidden'),
        404: responseRef('NotFound', 'No such image (`not_found`).'),
        410: responseRef('Gone'),
        429: responseRef('TooManyRequests'),
        503: responseRef('ServiceUnavailable'),
        500: responseRef('InternalError'),
      },
      security: WRITE_SECURITY,
    },
  },
  '/uploads': {
    post: {
      operationId: 'startDirectUpload',
      summary: 'Start a direct upload (for files the serverless path cannot carry)',
      description:
        'Validates the metadata, reserves an image id and answers with a presigned POST to send the file straight to ' +
        'storage, size-limited and image-typed by its policy. Nothing is visible until `complete_url` is called.',
      tags: ['images'],
      requestBody: { required: true, content: { 'application/json': { schema: schemaRef('StartUpload') } } },
      responses: {
        201: json('Reserved.', schemaRef('UploadStarted')),
        400: responseRef('BadRequest', 'Not a JSON object, or a field breaks its rule (`validation_error`).'),
        401: responseRef('Unauthorized', 'jwt identity mode: no valid bearer token (`unauthorized`).'),
        403: responseRef('Forbidden', "jwt identity mode: `user_id` is not the token's `sub` (`forbidden`)."),
        413: responseRef('PayloadTooLarge', 'The JSON body is over 16 KiB (`payload_too_large`).'),
        429: responseRef('TooManyRequests'),
        503: responseRef('ServiceUnavailable'),
        500: responseRef('InternalError'),
      },
      security: WRITE_SECURITY,
    },
  },
  '/uploads/{upload_id}/complete': {
    parameters: [parameterRef('UploadId')],
    post: {
      operationId: 'completeDirectUpload',
      summary: 'Check what was sent and commit the image',
      description:
        'Reads the object\'s size and first bytes, applies exactly the rules of `POST /images`, and commits the image ' +
        '(201) or deletes the object and answers as `POST /images` would. Completing again answers 200 with the image.',
      tags: ['images'],
      parameters: [{ ...parameterRef('XUserId'), description: 'The uploader (header identity).' }],
      responses: {
        200: json('Already completed.', schemaRef('UploadResult')),
        201: { description: 'Committed.', content: { 'application/json': { schema: schemaRef('UploadResult') } } },
        400: responseRef('BadRequest', 'Nothing sent yet, or the file breaks a rule (`validation_error`).'),
        401: responseRef('Unauthorized', 'No `X-User-Id` (header mode) or no valid bearer token (jwt mode).'),
        403: responseRef('Forbidden', 'Not the uploader (`forbidden`).'),
        404: responseRef('NotFound', 'No such upload (`not_found`).'),
        410: responseRef('Gone', 'The upload expired before it was completed (`gone`).'),
        413: responseRef('PayloadTooLarge'),
        415: responseRef('UnsupportedMediaType'),
        429: responseRef('TooManyRequests'),
        503: responseRef('ServiceUnavailable'),
        500: responseRef('InternalError'),
      },
      security: WRITE_SECURITY,
    },
  },
  '/images/{image_id}/download': {
    parameters: [parameterRef('ImageId')],
    get: {
      operationId: 'getDownloadUrl',
      summary: 'A presigned download URL for the original file',
      tags: ['images'],
      parameters: [parameterRef('ExpiresIn')],
      responses: {
        200: json('The URL and what it serves.', schemaRef('DownloadUrl')),
        400: responseRef('BadRequest', `expires_in is not an integer from ${LIMITS.expiresIn.min} to ${LIMITS.expiresIn.max} (\`validation_error\`).`),
        401: responseRef('Unauthorized', BAD_TOKEN),
        404: responseRef('NotFound'),
        503: responseRef('ServiceUnavailable'),
        500: responseRef('InternalError'),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI document',
      tags: ['docs'],
      responses: {
        200: json('The OpenAPI 3.1 document.', { type: 'object' }),
        500: responseRef('InternalError'),
      },
    },
  },
  '/docs': {
    get: {
      operationId: 'getSwaggerUi',
      summary: 'Swagger UI for this document',
      tags: ['docs'],
      responses: { 200: html('The Swagger UI page.'), 500: responseRef('InternalError') },
    },
  },
  '/redoc': {
    get: {
      operationId: 'getRedoc',
      summary: 'ReDoc for this document',
      tags: ['docs'],
      responses: { 200: html('The ReDoc page.'), 500: responseRef('InternalError') },
    },
  },
};

/** The OpenAPI 3.1 description of the API contract (shared/design/api.md), served at /openapi.json. */
export function openApiDocument(version: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Image service',
      version,
      description: [
        'Upload, list, fetch, download and soft-delete JPEG, PNG, GIF and WebP images. JSON field names are snake_case.',
        '',
        '**Identity.** Chosen by configuration. `header` (the default, as in the service this one replaces): an upload ' +
          'names its owner in the form field `user_id`, and a delete names the caller in the `X-User-Id` header; nothing ' +
          'verifies them, so the service belongs behind something that sets them. `jwt`: writes need ' +
          '`Authorization: Bearer <JWT>` (issuer, audience and expiry checked), the caller is the token\'s `sub`, and ' +
          'reads stay open. Behind API Gateway with a JWT authorizer, the authorizer\'s claims are used.',
        '',
        '**Paging.** Page tokens are opaque: pass `next_page_token` back as `page_token` with the same other query ' +
          'parameters. They are signed and bound to their query; a garbled, tampered or foreign token is a 400 ' +
          '`invalid_page_token`.',
        '',
        '**Errors.** Every error body is `{error, message, details?, request_id}`; `error` is a stable code.',
      ].join('\n'),
    },
    tags: [
      { name: 'images', description: 'Upload, read, list and delete images.' },
      { name: 'health', description: 'Liveness and readiness probes.' },
      { name: 'docs', description: 'This document and its viewers.' },
    ],
    paths,
    components: { schemas, parameters, responses, securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
