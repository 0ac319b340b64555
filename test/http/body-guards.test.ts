import { expect } from 'chai';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expressLocalEntry, startApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { makeImage } from '../support/images.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

const MiB = 1024 * 1024;
const BOUNDARY = 'guard-boundary';

/** Starts a multipart upload over a raw socket declaring `declared` bytes, and sends only `sent` of them. */
async function partialUpload(url: string, declared: number, sent: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const answer = new Promise<string>((resolve) => {
    socket.once('close', () => resolve(received));
    socket.once('error', () => resolve(received));
  });
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="user_id"\r\n\r\nalice\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  socket.write(`POST /images HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${declared}\r\n\r\n${head}`);
  socket.write(Buffer.alloc(Math.max(sent - head.length, 0), 0xab));
  return { socket, answer };
}

async function formUpload(url: string, file: Buffer): Promise<Response> {
  const form = new FormData();
  form.append('user_id', 'alice');
  form.append('file', new Blob([file], { type: 'image/jpeg' }), 'photo.jpg');
  return fetch(`${url}/images`, { method: 'POST', body: form });
}

describe('request bodies: memory budget, stalled clients, early answers (Express)', function () {
  this.timeout(60_000);
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers 503 with Retry-After once the uploads in flight hold the budget, and takes uploads again when they end', async () => {
    app = await startApp(expressLocalEntry, { env: { UPLOAD_BUDGET_MB: '11' } });
    const slow = await partialUpload(app.url, 10 * MiB, 64 * 1024);
    await sleep(100);
    const refused = await formUpload(app.url, makeImage({ width: 100, height: 100, format: 'jpeg', size: 2 * MiB }));
    expect(refused.status).to.equal(503);
    expect(refused.headers.get('retry-after')).to.equal('5');
    const body = (await refused.json()) as { error: string; message: string; details: { retry_after_seconds: number } };
    expect(body.error).to.equal('service_unavailable');
    expect(body.message).to.include('try again in 5 seconds');
    expect(body.details.retry_after_seconds).to.equal(5);

    slow.socket.destroy();
    await slow.answer;
    await sleep(100);
    const accepted = await formUpload(app.url, makeImage({ width: 100, height: 100, format: 'jpeg', size: 2 * MiB }));
    expect(accepted.status, 'the budget came back when the stalled upload went away').to.equal(201);
    expect(await app.objectCount()).to.equal(1);
  });

  it('cuts off a body that stops arriving with 408, frees its share of the budget, and stores nothing', async () => {
    app = await startApp(expressLocalEntry, { env: { BODY_IDLE_TIMEOUT_SECONDS: '1', UPLOAD_BUDGET_MB: '11' } });
    const started = Date.now();
    const stalled = await partialUpload(app.url, 5 * MiB, 200 * 1024);
    const answer = await stalled.answer;
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
    expect(answer).to.include('"error":"request_timeout"');
    expect(Date.now() - started, 'answered after about the idle timeout').to.be.within(900, 5000);
    expect(await app.objectCount()).to.equal(0);
    const next = await formUpload(app.url, makeImage({ width: 100, height: 100, format: 'jpeg', size: 9 * MiB }));
    expect(next.status).to.equal(201);
  });

  describe('an early 413, read by a client in another process (in one process the timing hides the bug)', () => {
    let server: ServerProcess;
    before(async () => (server = await startServerProcess({ STORAGE: 'memory', LOG_LEVEL: 'silent' })));
    after(() => server.stop());

    for (const [label, bytes] of [['just over 10 MiB', 10 * MiB + 100 * 1024], ['11 MB', 11_000_000], ['20 MiB', 20 * MiB]] as const) {
      it(`lets Node's fetch read the 413 for a ${label} upload instead of failing with EPIPE`, async () => {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const response = await formUpload(server.url, makeImage({ width: 1000, height: 1000, format: 'jpeg', size: bytes }));
          expect(response.status).to.equal(413);
          expect(((await response.json()) as { error: string }).error).to.equal('payload_too_large');
        }
        const listed = (await (await fetch(`${server.url}/images`)).json()) as { images: unknown[] };
        expect(listed.images).to.deep.equal([]);
      });
    }
  });
});
