import { expect } from 'chai';
import { parse } from 'content-disposition';
import request from 'supertest';
import type { Response } from 'supertest';
import { expectError, expectNothingStored } from '../http/expect.ts';
import { expressEntry, expressLocalEntry, startApp } from '../support/app.ts';
import type { EntryPoint, TestApp } from '../support/app.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { upload } from '../support/upload.ts';
import { abortMidUpload, finishedRequest, parserTempEntries } from './client-abort.ts';
import { CORPUS } from './corpus.ts';

async function expectServing(app: TestApp): Promise<void> {
  const health = await request(app.url).get('/health');
  expect(health.status).to.equal(200);
  expect(health.body.status).to.equal('healthy');
}

/** Exactly `count` images, in the catalog and in the blob store alike. */
async function expectStored(app: TestApp, count: number): Promise<void> {
  const list = await request(app.url).get('/images');
  expect(list.body.images).to.have.length(count);
  expect(await app.objectCount(), 'objects in the blob store').to.equal(count);
}

// Nothing the API returns is a page: whatever the data holds, a browser must not run or sniff it.
function expectInertJson(response: Response): void {
  expect(response.headers['content-type']).to.match(/^application\/json/);
  expect(response.headers['x-content-type-options']).to.equal('nosniff');
  expect(response.headers['content-security-policy']).to.match(/(^|;)\s*default-src 'none'/);
}

function expectSafeDisplayName(fileName: string): void {
  expect(fileName).to.be.a('string');
  expect(fileName).not.to.match(/[/\\"\u202E\p{Cc}]/u);
  expect([...fileName].length).to.be.at.most(255);
}

for (const entry of [expressEntry, expressLocalEntry, lambdaV2Entry] as EntryPoint[]) {
  describe(`hostile input through ${entry.name}`, () => {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(entry)));
    afterEach(() => app.close());

    for (const [category, cases] of Object.entries(CORPUS.rejections)) {
      describe(category, () => {
        for (const hostile of cases) {
          it(`refuses ${hostile.name}: ${hostile.status} ${hostile.code}, stores nothing, keeps serving`, async () => {
            const response = await hostile.send(app.url);
            expectError(response, hostile.status, hostile.code);
            if (hostile.details !== undefined) expect(response.body.details).to.deep.include(hostile.details);
            if (hostile.message !== undefined) expect(response.body.message).to.include(hostile.message);
            expect(response.headers['set-cookie']).to.equal(undefined);
            await expectNothingStored(app);
            await expectServing(app);
          });
        }
      });
    }

    describe('content decided from the bytes', () => {
      for (const decided of CORPUS.byteDecided) {
        it(`stores ${decided.name} as ${decided.contentType}`, async () => {
          const response = await decided.send(app.url);
          expect(response.status, JSON.stringify(response.body)).to.equal(201);
          expect(response.body.image).to.deep.include({ content_type: decided.contentType, format: decided.format });
          const download = await request(response.body.image.download_url).get('');
          expect(download.status).to.equal(200);
          expect(download.headers['content-type']).to.equal(decided.contentType);
          await expectStored(app, 1);
          await expectServing(app);
        });
      }
    });

    describe('hostile file names', () => {
      for (const named of CORPUS.names) {
        it(`accepts ${named.name}, naming it ${JSON.stringify(named.fileName.slice(0, 40))}`, async () => {
          const response = await named.send(app.url);
          expect(response.status, JSON.stringify(response.body)).to.equal(201);
          const { file_name: fileName, download_url: downloadUrl } = response.body.image;
          expect(fileName).to.equal(named.fileName);
          expectSafeDisplayName(fileName);

          const download = await request(downloadUrl).get('');
          expect(download.status).to.equal(200);
          const disposition = download.headers['content-disposition'] ?? '';
          expect(disposition).not.to.match(/[\r\n]/);
          const parsed = parse(disposition);
          expect(parsed.type).to.equal('inline');
          expect(parsed.parameters.filename).to.equal(fileName);
          await expectStored(app, 1);
          await expectServing(app);
        });
      }
    });

    it('returns script-bearing metadata as inert JSON data, byte for byte', async () => {
      const title = '<script>alert(1)</script>';
      const description = '<img src=x onerror=alert(1)>';
      const created = await upload(app.url, { fields: { user_id: 'alice', title, description } });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const id: string = created.body.image_id;
      for (const response of [created, await request(app.url).get(`/images/${id}`), await request(app.url).get('/images')]) {
        expectInertJson(response);
        expect(response.text).to.include(`"title":${JSON.stringify(title)}`).and.include(`"description":${JSON.stringify(description)}`);
      }
      expect(created.body.image).to.deep.include({ title, description });
      await expectStored(app, 1);
      await expectServing(app);
    });

    describe('forged page tokens', () => {
      let genuine: string;
      beforeEach(async () => {
        for (const title of ['first', 'second']) expect((await upload(app.url, { fields: { user_id: 'alice', title } })).status).to.equal(201);
        genuine = (await request(app.url).get('/images').query({ limit: 1 })).body.next_page_token;
        expect(genuine).to.be.a('string');
      });

      for (const forged of CORPUS.tokens) {
        it(`refuses ${forged.name} with 400 invalid_page_token and no images`, async () => {
          const response = await request(app.url).get('/images').query({ limit: 1, ...forged.query, page_token: forged.forge(genuine) });
          expectError(response, 400, 'invalid_page_token');
          expect(response.body).not.to.have.property('images');
          // The two images stored to get a genuine token, and no more.
          await expectStored(app, 2);
          await expectServing(app);
        });
      }
    });

    // Behind API Gateway the whole body arrives before the handler runs, so only a streaming
    // server ever sees half an upload.
    if (entry.streamsBodies) {
      it('forgets an upload whose client hangs up halfway: nothing stored, no temporary file, keeps serving', async () => {
        const before = parserTempEntries();
        await abortMidUpload(app.url);
        const line = await finishedRequest(app, 'POST', '/images');
        expect(line.status, 'status logged for the aborted upload').to.be.within(400, 499);
        await expectNothingStored(app);
        expect([...parserTempEntries()].filter((name) => !before.has(name)), 'new temporary files').to.deep.equal([]);
        await expectServing(app);
      });
    }
  });
}
