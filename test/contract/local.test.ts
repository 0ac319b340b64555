import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../../adapters/filesystem/file-blob-store.ts';
import { openDatabase } from '../../adapters/sqlite/database.ts';
import type { Db } from '../../adapters/sqlite/database.ts';
import { SqliteImageCatalog } from '../../adapters/sqlite/sqlite-image-catalog.ts';
import { SqlitePendingUploads } from '../../adapters/sqlite/sqlite-pending-uploads.ts';
import { SqliteErasureRequests } from '../../adapters/sqlite/sqlite-erasure-requests.ts';
import { SqliteIdempotencyStore } from '../../adapters/sqlite/sqlite-idempotency-store.ts';
import { lifecycleStoresContract } from './lifecycle-stores.contract.ts';
import { UrlSigner } from '../../adapters/system/signed-urls.ts';
import { ManualClock } from '../support/fakes.ts';
import { imageRecord } from '../support/records.ts';
import { serveFileStore } from '../support/serve-store.ts';
import { blobStoreContract } from './blob-store.contract.ts';
import { imageCatalogContract } from './image-catalog.contract.ts';
import { pendingUploadsContract } from './pending-uploads.contract.ts';
import { selfServedStoreContract } from './self-served.contract.ts';

/** A fresh database in a fresh folder, removed when the test is done. */
async function freshDatabase(): Promise<{ db: Db; close(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'image-service-sqlite-'));
  const db = openDatabase(join(folder, 'catalog.db'));
  return {
    db,
    close: async () => {
      db.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** A fresh data folder with its database and file store, prepared as at start-up; `close` removes it all. */
async function freshFileStore(): Promise<{ dataDir: string; db: Db; store: FileBlobStore; close(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'image-service-files-'));
  const db = openDatabase(join(dataDir, 'catalog.db'));
  const store = new FileBlobStore(dataDir, db, new ManualClock(), new UrlSigner(Buffer.alloc(32), 'http://localhost'));
  await store.prepare();
  return {
    dataDir,
    db,
    store,
    close: async () => {
      store.close();
      db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

imageCatalogContract('SQLite', async () => {
  const { db, close } = await freshDatabase();
  return { catalog: new SqliteImageCatalog(db), close };
});

lifecycleStoresContract('SQLite', async () => {
  const { db, close } = await freshDatabase();
  return { idempotency: new SqliteIdempotencyStore(db), erasures: new SqliteErasureRequests(db), close };
});

pendingUploadsContract('SQLite', async () => {
  const { db, close } = await freshDatabase();
  return { uploads: new SqlitePendingUploads(db), close };
});

blobStoreContract('files', async () => {
  const clock = new ManualClock(new Date().toISOString());
  const served = await serveFileStore(clock);
  return { store: served.store, checksSignatures: true, enforcesPostPolicy: true, passTime: async (seconds) => clock.advance(seconds * 1000), close: served.close };
});

selfServedStoreContract('files', async (clock) => {
  const served = await serveFileStore(clock);
  return { ...served, leftovers: () => readdir(join(served.dataDir, 'tmp')) };
});

describe('SQLite catalog: every request reads through an index', () => {
  let db: Db;
  let close: () => Promise<void>;
  beforeEach(async () => ({ db, close } = await freshDatabase()));
  afterEach(() => close());

  /** The plan's steps; SQLite names a full read of a table `SCAN <table>` (a `SCAN` of a subquery's constant row aside). */
  const planOf = (sql: string): string[] => {
    const parameters = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map(([, name]) => [name!, 'x']));
    const positional = (sql.match(/\?/g) ?? []).map(() => 'x');
    const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
    const rows = (Object.keys(parameters).length > 0 ? statement.all(parameters) : statement.all(...positional)) as { detail: string }[];
    return rows.map((row) => row.detail);
  };

  it('plans every statement of the catalog, the pending uploads and the file store without a table scan', async () => {
    // Enough rows that the planner weighs real statistics, as on a long-lived data folder.
    const catalog = new SqliteImageCatalog(db);
    for (let i = 0; i < 300; i += 1) await catalog.create(imageRecord({ ownerId: `user${i % 7}`, tags: [`t${i % 5}`, `u${i % 3}`] }));
    db.exec('ANALYZE');
    const store = new FileBlobStore(join(tmpdir(), 'unused'), db, new ManualClock(), new UrlSigner(Buffer.alloc(32), 'http://localhost'));
    const statements = {
      ...catalog.requestStatements,
      ...new SqlitePendingUploads(db).requestStatements,
      ...new SqliteIdempotencyStore(db).requestStatements,
      ...new SqliteErasureRequests(db).requestStatements,
      ...Object.fromEntries(Object.entries(store.requestStatements).map(([name, sql]) => [`blob ${name}`, sql])),
    };
    expect(Object.keys(statements)).to.include.members(['all', 'byOwner', 'byTag', 'byOwnerTag', 'expired']);
    for (const [name, sql] of Object.entries(statements)) {
      if (/^\s*(INSERT|SELECT 1)/i.test(sql)) continue;
      const plan = planOf(sql);
      // A partial index holds only the rows its statement wants, so reading all of it is no table scan.
      const wholePartialIndex = (step: string) => /^SCAN (images|erasures) USING (COVERING )?INDEX (images_processing|erasures_open)$/.test(step);
      const scans = plan.filter((step) => /^SCAN (?!CONSTANT)/.test(step) && !wholePartialIndex(step));
      expect(scans, `${name}: ${plan.join(' | ')}`).to.deep.equal([]);
      expect(plan.some((step) => /^SEARCH /.test(step) || wholePartialIndex(step)), `${name} searches an index: ${plan.join(' | ')}`).to.equal(true);
      expect(plan.filter((step) => /TEMP B-TREE/.test(step)), `${name} sorts nothing itself: ${plan.join(' | ')}`).to.deep.equal([]);
    }
  });
});

describe('file store: writes that a crash cannot tear', () => {
  let dataDir: string;
  let store: FileBlobStore;
  let close: () => Promise<void>;
  beforeEach(async () => ({ dataDir, store, close } = await freshFileStore()));
  afterEach(() => close());

  it('removes what a crash left in the temporary folder when it is prepared at start-up', async () => {
    await writeFile(join(dataDir, 'tmp', 'half-written'), Buffer.alloc(5000));
    await store.prepare();
    expect(await readdir(join(dataDir, 'tmp'))).to.deep.equal([]);
  });

  it('keeps a file under its key only once it is whole; the temporary folder is empty after every write', async () => {
    await store.put('images/a.png', Buffer.alloc(4000, 1), { contentType: 'image/png', fileName: 'a.png' });
    await store.copy('images/a.png', 'images/b.png', { contentType: 'image/png', fileName: 'b.png' });
    expect(await readdir(join(dataDir, 'blobs', 'images'))).to.have.members(['a.png', 'b.png']);
    expect(await readdir(join(dataDir, 'tmp'))).to.deep.equal([]);
  });

  it("removes an image's own folder with its last file, and writes into it again after", async () => {
    const variant = { contentType: 'image/webp', fileName: 'v.webp' };
    await store.put('variants/img-1/thumb.webp', Buffer.alloc(100, 1), variant);
    await store.put('variants/img-1/display.webp', Buffer.alloc(100, 2), variant);
    await store.put('variants/img-2/thumb.webp', Buffer.alloc(100, 3), variant);
    await store.delete('variants/img-1/thumb.webp');
    expect(await readdir(join(dataDir, 'blobs', 'variants', 'img-1'))).to.deep.equal(['display.webp']);
    await store.delete('variants/img-1/display.webp');
    expect(await readdir(join(dataDir, 'blobs', 'variants'))).to.deep.equal(['img-2']);
    await store.put('variants/img-1/thumb.webp', Buffer.alloc(100, 4), variant);
    expect(await store.exists('variants/img-1/thumb.webp')).to.equal(true);
  });

  it('refuses keys that could leave its folder', async () => {
    for (const key of ['../escape', 'images/../../x', '/etc/passwd', 'images//a', '.hidden', 'images/.', '']) {
      await store.put(key, Buffer.alloc(10), { contentType: 'image/png', fileName: 'x' }).then(
        () => expect.fail(`accepted ${JSON.stringify(key)}`),
        (error: unknown) => expect((error as { kind?: string }).kind, key).to.equal('not_found'),
      );
    }
  });
});

function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

describe('SQLite and files: a write resolves only once it is on disk', () => {
  let db: Db;
  let store: FileBlobStore;
  let close: () => Promise<void>;
  let made = 0;
  beforeEach(async () => ({ db, store, close } = await freshFileStore()));
  afterEach(() => close());

  const isPending = async (promise: Promise<unknown>): Promise<boolean> => {
    const marker = Symbol('pending');
    const first = await Promise.race([promise.then(() => 'done', () => 'failed'), new Promise((resolve) => setTimeout(() => resolve(marker), 50))]);
    return first === marker;
  };

  const FAR = '2099-01-01T00:00:00.000Z';
  const writes: Record<string, () => Promise<unknown>> = {
    'an image in the catalog': () => new SqliteImageCatalog(db).create(imageRecord()),
    'a file and its row': () => store.put(`images/x${(made += 1)}.png`, Buffer.alloc(300, 1), { contentType: 'image/png', fileName: 'x.png' }),
    'a pending upload': () =>
      new SqlitePendingUploads(db).create({ id: `up-${(made += 1)}`, ownerId: 'u', title: null, description: null, tags: [], fileName: 'x.png', key: 'k', createdAt: FAR, expiresAt: FAR }),
    'an idempotency claim': () => new SqliteIdempotencyStore(db).claim('s', `k${(made += 1)}`, { fingerprint: 'f', lockedUntil: FAR, expiresAt: FAR }, '2026-01-01T00:00:00.000Z'),
    'an erasure request': () => new SqliteErasureRequests(db).open(`u${(made += 1)}`, '2026-01-01T00:00:00.000Z'),
  };

  for (const [what, write] of Object.entries(writes)) {
    it(`acknowledges ${what} only after the WAL sync, and reports a failed sync as a store outage`, async () => {
      const held = deferred();
      db.synced = () => held.promise;
      const written = write();
      expect(await isPending(written), 'waits for the sync').to.equal(true);
      held.resolve();
      await written;

      const failing = deferred();
      failing.promise.catch(() => {});
      db.synced = () => failing.promise;
      const again = write().catch((error: unknown) => error);
      failing.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      expect(await again).to.have.property('kind', 'unavailable');
    });
  }
});

describe('SQLite and files: after a failed sync, nothing the disk may not hold is served', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'image-service-eio-'))));
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  const eio = (_fd: number, done: (error: NodeJS.ErrnoException | null) => void) =>
    setImmediate(() => done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));

  it('closes the catalog when the WAL cannot be synced, so the unsynced image is a 503, never a read, until a restart', async () => {
    const db = openDatabase(join(dataDir, 'catalog.db'), { walSync: eio });
    const catalog = new SqliteImageCatalog(db);
    const image = imageRecord({ ownerId: 'ann' });
    expect(await catalog.create(image).catch((error: unknown) => error)).to.have.property('kind', 'unavailable');
    // Committed, and seen by readers until the sync failed; now nobody reads it.
    for (const read of [() => catalog.get(image.id), () => catalog.list({ userId: 'ann', limit: 10 }), () => catalog.create(imageRecord())]) {
      expect(await read().catch((error: unknown) => error)).to.have.property('kind', 'unavailable');
    }
    db.close();
  });

  it('refuses every later write to a folder whose sync failed, rather than let a second fsync vouch for it', async () => {
    const db = openDatabase(join(dataDir, 'catalog.db'));
    // The disk fails once; a second fsync would then succeed, as Linux's does after a failed writeback.
    let failures = 0;
    const failsOnce = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => (failures++ === 0 ? eio(fd, done) : setImmediate(() => done(null)));
    const store = new FileBlobStore(dataDir, db, new ManualClock(), new UrlSigner(Buffer.alloc(32), 'http://localhost'), failsOnce);
    await store.prepare();
    const blob = { contentType: 'image/png', fileName: 'a.png' };
    for (const key of ['images/a.png', 'images/b.png']) {
      expect(await store.put(key, Buffer.alloc(300, 1), blob).catch((error: unknown) => error)).to.have.property('kind', 'unavailable');
      expect(await store.exists(key)).to.equal(false);
    }
    store.close();
    db.close();
  });
});

