// The defects of the outside audit (issue "Hardening from an outside audit"), each kept as a case
// that failed before its fix: dates that made 500s or sorted wrong, text that hid or reordered
// what is displayed, and parameters or fields that were silently ignored.
import request from 'supertest';
import type { UploadFields } from '../support/upload.ts';
import { upload } from '../support/upload.ts';
import type { Rejection } from './corpus.ts';

const listWith = (query: Record<string, string>) => (url: string) => request(url).get('/images').query(query);

const badDate = (field: 'start_date' | 'end_date', value: string, why: string): Rejection => ({
  name: `${field}=${value} (${why})`,
  status: 400,
  code: 'validation_error',
  details: { field },
  send: listWith({ [field]: value }),
});

export const dateRejections: Rejection[] = [
  badDate('start_date', '2024-01-01T00:00:00+99:99', 'an offset of 99 hours'),
  badDate('start_date', '2024-01-01T00:00:00+24:00', 'an offset of 24 hours'),
  badDate('start_date', '2024-01-01T00:00:00-23:60', 'an offset of 60 minutes'),
  badDate('end_date', '9999-12-31T23:59:59-23:59', 'year 10000 once in UTC, which would sort before every date'),
  badDate('start_date', '9999-12-31T23:59:59-23:59', 'year 10000 once in UTC'),
];

const withText = (name: string, fields: UploadFields, field: string): Rejection => ({
  name,
  status: 400,
  code: 'validation_error',
  details: { field },
  send: (url) => upload(url, { fields: { user_id: 'alice', ...fields } }),
});

export const textRejections: Rejection[] = [
  withText('a title holding NUL', { title: 'a\u0000b' }, 'title'),
  withText('a title with a right-to-left override', { title: 'photo\u202Egnp.exe' }, 'title'),
  withText('a title of zero-width spaces only', { title: '\u200B\u200B\u200B' }, 'title'),
  withText('a title of word joiners and a BOM', { title: '\u2060\uFEFF' }, 'title'),
  withText('a description with an escape sequence', { description: 'red \u001B[31m text' }, 'description'),
  withText('a description with a bidirectional isolate', { description: 'a \u2067b\u2069 c' }, 'description'),
  withText('a tag with a bidirectional override', { tags: 'sea,a\u202Eb' }, 'tags'),
];

export const silentMistakes: Rejection[] = [
  {
    name: 'an unknown query parameter (?tag= for ?tags=)',
    status: 400,
    code: 'validation_error',
    details: { field: 'tag' },
    message: 'accepts: limit, page_token, start_date, end_date, include_url, user_id, tags',
    send: listWith({ tag: 'nature' }),
  },
  {
    name: 'an unknown query parameter on one image',
    status: 400,
    code: 'validation_error',
    details: { field: 'expires' },
    send: (url) => request(url).get('/images/anything').query({ expires: '60' }),
  },
  {
    name: 'an unknown form field (tag for tags)',
    status: 400,
    code: 'validation_error',
    details: { field: 'tag' },
    send: (url) => upload(url, { fields: { user_id: 'alice', tag: 'nature' } as UploadFields }),
  },
  {
    name: 'a query parameter given twice',
    status: 400,
    code: 'validation_error',
    details: { field: 'limit' },
    send: (url) => request(url).get('/images?limit=1&limit=2'),
  },
];
