import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import type busboy from 'busboy';
import { DomainError, invalid, isDomainError } from '../../core/errors.ts';
import { LIMITS } from '../../core/rules.ts';
import { HttpError } from './errors.ts';
import { partHeaderFilter } from './part-headers.ts';
import type { MultipartUpload } from './types.ts';

type ClientError = DomainError | HttpError;
const isClientError = (error: unknown): error is ClientError => isDomainError(error) || error instanceof HttpError;

/**
 * The forms the service reads: the image upload, whose fields its route declares (an unknown
 * one is refused there), and the form a browser POSTs to a presigned POST URL the service serves
 * itself, which keeps only the fields of a policy, as S3 ignores the rest.
 */
export type FormKind = 'upload' | 'presigned-post';
const POLICY_FIELDS: readonly string[] = ['key', 'policy', 'signature', 'Content-Type'];

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

export const tooLarge = (): DomainError =>
  new DomainError('too_large', 'payload_too_large', `The file is larger than ${LIMITS.maxFileBytes} bytes (10 MiB).`, {
    details: { max_bytes: LIMITS.maxFileBytes },
  });

const TOO_MANY = (): DomainError => invalid('The multipart body has too many parts or fields.');

/**
 * Browsers escape LF, CR and `"` in field and file names as %0A, %0D and %22 (WHATWG HTML, form
 * serialisation) and busboy leaves them so. Only those three are reversed: a bare `%` is never
 * escaped, so decoding everything would corrupt a name such as `50%.jpg`.
 */
const decodeFormName = (name: string): string =>
  name.replace(/%0A|%0D|%22/gi, (escape) => ({ '%0A': '\n', '%0D': '\r', '%22': '"' })[escape.toUpperCase()] ?? escape);

/** A request body with the headers that describe it: Express's request, or one built from a Lambda event. */
export interface BodySource {
  stream: Readable;
  headers: IncomingHttpHeaders | Record<string, string | undefined>;
}

/** What a form's one file part is handed to, as it arrives; the text fields before it are known by then. */
export type FileReader<T> = (file: Readable, fields: Record<string, string>, originalName: string) => Promise<T>;

/**
 * Parses multipart/form-data with busboy: the text fields the form kind knows, and its one file
 * part, which `readFile` consumes as it streams in. Every failure becomes a 4xx DomainError;
 * what is left of the body is for the entry point to drain or drop.
 */
