// Hostile cases for the lifecycle and for retries (shared/design/api.md, "Lifecycle" and "Retries:
// Idempotency-Key"): forged, oversize and foreign keys, bursts of identical retries, and writes that
// race each other on one image. Every case ends by asking where the image stands on every route at
// once (lifecycle-probes.ts), so a half state cannot hide behind a plausible answer.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import request from 'supertest';
import type { Response } from 'supertest';
import { createLambdaHandler } from '../../apps/lambda-handler.ts';
import { TOKENS } from '../../apps/tokens.ts';
import { IDEMPOTENCY } from '../../core/use-cases/idempotency.ts';
import { expressEntry, startApp } from '../support/app.ts';
import type { EntryPoint, StartOptions, TestApp, TestBackend } from '../support/app.ts';
import { useAwsTestStack } from '../support/aws-test-stack.ts';
import { lambdaV2Entry } from '../support/lambda-entry.ts';
import { upload } from '../support/upload.ts';
import { expectError } from '../http/expect.ts';
import { alice, bob, expectErased, expectObjects, expectOneRan, get, ids, patch, photo, seed, standingOf, storageKeyOf, tickEveryReading } from './lifecycle-probes.ts';

const BURST = 8;

/** A header value carrying these bytes as they are sent: Node writes header strings as latin1. */
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

const remove = (app: TestApp, id: string, who: Record<string, string> = alice) => request(app.url).delete(`/images/${id}`).set(who);
const erase = (app: TestApp, id: string, who: Record<string, string> = alice) => request(app.url).delete(`/images/${id}`).query({ purge: 'true' }).set(who);
const restore = (app: TestApp, id: string, who: Record<string, string> = alice) => request(app.url).post(`/images/${id}/restore`).set(who);

/** A promise opened from outside: where a test holds one request until another got somewhere. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

type Held = 'create' | 'saveEdit' | 'markDeleted' | 'beginPurge';

/**
 * Holds the one request of a burst that runs inside the catalog's `method` until every request of
 * the burst has reached the key store, so they all overlap it (a quick route would otherwise
 * answer before the next request is read). Gives up holding after a few seconds, for a service
 * that lets fewer requests through. @returns the undo.
 */
function holdUntilAllClaimed(app: TestApp, method: Held, count: number): () => void {
  const store = app.container.get(TOKENS.IdempotencyStore);
  const catalog = app.container.get(TOKENS.ImageCatalog) as unknown as Record<Held, (...args: unknown[]) => Promise<unknown>>;
  const [claim, original] = [store.claim, catalog[method]];
  const all = gate();
  let claims = 0;
  store.claim = async (...args) => {
    try {
      return await claim.apply(store, args);
    } finally {
      claims += 1;
      if (claims >= count) all.open();
    }
  };
  catalog[method] = async (...args) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all.opened, new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
    clearTimeout(timer);
    return original.apply(catalog, args);
  };
  return () => {
    store.claim = claim;
    catalog[method] = original;
  };
}

/** Sends a request now (supertest sends on `then`), so several can be in flight at once. */
const fire = (test: PromiseLike<Response>): Promise<Response> => Promise.resolve(test.then((response) => response));

/** The answer a replay must repeat exactly: status, body bytes, and the headers the first answer carried. */
function expectSameAnswer(replay: Response, first: Response): void {
  expect(replay.headers['idempotent-replayed']).to.equal('true');
  expect(replay.status).to.equal(first.status);
  expect(replay.text, 'a replay is the first answer byte for byte').to.equal(first.text);
  for (const name of ['location', 'etag']) expect(replay.headers[name], name).to.equal(first.headers[name]);
}

/** A request the way a raw client writes it, so header bytes that Node's own client refuses to send still go out. */
function rawRequest(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(Buffer.from(`${head}Host: ${hostname}\r\nConnection: close\r\n\r\n`, 'latin1')));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** An API Gateway HTTP API (2.0) event as the platform would hand it to the handler, headers as given. */
function eventV2(method: string, path: string, rawQueryString: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString,
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'hostile' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

const JWT_SECRET = 'a-hostile-secret-that-is-long-enough-for-hs256';
const JWT_ENV = { IDENTITY: 'jwt', JWT_SECRET, JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'image-service' };

function token(sub: string, secret = JWT_SECRET): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(JWT_ENV.JWT_ISSUER)
    .setAudience(JWT_ENV.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(secret));
}

