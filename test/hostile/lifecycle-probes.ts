// What the hostile lifecycle and retry cases ask of the service after an attack: where an image
// stands (live, in the trash, or erased), read from every route and from the blob store at once,
// so a half state (listed without bytes, erased but still in a tag listing) cannot hide.
import { expect } from 'chai';
import request from 'supertest';
import type { Response } from 'supertest';
import { TOKENS } from '../../apps/tokens.ts';
import type { TestApp } from '../support/app.ts';
import { makeImage } from '../support/images.ts';
import { upload } from '../support/upload.ts';

export const alice = { 'X-User-Id': 'alice' };
export const bob = { 'X-User-Id': 'bob' };

let made = 0;

/** A valid PNG with bytes of its own (a width not used before), so no two uploads share a checksum. */
export function photo(): Buffer {
  made += 1;
  return makeImage({ width: 100 + (made % 800), height: 120, format: 'png', size: 4096 });
}

/** Uploads one image for `owner` with `tags` and returns its id. */
export async function seed(app: TestApp, owner = 'alice', tags = 'sea,sun', title = 'Sunset'): Promise<string> {
  const response = await upload(app.url, { file: photo(), fields: { user_id: owner, title, tags } });
  expect(response.status, JSON.stringify(response.body)).to.equal(201);
  return response.body.image_id as string;
}

export const get = (app: TestApp, id: string) => request(app.url).get(`/images/${id}`);

export const patch = (app: TestApp, id: string, body: unknown, headers: Record<string, string> = alice) =>
  request(app.url)
    .patch(`/images/${id}`)
    .set(headers)
    .send(body as object);

/** The ids a listing shows (one page of up to 100, which every case here stays under). */
export async function ids(app: TestApp, path: string, headers: Record<string, string> = {}): Promise<string[]> {
  const response = await request(app.url).get(path).query({ limit: 100 }).set(headers);
  expect(response.status, `${path} ${JSON.stringify(response.body)}`).to.equal(200);
  return (response.body.images as { image_id: string }[]).map((image) => image.image_id);
}

/** Where the original of `id` is kept: read from the catalog, since no answer names storage keys. */
export async function storageKeyOf(app: TestApp, id: string): Promise<string> {
  const image = await app.container.get(TOKENS.ImageCatalog).get(id);
  expect(image, `catalog record of ${id}`).not.to.equal(undefined);
  return image!.storageKey;
}

export const bytesKept = (app: TestApp, key: string): Promise<boolean> => app.storage.blobStore.exists(key);

/** Everything the service keeps: images in listings and trashes (each with one object, as nothing is processed here), and objects. */
export async function expectObjects(app: TestApp, owners: string[] = ['alice', 'bob']): Promise<void> {
  let images = (await ids(app, '/images')).length;
  for (const owner of owners) images += (await ids(app, `/users/${owner}/trash`, { 'X-User-Id': owner })).length;
  expect(await app.objectCount(), 'objects in the blob store: one per image kept, none left by an erasure').to.equal(images);
}

export type Standing = 'live' | 'trashed' | 'erased';

/**
 * Where the image stands, asserted to be exactly one of the three states on every route: live
 * (read, listed under its owner and each tag, downloadable, bytes kept), trashed (only in its
 * owner's trash, with its tags, bytes kept) or erased (404 everywhere, in no listing, bytes gone).
 */
export async function standingOf(app: TestApp, id: string, key: string, owner: string, tags: string[]): Promise<{ standing: Standing; image?: Record<string, unknown> }> {
  const read = await get(app, id);
  const download = await request(app.url).get(`/images/${id}/download`);
  const trash = await request(app.url).get(`/users/${owner}/trash`).query({ limit: 100 }).set({ 'X-User-Id': owner });
  expect(trash.status).to.equal(200);
  const inTrash = (trash.body.images as Record<string, unknown>[]).find((image) => image.image_id === id);
  const seen = {
    read: read.status,
    download: download.status,
    owner: (await ids(app, `/users/${owner}/images`)).includes(id),
    tags: await Promise.all(tags.map(async (tag) => (await ids(app, `/tags/${encodeURIComponent(tag)}/images`)).includes(id))),
    trash: inTrash !== undefined,
    bytes: await bytesKept(app, key),
  };
  const none = tags.map(() => false);
  const every = tags.map(() => true);
  const states: Record<Standing, typeof seen> = {
    live: { read: 200, download: 200, owner: true, tags: every, trash: false, bytes: true },
    trashed: { read: 404, download: 404, owner: false, tags: none, trash: true, bytes: true },
    erased: { read: 404, download: 404, owner: false, tags: none, trash: false, bytes: false },
  };
  const standing = (Object.keys(states) as Standing[]).find((name) => JSON.stringify(states[name]) === JSON.stringify(seen));
  if (standing === undefined) expect.fail(`image ${id} is in no single state: ${JSON.stringify(seen)}`);
  if (standing === 'live') return { standing, image: read.body as Record<string, unknown> };
  return standing === 'trashed' ? { standing, image: inTrash! } : { standing };
}

/** Erased for good: besides standing erased, every write on it answers 404 too. */
export async function expectErased(app: TestApp, id: string, key: string, owner: string, tags: string[]): Promise<void> {
  expect((await standingOf(app, id, key, owner, tags)).standing).to.equal('erased');
  const as = { 'X-User-Id': owner };
  expect((await request(app.url).post(`/images/${id}/restore`).set(as)).status, 'restore').to.equal(404);
  expect((await patch(app, id, { title: 'Back?' }, as)).status, 'edit').to.equal(404);
  expect((await request(app.url).delete(`/images/${id}`).set(as)).status, 'delete').to.equal(404);
  expect((await request(app.url).delete(`/images/${id}`).query({ purge: 'true' }).set(as)).status, 'erase').to.equal(404);
}

/**
 * From now on the app's clock moves on by a millisecond at every reading, as a real clock does
 * between two requests: a request that starts first then also reads the earlier time.
 */
export function tickEveryReading(app: TestApp): void {
  const read = app.clock.now.bind(app.clock);
  app.clock.now = () => {
    app.clock.advance(1);
    return read();
  };
}

/** How one of a burst of identical retries was answered: it ran, it replayed the one that ran, or it was told to wait. */
export function retryOutcome(response: Response, okStatus: number): 'ran' | 'replayed' | 'busy' {
  if (response.status === 409) {
    expect(response.body.error).to.equal('idempotency_key_in_use');
    expect(Number(response.headers['retry-after']), 'Retry-After').to.be.within(1, 60);
    return 'busy';
  }
  expect(response.status, JSON.stringify(response.body)).to.equal(okStatus);
  return response.headers['idempotent-replayed'] === 'true' ? 'replayed' : 'ran';
}

/** A burst of identical requests with one key: exactly one ran; every other replayed it byte for byte, or was told to wait. */
export function expectOneRan(answers: Response[], okStatus: number): Response {
  const outcomes = answers.map((answer) => retryOutcome(answer, okStatus));
  const ran = answers.filter((_, i) => outcomes[i] === 'ran');
  expect(ran, `outcomes: ${outcomes.join(', ')}`).to.have.length(1);
  for (const [i, answer] of answers.entries()) {
    if (outcomes[i] === 'replayed') expect(answer.body, 'a replay is the answer of the one that ran').to.deep.equal(ran[0]!.body);
  }
  return ran[0]!;
}
