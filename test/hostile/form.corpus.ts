// The form around the file: every metadata field one unit past its limit, and multipart bodies
// shaped so that no legal upload looks like them.
import type { UploadFields } from '../support/upload.ts';
import { upload } from '../support/upload.ts';
import type { Rejection } from './corpus.ts';
import type { RawPart } from './raw-multipart.ts';
import { aliceField, postRaw, smallPng } from './raw-multipart.ts';

const refused = (name: string, send: Rejection['send'], more: Pick<Rejection, 'details' | 'message'> = {}): Rejection => ({
  name,
  status: 400,
  code: 'validation_error',
  ...more,
  send,
});

const withFields = (name: string, fields: UploadFields, field: string): Rejection =>
  refused(name, (url) => upload(url, { fields: { user_id: 'alice', ...fields } }), { details: { field } });

export const metadataRejections: Rejection[] = [
  withFields('a 201-character title', { title: 't'.repeat(201) }, 'title'),
  withFields('a blank title', { title: ' \t ' }, 'title'),
  withFields('a 1001-character description', { description: 'd'.repeat(1001) }, 'description'),
  withFields('11 tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`).join(',') }, 'tags'),
  withFields('a 51-character tag', { tags: `ok,${'x'.repeat(51)}` }, 'tags'),
  withFields('a tag with "<"', { tags: 'ok,<b>bold' }, 'tags'),
  withFields('a 129-character user_id', { user_id: 'u'.repeat(129) }, 'user_id'),
  withFields('a user_id with "/"', { user_id: 'alice/../bob' }, 'user_id'),
];

const field = (name: string, body = 'v'): RawPart => ({ disposition: `form-data; name="${name}"`, body });
const filePart = (disposition = 'form-data; name="file"; filename="a.png"'): RawPart => ({ disposition, contentType: 'image/png', body: smallPng() });
const raw = (parts: () => RawPart[]) => (url: string) => postRaw(url, parts());
const extraFields = (count: number): RawPart[] => Array.from({ length: count }, (_, i) => field(`x${i}`));

const TOO_MANY = 'too many parts or fields';

export const multipartRejections: Rejection[] = [
  refused('a field with an empty name', raw(() => [aliceField, field(''), filePart()]), { message: 'no field name' }),
  refused('a file part with no name at all', raw(() => [aliceField, filePart('form-data; filename="a.png"')]), { message: 'no field name' }),
  refused('a 200-character field name', raw(() => [aliceField, field('f'.repeat(200)), filePart()]), { message: 'field name is too long' }),
  refused('9 fields and a file', raw(() => [aliceField, ...extraFields(8), filePart()]), { message: TOO_MANY }),
  refused('12 parts', raw(() => [aliceField, ...extraFields(10), filePart()]), { message: TOO_MANY }),
  refused('a 9000-byte field', raw(() => [aliceField, field('note', 'n'.repeat(9000)), filePart()]), { details: { field: 'note' } }),
  // A part without a filename is a form field, not a file (RFC 7578 4.2; how browsers and every
  // parser tell them apart), so the form has no file, whatever bytes that field holds.
  refused('the image in a part named file without a filename', raw(() => [aliceField, filePart('form-data; name="file"')]), {
    details: { field: 'file' },
  }),
  refused('two files', raw(() => [aliceField, filePart(), filePart()]), { message: 'Only one file' }),
  refused('the file under another name', raw(() => [aliceField, filePart('form-data; name="image"; filename="a.png"')]), {
    details: { field: 'image' },
  }),
  refused('no file', raw(() => [aliceField, field('title', 'Sunset')]), { details: { field: 'file' } }),
];