export async function readMultipart<T>(source: BodySource, kind: FormKind, readFile: FileReader<T>): Promise<{ fields: Record<string, string>; file: T | undefined }> {
  const contentType = source.headers['content-type'];
  if (typeof contentType !== 'string' || !/^multipart\/form-data\s*;/i.test(contentType)) {
    throw invalid("The upload must be sent as multipart/form-data with the image in the field 'file'.", { field: 'file' });
  }
  if (Number(source.headers['content-length'] ?? 0) > MAX_UPLOAD_BODY_BYTES) throw tooLarge();

  // Loaded by the first upload: most requests are not uploads, and a cold start is faster without it.
  const { default: makeParser } = await import('busboy');
  let parser: busboy.Busboy;
  try {
    parser = makeParser({
      headers: { ...source.headers, 'content-type': contentType },
      // One byte of room: busboy reports a file that reaches its limit, and 10 MiB exactly is allowed.
      limits: { ...MULTIPART_LIMITS, fileSize: kind === 'upload' ? MULTIPART_LIMITS.fileSize + 1 : Number.POSITIVE_INFINITY },
      // Browsers send file names as raw UTF-8; busboy's latin1 default garbles them.
      defParamCharset: 'utf8',
      // The display-name rule (core/rules.ts) strips path parts itself; busboy's would turn ".." into nothing.
      preservePath: true,
    });
  } catch {
    throw invalid('The multipart body is malformed.');
  }
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let file: Promise<T> | undefined;
  let failure: ClientError | undefined;
  const fail = (error: ClientError): void => {
    failure ??= error;
  };

  return new Promise((resolve, reject) => {
    const finish = (): void => {
      source.stream.unpipe();
      if (failure !== undefined) {
        // The file reader may still be waiting on bytes that will never come.
        file?.catch(() => {});
        reject(failure);
        return;
      }
      if (file === undefined) {
        resolve({ fields, file: undefined });
        return;
      }
      // A reader's own failure that is not the client's (a bug) stays what it is: a 500.
      file.then((value) => resolve({ fields, file: value }), reject);
    };

    parser.on('field', (rawName: string | undefined, value, info) => {
      if (rawName === undefined || rawName === '') return fail(invalid('A form part has no field name.'));
      // busboy does not apply its own name limit (mscdex/busboy#6), so it is checked here.
      if (info.nameTruncated || rawName.length > MULTIPART_LIMITS.fieldNameSize) return fail(invalid('A form field name is too long.'));
      const name = decodeFormName(rawName);
      if (info.valueTruncated) return fail(invalid(`The form field '${name.slice(0, 100)}' is too long.`, { field: name.slice(0, 100) }));
      if (kind === 'presigned-post' && !POLICY_FIELDS.includes(name)) return;
      if (name in fields) return fail(invalid(`The form field '${name}' was given more than once.`, { field: name }));
      fields[name] = value;
    });
    parser.on('file', (rawName: string | undefined, stream, info) => {
      if (rawName === undefined || rawName === '') return fail(invalid('A form part has no field name.')), void stream.resume();
      if (rawName.length > MULTIPART_LIMITS.fieldNameSize) return fail(invalid('A form field name is too long.')), void stream.resume();
      // An empty file name is how browsers send "no file chosen".
      if (failure !== undefined || info.filename === '' || info.filename === undefined) return void stream.resume();
      const name = decodeFormName(rawName);
      if (name !== 'file') {
        fail(invalid(`Unexpected file field '${name.slice(0, 100)}': send the image in the field 'file'.`, { field: name.slice(0, 100) }));
        return void stream.resume();
      }
      if (file !== undefined) return fail(invalid('Only one file may be uploaded per request.', { field: 'file' })), void stream.resume();
      // The reader gets its own stream: if it stops reading (a refusal), busboy's part is
      // drained instead, so the parser reaches the end and can say why.
      const bytes = new PassThrough();
      const drain = (): void => {
        stream.unpipe(bytes);
        stream.resume();
      };
      stream.once('limit', () => {
        fail(tooLarge());
        drain();
        bytes.destroy(tooLarge());
      });
      // A body that ends inside the file part: busboy fails the part, and the parser says why.
      stream.once('error', () => bytes.destroy(invalid('The multipart body is malformed.')));
      stream.pipe(bytes);
      file = readFile(bytes, { ...fields }, decodeFormName(info.filename));
      file.catch((error: unknown) => {
        if (isClientError(error)) fail(error);
        drain();
      });
    });
    parser.on('filesLimit', () => fail(invalid('Only one file may be uploaded per request.', { field: 'file' })));
    parser.on('fieldsLimit', () => fail(TOO_MANY()));
    parser.on('partsLimit', () => fail(TOO_MANY()));
    parser.once('error', (error: unknown) => {
      fail(isClientError(error) ? error : invalid('The multipart body is malformed.'));
      finish();
    });
    parser.once('close', finish);
    source.stream.once('error', (error: unknown) => {
      fail(isClientError(error) ? error : invalid('The upload was cut off before it ended.'));
      finish();
    });
    const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    const filtered = boundary === null ? source.stream : source.stream.pipe(partHeaderFilter(boundary[1] ?? boundary[2]!));
    filtered.pipe(parser);
  });
}

/**
 * The upload form with its file in memory (at most 10 MiB, counted as it arrives). With a declared
 * length the file is copied once into a buffer of that size, instead of into chunks and then
 * again into one buffer: half the memory at the peak of a burst of large uploads.
 */
export async function parseUpload(source: BodySource): Promise<MultipartUpload> {
  const declared = Number(source.headers['content-length']);
  const { fields, file } = await readMultipart(source, 'upload', async (stream, _fields, originalName) => {
    const whole = Number.isSafeInteger(declared) && declared > 0 && declared <= MAX_UPLOAD_BODY_BYTES ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.length > MULTIPART_LIMITS.fileSize) throw tooLarge();
      if (whole !== undefined && size + chunk.length <= whole.length) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    }
    const bytes = whole !== undefined && chunks.length === 0 ? whole.subarray(0, size) : Buffer.concat([...(whole === undefined ? [] : [whole.subarray(0, size - chunks.reduce((n, c) => n + c.length, 0))]), ...chunks]);
    return { fieldName: 'file', originalName, bytes };
  });
  return { fields, file };
}
