import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestApp } from '../support/app.ts';
import { makeImage } from '../support/images.ts';

const BOUNDARY = 'abort-boundary';
const DECLARED_BYTES = 2_000_000;

/**
 * Over a raw socket (supertest would always finish the body): declares a 2 MB upload, sends the
 * form up to half of its JPEG, then hangs up.
 */
export async function abortMidUpload(url: string): Promise<void> {
  const { hostname, port, host } = new URL(url);
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="user_id"\r\n\r\nalice\r\n`
      + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="half.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const file = makeImage({ width: 1000, height: 1000, format: 'jpeg', size: DECLARED_BYTES - head.length - tail.length });
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const headers = `POST /images HTTP/1.1\r\nHost: ${host}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${DECLARED_BYTES}\r\n\r\n`;
  await new Promise<void>((resolve, reject) =>
    socket.write(Buffer.concat([Buffer.from(headers), head, file.subarray(0, file.length / 2)]), (error) => (error ? reject(error) : resolve())));
  socket.destroy();
}

/**
 * Entries of the temporary folder a multipart parser could have written: named after multer, or
 * named as multer's disk storage names its files (16 random bytes in hex). Other processes share
 * the folder, so anything else that appears is not this test's business.
 */
export function parserTempEntries(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((name) => /multer|busboy/i.test(name) || /^[0-9a-f]{32}$/.test(name)));
}

/**
 * The log line the service writes when it has finished a request. Waiting for it is how the test
 * knows the aborted upload was dealt with; a handler that never settles leaves none.
 */
export async function finishedRequest(app: TestApp, method: string, path: string): Promise<Record<string, unknown>> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const line = app.logs.find((entry) => entry.msg === 'request' && entry.method === method && entry.path === path);
    if (line !== undefined) return line;
    await sleep(20);
  }
  throw new Error(`${method} ${path} never finished: the handler of the aborted upload is still pending`);
}
