import request from 'supertest';
import type { Test } from 'supertest';
import { makeImage } from './images.ts';
import type { TestFormat } from './images.ts';

export interface UploadFields {
  user_id?: string;
  title?: string;
  description?: string;
  tags?: string;
}

export interface UploadOptions {
  fields?: UploadFields;
  file?: Buffer;
  fileName?: string;
  contentType?: string;
  format?: TestFormat;
}

/** POST /images as a browser form would send it; defaults to a valid 200x150 PNG from alice. */
export function upload(url: string, options: UploadOptions = {}): Test {
  const format = options.format ?? 'png';
  const fields: UploadFields = options.fields ?? { user_id: 'alice', title: 'Sunset', tags: 'nature,sunset,mountains' };
  let test = request(url).post('/images');
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) test = test.field(name, value);
  return test.attach('file', options.file ?? makeImage({ width: 200, height: 150, format, size: 4096 }), {
    filename: options.fileName ?? `photo.${format === 'jpeg' ? 'jpg' : format}`,
    contentType: options.contentType ?? `image/${format}`,
  });
}
