import { expect } from 'chai';
import request from 'supertest';

export interface StartedDirectUpload {
  uploadId: string;
  url: string;
  fields: Record<string, string>;
}

/** POST /uploads, as a client starting a direct upload does. */
export async function startDirectUpload(apiUrl: string, metadata: Record<string, unknown>, headers: Record<string, string> = {}): Promise<StartedDirectUpload> {
  const response = await request(apiUrl).post('/uploads').set(headers).send(metadata);
  expect(response.status, JSON.stringify(response.body)).to.equal(201);
  return { uploadId: response.body.upload_id, url: response.body.upload.url, fields: response.body.upload.fields };
}

/** Sends the file straight to storage with the presigned form, as a browser's fetch would. */
export async function sendToStorage(started: StartedDirectUpload, file: Buffer, contentType: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(started.fields)) form.append(name, value);
  form.append('Content-Type', contentType);
  form.append('file', new Blob([file], { type: contentType }), 'upload.bin');
  return fetch(started.url, { method: 'POST', body: form });
}
