// Answers are compressed for clients that accept it: a page of 20 images is 25 KB of JSON, 5 KB
// gzipped, and the gallery's files shrink by two thirds (bench/gallery.ts). What must not change:
// the bytes after decoding, the validators If-Match compares, and image bytes and ranges.
import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { chosenCoding } from '../../apps/http/compression.ts';
import { buildWeb } from '../../scripts/build-web.ts';
import { expressEntry, startApp } from '../support/app.ts';
import type { EntryPoint, TestApp } from '../support/app.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { upload } from '../support/upload.ts';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body is read as sent: fetch and supertest would decode it. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const decoded = (raw: Raw): Buffer =>
  raw.headers['content-encoding'] === 'br' ? brotliDecompressSync(raw.body) : raw.headers['content-encoding'] === 'gzip' ? gunzipSync(raw.body) : raw.body;

describe('compression: choosing a coding from Accept-Encoding', () => {
  it('prefers br, then gzip, honours q=0 and *, and sends identity otherwise', () => {
    expect(chosenCoding(undefined)).to.equal(undefined);
    expect(chosenCoding('gzip, deflate, br')).to.equal('br');
    expect(chosenCoding('gzip')).to.equal('gzip');
    expect(chosenCoding('br;q=0, gzip;q=0.5')).to.equal('gzip');
    expect(chosenCoding('BR;Q=0, GZIP')).to.equal('gzip');
    expect(chosenCoding('identity')).to.equal(undefined);
    expect(chosenCoding('*')).to.equal('br');
    expect(chosenCoding('*;q=0')).to.equal(undefined);
    expect(chosenCoding('deflate')).to.equal(undefined);
  });
});

for (const entry of [expressEntry, lambdaV2Entry] as EntryPoint[]) {
  describe(`compression through ${entry.name}`, () => {
    let app: TestApp;
    before(() => buildWeb(undefined, { quiet: true }));
    beforeEach(async () => {
      app = await startApp(entry, { env: { CORS_ORIGINS: 'http://localhost:5173' } });
      for (let i = 0; i < 12; i += 1) expect((await upload(app.url, { fields: { user_id: 'alice', title: `Photo ${i}`, tags: 'sea,sun' } })).status).to.equal(201);
    });
    afterEach(() => app.close());

    it('compresses a listing for a client that accepts br or gzip, to the same JSON, and says it varies', async () => {
      const plain = await rawGet(`${app.url}/images?limit=20&include_url=false`);
      expect(plain.headers['content-encoding']).to.equal(undefined);
      expect(plain.body.length).to.be.above(1024);
      for (const coding of ['br', 'gzip']) {
        const raw = await rawGet(`${app.url}/images?limit=20&include_url=false`, { 'accept-encoding': coding });
        expect(raw.status).to.equal(200);
        expect(raw.headers['content-encoding']).to.equal(coding);
        expect(raw.headers['content-type']).to.match(/^application\/json/);
        expect(raw.body.length, `${coding} smaller`).to.be.below(plain.body.length / 2);
        expect(JSON.parse(decoded(raw).toString('utf8'))).to.deep.equal(JSON.parse(plain.body.toString('utf8')));
        expect(String(raw.headers.vary)).to.match(/Accept-Encoding/);
      }
      expect(String(plain.headers.vary)).to.match(/Accept-Encoding/);
    });

    if (entry.answersCors) {
      it('keeps Vary: Origin from CORS beside Accept-Encoding', async () => {
        const raw = await rawGet(`${app.url}/images?limit=20`, { 'accept-encoding': 'gzip', origin: 'http://localhost:5173' });
        expect(String(raw.headers.vary).split(/,\s*/)).to.include.members(['Origin', 'Accept-Encoding']);
      });
    }

    it('leaves an answer with an ETag as it is, so If-Match compares the bytes it names', async () => {
      const listed = JSON.parse((await rawGet(`${app.url}/images?limit=1`)).body.toString('utf8')) as { images: { image_id: string }[] };
      const raw = await rawGet(`${app.url}/images/${listed.images[0]!.image_id}`, { 'accept-encoding': 'br, gzip' });
      expect(raw.status).to.equal(200);
      expect(raw.headers.etag).to.be.a('string');
      expect(raw.headers['content-encoding']).to.equal(undefined);
    });

    it("compresses the gallery's script, and sends small answers and image bytes as they are", async () => {
      const page = await rawGet(`${app.url}/`, { 'accept-encoding': 'br' });
      expect(page.status).to.equal(200);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(decoded(page).toString('utf8'))![1]!;
      const [plain, first, again] = [await rawGet(`${app.url}${script}`), await rawGet(`${app.url}${script}`, { 'accept-encoding': 'br' }), await rawGet(`${app.url}${script}`, { 'accept-encoding': 'br' })];
      expect(first.headers['content-encoding']).to.equal('br');
      expect(decoded(first).equals(plain.body)).to.equal(true);
      expect(again.body.equals(first.body)).to.equal(true);
      expect(first.body.length).to.be.below(plain.body.length / 2);

      const health = await rawGet(`${app.url}/health`, { 'accept-encoding': 'br' });
      expect(health.headers['content-encoding']).to.equal(undefined);
      const link = JSON.parse((await rawGet(`${app.url}/images?limit=1`)).body.toString('utf8')) as { images: { download_url: string }[] };
      const file = await rawGet(link.images[0]!.download_url, { 'accept-encoding': 'br, gzip' });
      expect(file.status).to.equal(200);
      expect(file.headers['content-encoding']).to.equal(undefined);
    });
  });
}
