import request from 'supertest';
import type { Test } from 'supertest';
import { makeImage } from '../support/images.ts';

/** One part as a hostile client writes it: the Content-Disposition value is sent byte for byte. */
export interface RawPart {
  disposition: string | Buffer;
  contentType?: string;
  body: string | Buffer;
}

const BOUNDARY = 'hostile-boundary-7MA4YWxkTrZu0gW';

/** A form-data body built by hand, so names reach the server exactly as written (form-data would escape them). */
export function rawMultipart(parts: readonly RawPart[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: `), Buffer.from(part.disposition));
    if (part.contentType !== undefined) chunks.push(Buffer.from(`\r\nContent-Type: ${part.contentType}`));
    chunks.push(Buffer.from('\r\n\r\n'), Buffer.from(part.body), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

export function postRaw(url: string, parts: readonly RawPart[]): Test {
  return request(url).post('/images').set('content-type', `multipart/form-data; boundary=${BOUNDARY}`).send(rawMultipart(parts));
}

export const aliceField: RawPart = { disposition: 'form-data; name="user_id"', body: 'alice' };

export const smallPng = (): Buffer => makeImage({ width: 100, height: 100, format: 'png', size: 2048 });

/** alice's upload of a valid PNG whose part carries `fileParams` after `name="file"`. */
export function postRawFile(url: string, fileParams: string | Buffer): Test {
  const disposition = Buffer.concat([Buffer.from('form-data; name="file"; '), Buffer.from(fileParams)]);
  return postRaw(url, [aliceField, { disposition, contentType: 'image/png', body: smallPng() }]);
}

/** RFC 2616 quoted-string: only `"` and `\` are escaped, every other byte (UTF-8, controls, CR/LF) is literal. */
export const quoted = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;