describe('SQLite and files: a read never shows what is not yet on disk', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'image-service-settled-'))));
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('holds a read that sees a commit until the WAL sync covering it is done, and lets it through at once otherwise', async () => {
    const held: ((error: NodeJS.ErrnoException | null) => void)[] = [];
    const db = openDatabase(join(dataDir, 'catalog.db'), { walSync: (_fd, done) => void held.push(done) });
    const catalog = new SqliteImageCatalog(db);
    const image = imageRecord({ ownerId: 'ann' });
    const settled = async (promise: Promise<unknown>) => {
      let state = 'pending';
      promise.then(() => (state = 'done'), () => (state = 'failed'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      return state;
    };

    const created = catalog.create(image);
    const read = catalog.get(image.id);
    const listed = catalog.list({ userId: 'ann', limit: 10 });
    expect([await settled(created), await settled(read), await settled(listed)]).to.deep.equal(['pending', 'pending', 'pending']);
    held.shift()!(null);
    expect([await settled(created), await settled(read), await settled(listed)]).to.deep.equal(['done', 'done', 'done']);
    expect((await read)?.id).to.equal(image.id);

    // Nothing waiting for a sync: a read asks for none.
    expect(await settled(catalog.get(image.id))).to.equal('done');
    expect(held).to.have.length(0);
    db.close();
  });

  it('holds a refusal that rests on an unsynced commit (a second delete, a conflict) until that commit is on disk', async () => {
    const held: ((error: NodeJS.ErrnoException | null) => void)[] = [];
    const db = openDatabase(join(dataDir, 'catalog.db'), { walSync: (_fd, done) => void held.push(done) });
    const catalog = new SqliteImageCatalog(db);
    const image = imageRecord({ ownerId: 'ann' });
    const created = catalog.create(image);
    const outcome = (promise: Promise<unknown>) => promise.then(() => 'done', (error: { kind?: string }) => error.kind ?? 'error');
    const answers = [outcome(catalog.create(image)), outcome(catalog.markDeleted(image.id, 'bob', '2026-01-02T00:00:00.000Z', '2026-02-01T00:00:00.000Z'))];
    const first = await Promise.race([Promise.all(answers), new Promise((resolve) => setTimeout(() => resolve('held'), 50))]);
    expect(first, 'no refusal before the commit it rests on is on disk').to.equal('held');
    while (held.length > 0) held.shift()!(null);
    await created;
    expect(await Promise.all(answers)).to.deep.equal(['conflict', 'forbidden']);
    db.close();
  });
});
