import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const MiB = 1024 * 1024;

/**
 * What a browser sees of an upload the service refuses for its size: the 413 itself, through
 * XHR and fetch, from a page on another origin, for bodies just over the limit and at twice it.
 * Closing the socket under a body still being sent shows up as a network error instead.
 */
describe(`the 413 for a too large upload, in Chromium${existsSync(CHROMIUM) ? '' : ' (pending: no Chromium at /usr/bin/chromium)'}`, function () {
  this.timeout(120_000);
  let service: ServerProcess;
  let browser: Browser;
  let page: Page;
  let pageOrigin: { url: string; close(): void };

  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    service = await startServerProcess({ STORAGE: 'memory', LOG_LEVEL: 'warn', CORS_ORIGINS: '*' });
    // Another origin, as a web app calling the API would be.
    const origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>client</title>'));
    await new Promise<void>((done) => origin.listen(0, '127.0.0.1', done));
    pageOrigin = { url: `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`, close: () => origin.close() };
    // playwright gives each launch a fresh profile of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
    });
    page = await browser.newPage();
    await page.goto(pageOrigin.url);
  });
  after(async () => {
    await browser?.close();
    pageOrigin?.close();
    await service?.stop();
  });

  for (const [label, bytes] of [['just over 10 MiB', 10 * MiB + 100 * 1024], ['20 MiB', 20 * MiB]] as const) {
    it(`reaches XHR as a 413 with its JSON, for ${label}`, async () => {
      const answer = await page.evaluate(
        ([api, size]) =>
          new Promise<{ status: number; body: string }>((resolve) => {
            const form = new FormData();
            form.append('user_id', 'alice');
            form.append('file', new Blob([new Uint8Array(size)], { type: 'image/jpeg' }), 'big.jpg');
            // This runs in the page; the test's own types know no DOM.
            const xhr = new (globalThis as unknown as { XMLHttpRequest: new () => { open(m: string, u: string): void; onload: () => void; onerror: () => void; status: number; responseText: string; send(b: unknown): void } }).XMLHttpRequest();
            xhr.open('POST', `${api}/images`);
            xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
            xhr.onerror = () => resolve({ status: -1, body: 'network error' });
            xhr.send(form);
          }),
        [service.url, bytes] as const,
      );
      expect(answer.status, answer.body).to.equal(413);
      expect(JSON.parse(answer.body)).to.include({ error: 'payload_too_large' });
    });

    it(`reaches fetch as a 413 with its JSON, for ${label}`, async () => {
      const answer = await page.evaluate(
        async ([api, size]) => {
          const form = new FormData();
          form.append('user_id', 'alice');
          form.append('file', new Blob([new Uint8Array(size)], { type: 'image/jpeg' }), 'big.jpg');
          try {
            const response = await fetch(`${api}/images`, { method: 'POST', body: form });
            return { status: response.status, body: await response.text() };
          } catch (error) {
            return { status: -1, body: String(error) };
          }
        },
        [service.url, bytes] as const,
      );
      expect(answer.status, answer.body).to.equal(413);
      expect(JSON.parse(answer.body)).to.include({ error: 'payload_too_large' });
    });
  }
});
