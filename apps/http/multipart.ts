import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { RequestHandler } from 'express';
import type { MulterError } from 'multer';
import { DomainError, invalid } from '../../core/errors.ts';
import { LIMITS } from '../../core/rules.ts';
import type { MultipartUpload } from './types.ts';

/**
 * The forms the service reads, by the text fields each keeps beside its one `file`: the image
 * upload, and the form a browser POSTs to the in-memory store's presigned POST URL.
 */
export const FORM_FIELDS = {
  upload: ['user_id', 'title', 'description', 'tags'],
  'presigned-post': ['key', 'policy', 'signature', 'Content-Type'],
} as const;
export type FormKind = keyof typeof FORM_FIELDS;

/**
 * Every limit is set so that no part of a hostile request is unbounded. Fields get room for
 * their longest legal value in 4-byte UTF-8 (description: 1000 characters) and a little slack.
 */
export const MULTIPART_LIMITS = {
  fileSize: LIMITS.maxFileBytes,
  files: 1,
  fields: 8,
  fieldSize: 8 * 1024,
  fieldNameSize: 100,
  parts: 9,
  headerPairs: 20,
} as const;

/** Above this, the body cannot be a legal upload, so it is refused before it is read. */
export const MAX_UPLOAD_BODY_BYTES = MULTIPART_LIMITS.fileSize + MULTIPART_LIMITS.fields * MULTIPART_LIMITS.fieldSize + 64 * 1024;

// Loaded by the first upload rather than at start-up: multer and its MIME database are a
// tenth of the Lambda bundle's start-up work, and most requests are not uploads.
let multer: Promise<{ parser: RequestHandler; MulterError: typeof MulterError }> | undefined;
const loadMulter = () =>
  (multer ??= import('multer').then(({ default: load }) => ({
    parser: load({
      storage: load.memoryStorage(),
      limits: MULTIPART_LIMITS,
      // Browsers send file names as raw UTF-8; busboy's latin1 default garbles them.
      defParamCharset: 'utf8',
      // busboy's own basename turns ".." into an empty name and multer then drops the file; the
      // display-name rule (core/rules.ts) strips path parts itself.
      preservePath: true,
    }).single('file'),
    MulterError: load.MulterError,
  })));

const tooLarge = (): DomainError =>
  new DomainError('too_large', 'payload_too_large', `The file is larger than ${LIMITS.maxFileBytes} bytes (10 MiB).`, {
    details: { max_bytes: LIMITS.maxFileBytes },
  });

/** A request body as a stream with its headers: Express's request, or one built from a Lambda event. */
export type MultipartSource = Readable & { headers: IncomingHttpHeaders; body?: unknown; file?: Express.Multer.File };

/** Parses a multipart/form-data request into the upload form, translating every failure to a 4xx. */
export async function parseMultipart(request: MultipartSource, kind: FormKind = 'upload'): Promise<MultipartUpload> {
  if (!/^multipart\/form-data\s*;/i.test(request.headers['content-type'] ?? '')) {
    throw invalid('The upload must be sent as multipart/form-data with the image in the field \'file\'.', { field: 'file' });
  }
  if (Number(request.headers['content-length'] ?? 0) > MAX_UPLOAD_BODY_BYTES) throw tooLarge();

  const { parser, MulterError } = await loadMulter();
  await new Promise<void>((resolve, reject) => {
    // multer reads only the request; the response argument is part of the middleware shape.
    parser(request as never, undefined as never, (error: unknown) => (error === undefined ? resolve() : reject(multipartError(error, MulterError))));
  });

  const fields: Record<string, string> = {};
  for (const name of FORM_FIELDS[kind]) {
    const value: unknown = (request.body as Record<string, unknown> | undefined)?.[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(`The form field '${name}' was given more than once.`, { field: name });
    fields[name] = value;
  }
  const file = request.file;
  return {
    file: file === undefined ? undefined : { fieldName: file.fieldname, originalName: file.originalname, bytes: file.buffer },
    fields,
  };
}

function multipartError(error: unknown, multerError: typeof MulterError): DomainError {
  if (!(error instanceof multerError)) return invalid('The multipart body is malformed.');
  const field = error.field?.slice(0, 100);
  switch (error.code) {
    case 'LIMIT_FILE_SIZE':
      return tooLarge();
    case 'LIMIT_FILE_COUNT':
      return invalid('Only one file may be uploaded per request.', { field: 'file' });
    case 'LIMIT_UNEXPECTED_FILE':
      return field === 'file'
        ? invalid('Only one file may be uploaded per request.', { field: 'file' })
        : invalid(`Unexpected file field '${field ?? ''}': send the image in the field 'file'.`, { field: field ?? null });
    case 'LIMIT_FIELD_VALUE':
      return invalid(`The form field '${field ?? ''}' is too long.`, { field: field ?? null });
    case 'LIMIT_FIELD_KEY':
      return invalid('A form field name is too long.');
    case 'MISSING_FIELD_NAME':
      return invalid('A form part has no field name.');
    default:
      // LIMIT_PART_COUNT, LIMIT_FIELD_COUNT: more parts than a legal upload has.
      return invalid('The multipart body has too many parts or fields.');
  }
}