interface Setup {
  entry: EntryPoint;
  options: () => StartOptions;
  /** Rounds of each free-running race: fewer on the test servers, where a round costs more. */
  rounds: number;
}

function hostileLifecycleCases({ entry, options, rounds }: Setup): void {
  let app: TestApp;
  beforeEach(async () => (app = await startApp(entry, options())));
  afterEach(() => app.close());

  describe('Idempotency-Key abuse', () => {
    it('refuses forged and oversize keys on every keyed write with a 400 naming the header, changing and keeping nothing', async () => {
      const id = await seed(app, 'alice', 'sea,sun');
      const key = await storageKeyOf(app, id);
      const before = await get(app, id);
      const overLimit = IDEMPOTENCY.maxKeyChars + 1;
      const forged = [
        '',
        'k'.repeat(overLimit),
        // A draft-style sf-string (quotes included) one character over the documented limit.
        `"${'q'.repeat(overLimit - 2)}"`,
        // The one control character HTTP parsers let through.
        'tab\there',
        utf8('clé-🔑'),
        'key-\xff',
      ];
      const writes: [string, (k: string) => PromiseLike<Response>][] = [
        ['POST /images', (k) => upload(app.url, { file: photo(), fields: { user_id: 'alice', title: 'Forged', tags: 'forged' } }).set('Idempotency-Key', k)],
        ['POST /uploads', (k) => request(app.url).post('/uploads').set('Idempotency-Key', k).send({ user_id: 'alice', title: 'Forged' })],
        ['PATCH /images/{id}', (k) => patch(app, id, { title: 'Forged', tags: 'forged' }).set('Idempotency-Key', k)],
        ['DELETE /images/{id}', (k) => remove(app, id).set('Idempotency-Key', k)],
        ['DELETE /images/{id}?purge=true', (k) => erase(app, id).set('Idempotency-Key', k)],
        ['DELETE /users/alice/images?purge=true', (k) => request(app.url).delete('/users/alice/images').query({ purge: 'true' }).set(alice).set('Idempotency-Key', k)],
      ];
      for (const [name, write] of writes) {
        for (const k of forged) {
          const answer = await write(k);
          expectError(answer as Response, 400, 'validation_error');
          expect(answer.body.details?.field, `${name} with key ${JSON.stringify(k)}`).to.equal('Idempotency-Key');
        }
      }
      // Nothing ran: the image is as it was, nothing new exists, and no key was claimed.
      expect((await standingOf(app, id, key, 'alice', ['sea', 'sun'])).standing).to.equal('live');
      const after = await get(app, id);
      expect(after.headers.etag, 'no edit ran').to.equal(before.headers.etag);
      expect(after.body.title).to.equal('Sunset');
      expect(await ids(app, '/images')).to.deep.equal([id]);
      expect(await ids(app, '/tags/forged/images')).to.deep.equal([]);
      expect(await app.objectCount()).to.equal(1);
      const store = app.container.get(TOKENS.IdempotencyStore);
      const now = app.clock.now().getTime();
      for (const k of forged.filter((k) => k !== '')) {
        const probe = { fingerprint: 'probe', lockedUntil: new Date(now + 1000).toISOString(), expiresAt: new Date(now + 1000).toISOString() };
        expect(await store.claim('alice', k, probe, new Date(now).toISOString()), `a record under ${JSON.stringify(k)}`).to.equal(undefined);
      }

      // The limit itself is a key: one at exactly the documented length runs, then replays.
      const atLimit = 'k'.repeat(IDEMPOTENCY.maxKeyChars);
      const edit = () => patch(app, id, { title: 'At the limit' }).set('Idempotency-Key', atLimit);
      const edited = await edit();
      expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
      expect(edited.headers['idempotent-replayed']).to.equal(undefined);
      expectSameAnswer(await edit(), edited);
    });

    it('refuses keys with control characters: the HTTP parser stops them, and the Lambda handler refuses them in an event itself', async () => {
      const id = await seed(app, 'alice', 'sea,sun');
      const key = await storageKeyOf(app, id);
      for (const control of ['\x00', '\x01', '\x1b', '\x7f', '\x0b']) {
        const answer = await rawRequest(app.url, `DELETE /images/${id} HTTP/1.1\r\nX-User-Id: alice\r\nIdempotency-Key: bad${control}key\r\n`);
        expect(answer.split('\r\n')[0], `key with ${JSON.stringify(control)}`).to.match(/^HTTP\/1\.1 400 /);
      }
      if (entry === lambdaV2Entry) {
        // API Gateway is not Node's parser: whatever reaches the handler, the handler checks.
        const handler = createLambdaHandler(app.container);
        for (const control of ['\x00', '\x01', '\x1b', '\x7f', '\n', '\r\n']) {
          const result = await handler(eventV2('DELETE', `/images/${id}`, 'purge=true', { 'x-user-id': 'alice', 'idempotency-key': `bad${control}key` }));
          expect(result.statusCode, `key with ${JSON.stringify(control)}: ${result.body}`).to.equal(400);
          const body = JSON.parse(result.body ?? '{}') as { error?: string; details?: { field?: string } };
          expect(body.error).to.equal('validation_error');
          expect(body.details?.field).to.equal('Idempotency-Key');
        }
      }
      expect((await standingOf(app, id, key, 'alice', ['sea', 'sun'])).standing, 'no delete or erase ran').to.equal('live');
      expect(await app.objectCount()).to.equal(1);
    });

    // API Gateway (and the Lambda entry, as it) joins repeated headers with a bare comma, Express
    // with ", ": a key may hold no comma, so two fields are refused alike on every entry.
    it('refuses two Idempotency-Key fields in one request, as the draft\'s single item', async () => {
      const id = await seed(app, 'alice', 'sea,sun');
      const key = await storageKeyOf(app, id);
      const answer = await rawRequest(app.url, `DELETE /images/${id} HTTP/1.1\r\nX-User-Id: alice\r\nIdempotency-Key: k1\r\nIdempotency-Key: k2\r\n`);
      expect(answer.split('\r\n')[0]).to.match(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).details.field).to.equal('Idempotency-Key');
      expect((await standingOf(app, id, key, 'alice', ['sea', 'sun'])).standing).to.equal('live');
    });

    it('takes a draft-style sf-string key ("…") as a key, and never confuses a broken quoting of it with it', async () => {
      const file = photo();
      const send = (k: string) => upload(app.url, { file, fields: { user_id: 'alice', title: 'Quoted' } }).set('Idempotency-Key', k);
      const quoted = '"8e03978e-40d5-43e8-bc93-6894a57f9324"';
      const first = await send(quoted);
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.headers['idempotent-replayed']).to.equal(undefined);
      expectSameAnswer(await send(quoted), first);
      // Broken quotings are not the draft's string: refused, or a key of their own; never a replay of the first.
      let kept = 1;
      for (const broken of ['"8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324"', '""', '"\\"']) {
        const answer = await send(broken);
        if (answer.status === 400) {
          expectError(answer, 400, 'validation_error');
          expect(answer.body.details.field).to.equal('Idempotency-Key');
          continue;
        }
        expect(answer.status, `${broken}: ${JSON.stringify(answer.body)}`).to.equal(201);
        expect(answer.headers['idempotent-replayed'], `${broken} is not ${quoted}`).to.equal(undefined);
        expect(answer.body.image_id).not.to.equal(first.body.image_id);
        expectSameAnswer(await send(broken), answer);
        kept += 1;
      }
      expect((await ids(app, '/images')).length).to.equal(kept);
      await expectObjects(app);
    });

    it("never replays one caller's answer to another: keys are scoped to the caller, whoever used them first", async () => {
      const id = await seed(app, 'alice', 'sea,sun');
      const key = await storageKeyOf(app, id);
      const edit = (who: Record<string, string>) => patch(app, id, { title: 'Mine now' }, who).set('Idempotency-Key', 'shared-edit');
      const alices = await edit(alice);
      expect(alices.status, JSON.stringify(alices.body)).to.equal(200);
      // Bob sends the very same request with alice's key: it runs as his, and he is not the owner.
      const bobs = await edit(bob);
      expectError(bobs, 403, 'forbidden');
      expect(bobs.headers['idempotent-replayed']).to.equal(undefined);
      expectSameAnswer(await edit(alice), alices);
      expectSameAnswer(await edit(bob), bobs);

      // Bob uses a key first: his refusal is his, and alice's request with the key runs.
      const trash = (who: Record<string, string>) => remove(app, id, who).set('Idempotency-Key', 'squatted');
      expectError(await trash(bob), 403, 'forbidden');
      const trashed = await trash(alice);
      expect(trashed.status, JSON.stringify(trashed.body)).to.equal(200);
      expect(trashed.headers['idempotent-replayed']).to.equal(undefined);
      expect(trashed.body.message).to.equal('Image deleted successfully');
      expect((await standingOf(app, id, key, 'alice', ['sea', 'sun'])).standing).to.equal('trashed');

      // Alice erases with a key; bob's identical request with it gets his own answer, not her 200.
      const erasing = (who: Record<string, string>) => erase(app, id, who).set('Idempotency-Key', 'erase-it');
      expect((await erasing(alice)).status).to.equal(200);
      const late = await erasing(bob);
      expectError(late, 404, 'not_found');
      expect(late.headers['idempotent-replayed']).to.equal(undefined);
      await expectErased(app, id, key, 'alice', ['sea', 'sun']);
    });

    it('scopes keys to the verified caller in jwt mode: a name in X-User-Id or the form never reaches another caller\'s key', async () => {
      const jwtApp = await startApp(entry, { ...options(), env: JWT_ENV });
      try {
        const [alicesToken, bobsToken, forgedToken] = await Promise.all([token('alice'), token('bob'), token('alice', 'not-the-secret-but-long-enough-for-hs256!')]);
        const send = (key: string, file: Buffer, headers: Record<string, string>, fields: Record<string, string>) =>
          upload(jwtApp.url, { file, fields }).set('Idempotency-Key', key).set(headers);

        // alice's upload names her in the form; the very same request from anyone else is theirs.
        const hers = photo();
        const naming = { title: 'Mine', user_id: 'alice' };
        const first = await send('upload-1', hers, { Authorization: `Bearer ${alicesToken}` }, naming);
        expect(first.status, JSON.stringify(first.body)).to.equal(201);
        expect(first.body.image.user_id).to.equal('alice');
        const claimed = await send('upload-1', hers, { Authorization: `Bearer ${bobsToken}`, 'X-User-Id': 'alice' }, naming);
        expectError(claimed, 403, 'forbidden');
        expect(claimed.headers['idempotent-replayed'], "bob is not given alice's answer").to.equal(undefined);
        for (const headers of [{ 'X-User-Id': 'alice' }, { Authorization: `Bearer ${forgedToken}`, 'X-User-Id': 'alice' }] as Record<string, string>[]) {
          const unverified = await send('upload-1', hers, headers, naming);
          expectError(unverified, 401, 'unauthorized');
          expect(unverified.headers['idempotent-replayed']).to.equal(undefined);
        }
        expectSameAnswer(await send('upload-1', hers, { Authorization: `Bearer ${alicesToken}` }, naming), first);

        // Without a name in the form, bob's copy of alice's request with her key is an upload of his own.
        const another = photo();
        const second = await send('upload-2', another, { Authorization: `Bearer ${alicesToken}` }, { title: 'Mine' });
        expect(second.status, JSON.stringify(second.body)).to.equal(201);
        const bobs = await send('upload-2', another, { Authorization: `Bearer ${bobsToken}`, 'X-User-Id': 'alice' }, { title: 'Mine' });
        expect(bobs.status, JSON.stringify(bobs.body)).to.equal(201);
        expect(bobs.headers['idempotent-replayed'], "bob is not given alice's answer").to.equal(undefined);
        expect(bobs.body.image.user_id).to.equal('bob');
        expect(bobs.body.image_id).not.to.equal(second.body.image_id);

        // The same on an edit: alice's key under bob's token is bob's request (403), not her 200.
        const id = first.body.image_id as string;
        const edit = (bearer: string) => request(jwtApp.url).patch(`/images/${id}`).set({ Authorization: `Bearer ${bearer}`, 'X-User-Id': 'alice', 'Idempotency-Key': 'edit-1' }).send({ title: 'Edited' });
        expect((await edit(alicesToken)).status).to.equal(200);
        expectError(await edit(bobsToken), 403, 'forbidden');
        expect((await ids(jwtApp, '/images')).sort()).to.deep.equal([first.body.image_id, second.body.image_id, bobs.body.image_id].sort());
        expect(await jwtApp.objectCount()).to.equal(3);
      } finally {
        await jwtApp.close();
      }
    });
  });

  describe('bursts of identical retries with one key', () => {
    it('runs one of a burst of uploads; the rest replay it byte for byte or are told to wait', async () => {
      tickEveryReading(app);
      const file = photo();
      const send = () => upload(app.url, { file, fields: { user_id: 'alice', title: 'Burst', tags: 'burst' } }).set('Idempotency-Key', 'upload-burst');
      const answers = await Promise.all(Array.from({ length: BURST }, () => fire(send())));
      const ran = expectOneRan(answers, 201);
      for (const answer of answers.filter((a) => a.headers['idempotent-replayed'] === 'true')) expectSameAnswer(answer, ran);
      expectSameAnswer(await send(), ran);
      expect(await ids(app, '/images')).to.deep.equal([ran.body.image_id]);
      expect(await ids(app, '/tags/burst/images')).to.deep.equal([ran.body.image_id]);
      expect(await app.objectCount()).to.equal(1);
    });

    it('applies one of a burst of edits: one new version, the rest replay it', async () => {
      const id = await seed(app, 'alice', 'sea,sun');
      tickEveryReading(app);
      const send = () => patch(app, id, { title: 'Burst', tags: 'wave,foam' }).set('Idempotency-Key', 'edit-burst');
      const release = holdUntilAllClaimed(app, 'saveEdit', BURST);
      const answers = await Promise.all(Array.from({ length: BURST }, () => fire(send())));
      release();
      const ran = expectOneRan(answers, 200);
      expectSameAnswer(await send(), ran);
      for (const answer of answers.filter((a) => a.headers['idempotent-replayed'] === 'true')) expectSameAnswer(answer, ran);
      const now = await get(app, id);
      expect(now.headers.etag, 'exactly one edit made a version').to.equal(ran.headers.etag);
      expect(now.body.tags).to.deep.equal(['wave', 'foam']);
      expect(await ids(app, '/tags/wave/images')).to.deep.equal([id]);
      expect(await ids(app, '/tags/sea/images')).to.deep.equal([]);
    });

    it('trashes once and erases once under bursts: no 410 or 404 leaks to a retry, and only the target is touched', async () => {
      const trashedId = await seed(app, 'alice', 'sea');
      const erasedId = await seed(app, 'alice', 'sun');
      const bystander = await seed(app, 'alice', 'sea,sun');
      const keys = { trashed: await storageKeyOf(app, trashedId), erased: await storageKeyOf(app, erasedId), bystander: await storageKeyOf(app, bystander) };
      tickEveryReading(app);

      let release = holdUntilAllClaimed(app, 'markDeleted', BURST);
      const trashing = await Promise.all(Array.from({ length: BURST }, () => fire(remove(app, trashedId).set('Idempotency-Key', 'trash-burst'))));
      release();
      const trashed = expectOneRan(trashing, 200);
      for (const answer of trashing.filter((a) => a.headers['idempotent-replayed'] === 'true')) expectSameAnswer(answer, trashed);
      expect(trashed.body.message).to.equal('Image deleted successfully');
      expectSameAnswer(await remove(app, trashedId).set('Idempotency-Key', 'trash-burst'), trashed);

      release = holdUntilAllClaimed(app, 'beginPurge', BURST);
      const erasing = await Promise.all(Array.from({ length: BURST }, () => fire(erase(app, erasedId).set('Idempotency-Key', 'erase-burst'))));
      release();
      const erased = expectOneRan(erasing, 200);
      for (const answer of erasing.filter((a) => a.headers['idempotent-replayed'] === 'true')) expectSameAnswer(answer, erased);
      expectSameAnswer(await erase(app, erasedId).set('Idempotency-Key', 'erase-burst'), erased);

      expect((await standingOf(app, trashedId, keys.trashed, 'alice', ['sea'])).standing).to.equal('trashed');
      await expectErased(app, erasedId, keys.erased, 'alice', ['sun']);
      expect((await standingOf(app, bystander, keys.bystander, 'alice', ['sea', 'sun'])).standing).to.equal('live');
      await expectObjects(app);
      expect(await app.objectCount()).to.equal(2);
    });
  });

  describe('writes racing on one image', () => {
    /** Where an image stands after a restore and an erase raced: the erase always gets through, so it is erased if it said so. */
    async function expectRestoreEraseSettled(id: string, key: string, tags: string[], restored: Response, erased: Response): Promise<void> {
      expect(restored.status, `restore: ${JSON.stringify(restored.body)}`).to.be.oneOf([200, 404]);
      expect(erased.status, `erase: ${JSON.stringify(erased.body)}`).to.be.oneOf([200, 404]);
      if (restored.status === 404) expectError(restored, 404, 'not_found');
      const { standing } = await standingOf(app, id, key, 'alice', tags);
      const expected = erased.status === 200 ? 'erased' : restored.status === 200 ? 'live' : 'trashed';
      expect(standing, `restore ${restored.status}, erase ${erased.status}`).to.equal(expected);
      if (standing === 'erased') await expectErased(app, id, key, 'alice', tags);
    }

    it('restore racing an erase of a trashed image: afterwards it is in exactly the state the answers say, never half', async () => {
      tickEveryReading(app);
      for (let round = 0; round < rounds; round += 1) {
        const tags = [`reef${round}`, `tide${round}`];
        const id = await seed(app, 'alice', tags.join(','));
        const key = await storageKeyOf(app, id);
        expect((await remove(app, id)).status).to.equal(200);
        // Time passes in the trash, so a restore's time is its clock's, not just after the delete.
        app.clock.advance(1000);
        const sending = [() => fire(restore(app, id)), () => fire(erase(app, id))];
        // Alternate which request leaves first.
        const [restored, erased] = round % 2 === 0 ? await Promise.all([sending[0]!(), sending[1]!()]) : await Promise.all([sending[1]!(), sending[0]!()]).then(([e, r]) => [r, e] as const);
        await expectRestoreEraseSettled(id, key, tags, restored!, erased!);
      }
      await expectObjects(app);
    });

    it('restore that read the clock first but writes after the erase hid the image: the erase still leaves nothing behind', async () => {
      const tags = ['reef', 'tide'];
      const id = await seed(app, 'alice', tags.join(','));
      const key = await storageKeyOf(app, id);
      expect((await remove(app, id)).status).to.equal(200);
      app.clock.advance(1000);
      tickEveryReading(app);
      // restore reads the image (trashed) and the time; then the erase hides it; then restore writes;
      // then the erase removes the files and the record. Two requests on two machines can do just this.
      const catalog = app.container.get(TOKENS.ImageCatalog);
      const blobs = app.container.get(TOKENS.BlobStore);
      const restoreAt = gate();
      const hidden = gate();
      const restoreWrote = gate();
      const [restoreRecord, beginPurge, deleteBlob] = [catalog.restore.bind(catalog), catalog.beginPurge.bind(catalog), blobs.delete.bind(blobs)];
      catalog.restore = async (...args) => {
        restoreAt.open();
        await hidden.opened;
        try {
          return await restoreRecord(...args);
        } finally {
          restoreWrote.open();
        }
      };
      catalog.beginPurge = async (...args) => {
        try {
          return await beginPurge(...args);
        } finally {
          hidden.open();
        }
      };
      blobs.delete = async (blobKey) => {
        await restoreWrote.opened;
        return deleteBlob(blobKey);
      };
      const restoring = fire(restore(app, id));
      await Promise.race([restoreAt.opened, restoring]);
      const [restored, erased] = await Promise.all([restoring, fire(erase(app, id))]);
      expect(erased.status, JSON.stringify(erased.body)).to.equal(200);
      await expectRestoreEraseSettled(id, key, tags, restored, erased);
      expect(await app.objectCount()).to.equal(0);
    });

    it('PATCH racing DELETE on a live image: trashed with one tag set or the other, in no tag listing, as the answers say', async () => {
      tickEveryReading(app);
      for (let round = 0; round < rounds; round += 1) {
        const old = [`old${round}a`, `old${round}b`];
        const fresh = [`new${round}a`, `new${round}b`];
        const id = await seed(app, 'alice', old.join(','));
        const key = await storageKeyOf(app, id);
        const editing = () => fire(patch(app, id, { tags: fresh.join(',') }));
        const deleting = () => fire(remove(app, id));
        const [edited, deleted] = round % 2 === 0 ? await Promise.all([editing(), deleting()]) : await Promise.all([deleting(), editing()]).then(([d, e]) => [e, d] as const);
        await expectEditDeleteSettled(id, key, old, fresh, edited!, deleted!);
      }
      await expectObjects(app);
    });

    it('PATCH and DELETE interleaved both ways: an edit that read a live image never lands on a trashed one, a delete that read the old tags trashes the new', async () => {
      const catalog = app.container.get(TOKENS.ImageCatalog);
      const [saveEdit, markDeleted] = [catalog.saveEdit.bind(catalog), catalog.markDeleted.bind(catalog)];
      tickEveryReading(app);

      // The edit reads the live image, the delete trashes it, then the edit writes.
      {
        const old = ['old-a'];
        const fresh = ['new-a'];
        const id = await seed(app, 'alice', old.join(','));
        const key = await storageKeyOf(app, id);
        const editRead = gate();
        const deletedNow = gate();
        catalog.saveEdit = async (before, after) => {
          editRead.open();
          await deletedNow.opened;
          return saveEdit(before, after);
        };
        catalog.markDeleted = async (...args) => {
          try {
            return await markDeleted(...args);
          } finally {
            deletedNow.open();
          }
        };
        const editing = fire(patch(app, id, { tags: fresh.join(',') }));
        await Promise.race([editRead.opened, editing]);
        const [edited, deleted] = await Promise.all([editing, fire(remove(app, id))]);
        expectError(edited, 404, 'not_found');
        await expectEditDeleteSettled(id, key, old, fresh, edited, deleted);
      }

      // The delete reads the live image, the edit writes, then the delete writes.
      {
        const old = ['old-b'];
        const fresh = ['new-b'];
        const id = await seed(app, 'alice', old.join(','));
        const key = await storageKeyOf(app, id);
        const deleteRead = gate();
        const editedNow = gate();
        catalog.markDeleted = async (...args) => {
          deleteRead.open();
          await editedNow.opened;
          return markDeleted(...args);
        };
        catalog.saveEdit = async (before, after) => {
          try {
            return await saveEdit(before, after);
          } finally {
            editedNow.open();
          }
        };
        const deleting = fire(remove(app, id));
        await Promise.race([deleteRead.opened, deleting]);
        const [edited, deleted] = await Promise.all([fire(patch(app, id, { tags: fresh.join(',') })), deleting]);
        expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
        await expectEditDeleteSettled(id, key, old, fresh, edited, deleted);
      }
      await expectObjects(app);
    });

    /** After an edit and a delete raced: trashed (the delete always gets through), with the tags of whichever won, listed under none. */
    async function expectEditDeleteSettled(id: string, key: string, old: string[], fresh: string[], edited: Response, deleted: Response): Promise<void> {
      expect(deleted.status, `delete: ${JSON.stringify(deleted.body)}`).to.equal(200);
      expect(edited.status, `edit: ${JSON.stringify(edited.body)}`).to.be.oneOf([200, 404]);
      const { standing, image } = await standingOf(app, id, key, 'alice', [...old, ...fresh]);
      expect(standing).to.equal('trashed');
      // An edit that answered 200 was applied before the delete; one that answered 404 never was.
      expect(image!.tags, `edit answered ${edited.status}`).to.deep.equal(edited.status === 200 ? fresh : old);
      if (edited.status === 200) expect(edited.body.tags).to.deep.equal(fresh);
      // Restored, it is listed under exactly the tags it kept, and no others.
      const back = await restore(app, id);
      expect(back.status, JSON.stringify(back.body)).to.equal(200);
      const kept = edited.status === 200 ? fresh : old;
      const gone = edited.status === 200 ? old : fresh;
      expect((await standingOf(app, id, key, 'alice', kept)).standing).to.equal('live');
      for (const tag of gone) expect(await ids(app, `/tags/${tag}/images`), `tag ${tag}`).not.to.include(id);
      expect((await remove(app, id)).status).to.equal(200);
    }
  });
}

const ENTRIES: EntryPoint[] = [expressEntry, lambdaV2Entry];

for (const entry of ENTRIES) {
  describe(`hostile lifecycle and retries through ${entry.name} on the local store`, function () {
    this.timeout(30_000);
    hostileLifecycleCases({ entry, options: () => ({ backend: 'local' as TestBackend }), rounds: 12 });
  });
}

describe('hostile lifecycle and retries on the AWS adapters (s3rver and DynamoDB Local)', function () {
  this.timeout(60_000);
  const servers = useAwsTestStack('image-service-hostile-lifecycle-aws-');
  for (const entry of ENTRIES) {
    describe(`through ${entry.name}`, () => {
      hostileLifecycleCases({ entry, options: () => ({ backend: 'aws' as const, aws: servers.stack }), rounds: 5 });
    });
  }
});
