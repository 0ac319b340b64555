import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { expressEntry, startApp } from '../support/app.ts';
import type { EntryPoint, TestApp } from '../support/app.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { freePort } from '../support/server-process.ts';
import { upload } from '../support/upload.ts';
import { expectError, expectNothingStored } from './expect.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const JWT_ENV = { IDENTITY: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'image-service' };

async function hs256(sub: string, changes: { issuer?: string; audience?: string; expiresAt?: number; secret?: string } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(changes.issuer ?? JWT_ENV.JWT_ISSUER)
    .setAudience(changes.audience ?? JWT_ENV.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(changes.expiresAt ?? Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(changes.secret ?? SECRET));
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

for (const entry of [expressEntry, lambdaV2Entry] as EntryPoint[]) {
  describe(`jwt identity through ${entry.name}`, () => {
    let app: TestApp;
    beforeEach(async () => (app = await startApp(entry, { env: JWT_ENV })));
    afterEach(() => app.close());

    const uploadAs = async (token: string | undefined, userId?: string) => {
      let test = upload(app.url, { fields: userId === undefined ? { title: 'mine' } : { user_id: userId, title: 'mine' } });
      if (token !== undefined) test = test.set(bearer(token));
      return test;
    };

    it('makes the verified sub the owner of an upload', async () => {
      const response = await uploadAs(await hs256('alice'));
      expect(response.status, JSON.stringify(response.body)).to.equal(201);
      expect(response.body.image.user_id).to.equal('alice');
      expect((await uploadAs(await hs256('alice'), 'alice')).status).to.equal(201);
    });

    it('refuses writes without a valid token (401) and a user_id that is not the caller (403), storing nothing', async () => {
      const now = Math.floor(Date.now() / 1000);
      const bad = [
        undefined,
        await hs256('alice', { expiresAt: now - 10 }),
        await hs256('alice', { issuer: 'https://evil.test' }),
        await hs256('alice', { audience: 'another-service' }),
        await hs256('alice', { secret: 'another-secret-that-is-long-enough-too!!' }),
        // An unsigned token ("alg":"none") must never pass.
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', iss: JWT_ENV.JWT_ISSUER, aud: JWT_ENV.JWT_AUDIENCE, exp: now + 600 })).toString('base64url')}.`,
      ];
      for (const token of bad) expectError(await uploadAs(token, 'alice'), 401, 'unauthorized');
      expectError(await upload(app.url).set('Authorization', 'Basic YWxpY2U6cHc='), 401, 'unauthorized');
      expectError(await uploadAs(await hs256('mallory'), 'alice'), 403, 'forbidden');
      await expectNothingStored(app);
    });

    it('checks delete ownership against the token, never X-User-Id', async () => {
      const id = (await uploadAs(await hs256('alice'))).body.image_id as string;
      expectError(await request(app.url).delete(`/images/${id}`).set('X-User-Id', 'alice'), 401, 'unauthorized');
      expectError(await request(app.url).delete(`/images/${id}`).set(bearer(await hs256('mallory'))).set('X-User-Id', 'alice'), 403, 'forbidden');
      expect((await request(app.url).delete(`/images/${id}`).set(bearer(await hs256('alice')))).status).to.equal(200);
    });

    it("keeps a trash, an erasure and the lifecycle writes to the token's owner, never X-User-Id", async () => {
      const alice = bearer(await hs256('alice'));
      const id = (await uploadAs(await hs256('alice'))).body.image_id as string;
      expect((await request(app.url).delete(`/images/${id}`).set(alice)).status).to.equal(200);
      for (const path of ['/users/alice/trash', '/users/alice/erasure']) {
        expectError(await request(app.url).get(path).set('X-User-Id', 'alice'), 401, 'unauthorized');
        expectError(await request(app.url).get(path).set(bearer(await hs256('mallory'))).set('X-User-Id', 'alice'), 403, 'forbidden');
      }
      expect((await request(app.url).get('/users/alice/trash').set(alice)).body.images).to.have.length(1);
      expectError(await request(app.url).post(`/images/${id}/restore`).set('X-User-Id', 'alice'), 401, 'unauthorized');
      expect((await request(app.url).post(`/images/${id}/restore`).set(alice)).status).to.equal(200);
      expectError(await request(app.url).patch(`/images/${id}`).set(bearer(await hs256('mallory'))).send({ title: 'mine' }), 403, 'forbidden');
      expectError(await request(app.url).delete('/users/alice/images?purge=true').set('X-User-Id', 'alice'), 401, 'unauthorized');
      expect((await request(app.url).delete('/users/alice/images?purge=true').set(alice)).status).to.equal(200);
    });

    it('refuses a signed token whose sub is not a non-empty string (401), storing nothing', async () => {
      const withSub = (sub: unknown) =>
        new SignJWT({ sub } as never)
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(JWT_ENV.JWT_ISSUER)
          .setAudience(JWT_ENV.JWT_AUDIENCE)
          .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
          .sign(new TextEncoder().encode(SECRET));
      for (const sub of [123, ['alice'], { id: 'alice' }, '', '   ', true]) {
        const response = await uploadAs(await withSub(sub));
        expectError(response, 401, 'unauthorized');
        expect(response.body.message, JSON.stringify(sub)).to.include('sub');
      }
      await expectNothingStored(app);
    });

    it('takes the Bearer scheme in any case (RFC 9110)', async () => {
      const token = await hs256('alice');
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        const response = await upload(app.url, { fields: { title: scheme } }).set('Authorization', `${scheme} ${token}`);
        expect(response.status, scheme).to.equal(201);
        expect(response.body.image.user_id).to.equal('alice');
      }
    });

    it('keeps reads open, but refuses a bad token wherever it is sent', async () => {
      expect((await request(app.url).get('/images')).status).to.equal(200);
      expect((await request(app.url).get('/images').set(bearer(await hs256('alice')))).status).to.equal(200);
      expectError(await request(app.url).get('/images').set(bearer('not.a.token')), 401, 'unauthorized');
    });
  });
}

describe('jwt identity with a JWKS URL', () => {
  let app: TestApp;
  let jwks: ReturnType<typeof createServer>;
  let jwksUrl: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;

  before(async () => {
    keys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => jwks.close());
  afterEach(() => app.close());

  const rs256 = (sub: string) =>
    new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject(sub).setIssuer('https://issuer.test').setAudience('image-service').setExpirationTime('10m').sign(keys.privateKey);
  const env = (url: string) => ({ IDENTITY: 'jwt', JWT_JWKS_URL: url, JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'image-service' });

  it("verifies tokens against the issuer's key set and refuses HS256 tokens there", async () => {
    app = await startApp(expressEntry, { env: env(jwksUrl) });
    const ok = await upload(app.url, { fields: { title: 'jwks' } }).set(bearer(await rs256('alice')));
    expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
    expect(ok.body.image.user_id).to.equal('alice');
    expectError(await upload(app.url).set(bearer(await hs256('alice'))), 401, 'unauthorized');
  });

  it('answers 503 rather than 401 when the key set cannot be fetched', async () => {
    app = await startApp(expressEntry, { env: env(`http://127.0.0.1:${await freePort()}/jwks.json`) });
    expectError(await upload(app.url).set(bearer(await rs256('alice'))), 503, 'service_unavailable');
    await expectNothingStored(app);
  });
});

describe('write rate limits (Express)', () => {
  let app: TestApp;
  afterEach(() => app.close());

  it('refuses writes past the per-IP limit with 429, leaving reads alone', async () => {
    app = await startApp(expressEntry, { env: { RATE_LIMIT_WRITES_PER_IP: '3' } });
    for (let i = 0; i < 3; i += 1) expect((await upload(app.url)).status).to.equal(201);
    const limited = await upload(app.url);
    expectError(limited, 429, 'rate_limited');
    expect(limited.headers).to.have.property('ratelimit');
    expect((await request(app.url).get('/images')).body.images).to.have.length(3);
  });

  it('says the same wait in its message, its details and Retry-After, and logs the 429 like any answer', async () => {
    app = await startApp(expressEntry, { env: { RATE_LIMIT_WRITES_PER_IP: '1' } });
    expect((await upload(app.url)).status).to.equal(201);
    const limited = await upload(app.url);
    expectError(limited, 429, 'rate_limited');
    const seconds = Number(limited.headers['retry-after']);
    expect(seconds).to.be.within(1, 60);
    expect(limited.body.details.retry_after_seconds).to.equal(seconds);
    expect(limited.body.message).to.include(`Try again in ${seconds} second`);
    expect(app.logs.some((line) => line.msg === 'request' && line.status === 429 && line.request_id === limited.body.request_id), 'a request log line for the 429').to.equal(true);
  });

  it('counts a header-mode upload against the user_id its form names', async () => {
    app = await startApp(expressEntry, { env: { RATE_LIMIT_WRITES_PER_CALLER: '2' } });
    for (let i = 0; i < 2; i += 1) expect((await upload(app.url, { fields: { user_id: 'alice' } })).status).to.equal(201);
    expectError(await upload(app.url, { fields: { user_id: 'alice' } }), 429, 'rate_limited');
    expect((await upload(app.url, { fields: { user_id: 'bob' } })).status, "bob's allowance is his own").to.equal(201);
    expectError(await request(app.url).delete('/images/nope').set('X-User-Id', 'alice'), 429, 'rate_limited');
  });

  it('gives each caller its own allowance', async () => {
    app = await startApp(expressEntry, { env: { RATE_LIMIT_WRITES_PER_CALLER: '2' } });
    for (let i = 0; i < 2; i += 1) expect((await request(app.url).delete('/images/nope').set('X-User-Id', 'alice')).status).to.equal(404);
    expectError(await request(app.url).delete('/images/nope').set('X-User-Id', 'alice'), 429, 'rate_limited');
    expect((await request(app.url).delete('/images/nope').set('X-User-Id', 'bob')).status).to.equal(404);
  });
});
