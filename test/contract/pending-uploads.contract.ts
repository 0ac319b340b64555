import { expect } from 'chai';
import type { PendingUpload, PendingUploads } from '../../core/ports/pending-uploads.port.ts';
import { rejection } from '../support/assertions.ts';

export interface PendingUploadsHarness {
  uploads: PendingUploads;
  close?(): Promise<void>;
}

const START = Date.UTC(2026, 2, 1, 10);
/** An instant `ms` milliseconds after a fixed start, in the domain's ISO form. */
export const instant = (ms: number): string => new Date(START + ms).toISOString();

let counter = 0;

/** A valid pending upload; tests override only what they are about. */
export function pendingUploadRecord(overrides: Partial<PendingUpload> = {}): PendingUpload {
  counter += 1;
  const id = overrides.id ?? `upl-${String(counter).padStart(6, '0')}`;
  return {
    id,
    ownerId: 'alice',
    title: 'A title',
    description: null,
    tags: [],
    fileName: 'photo.png',
    key: `pending/${id}`,
    createdAt: instant(0),
    // Off the whole second, so an adapter that keeps only seconds is caught.
    expiresAt: instant(15 * 60_000 + 250),
    ...overrides,
  };
}

/**
 * The behaviour every PendingUploads adapter must have. Each test gets a fresh, empty store
 * from `makeHarness`, so adapters backed by a shared server must isolate tests themselves.
 */
export function pendingUploadsContract(name: string, makeHarness: () => Promise<PendingUploadsHarness>): void {
  describe(`PendingUploads contract: ${name}`, function () {
    let harness: PendingUploadsHarness;
    let uploads: PendingUploads;

    beforeEach(async () => {
      harness = await makeHarness();
      uploads = harness.uploads;
    });
    afterEach(async () => harness.close?.());

    const seed = async (records: PendingUpload[]): Promise<PendingUpload[]> => {
      for (const record of records) await uploads.create(record);
      return records;
    };
    const ids = (records: PendingUpload[]): string[] => records.map((record) => record.id);

    it('gives back exactly what was created', async () => {
      const upload = pendingUploadRecord({ title: 'Beach', description: 'Long day', tags: ['sea', 'sun'], fileName: 'été 2026.jpg' });
      await uploads.create(upload);
      expect(await uploads.get(upload.id)).to.deep.equal(upload);
    });

    it('gives back null title and description and an empty tag list unchanged', async () => {
      const upload = pendingUploadRecord({ title: null, description: null, tags: [] });
      await uploads.create(upload);
      expect(await uploads.get(upload.id)).to.deep.equal(upload);
    });

    it('knows nothing of an unknown id', async () => {
      expect(await uploads.get('no-such-upload')).to.equal(undefined);
    });

    it('refuses to create an id twice and keeps the first', async () => {
      const first = pendingUploadRecord({ title: 'first' });
      await uploads.create(first);
      const error = await rejection(uploads.create({ ...first, title: 'second' }));
      expect(error).to.include({ kind: 'conflict', code: 'conflict' });
      expect(await uploads.get(first.id)).to.deep.equal(first);
    });

    it('deletes one record and leaves the others', async () => {
      const [kept, deleted] = await seed([pendingUploadRecord(), pendingUploadRecord()]);
      await uploads.delete(deleted!.id);
      expect(await uploads.get(deleted!.id)).to.equal(undefined);
      expect(await uploads.get(kept!.id)).to.deep.equal(kept);
    });

    it('deletes a missing record without complaint, also twice', async () => {
      await uploads.delete('no-such-upload');
      const [upload] = await seed([pendingUploadRecord()]);
      await uploads.delete(upload!.id);
      await uploads.delete(upload!.id);
      expect(await uploads.get(upload!.id)).to.equal(undefined);
    });

    describe('listExpired', () => {
      const now = instant(60 * 60_000);

      it('lists nothing when nothing has expired', async () => {
        expect(await uploads.listExpired(now, 10)).to.deep.equal([]);
        await seed([pendingUploadRecord({ expiresAt: now }), pendingUploadRecord({ expiresAt: instant(2 * 60 * 60_000) })]);
        expect(await uploads.listExpired(now, 10)).to.deep.equal([]);
      });

      it('lists exactly the records that expired before now, oldest first', async () => {
        const hourAgo = pendingUploadRecord({ expiresAt: instant(0) });
        const halfHourAgo = pendingUploadRecord({ expiresAt: instant(30 * 60_000) });
        const justBefore = pendingUploadRecord({ expiresAt: instant(60 * 60_000 - 1) });
        const atNow = pendingUploadRecord({ expiresAt: now });
        const justAfter = pendingUploadRecord({ expiresAt: instant(60 * 60_000 + 1) });
        const later = pendingUploadRecord({ expiresAt: instant(2 * 60 * 60_000) });
        // Created out of order, so only the store's own ordering can put them right.
        await seed([atNow, justBefore, later, hourAgo, justAfter, halfHourAgo]);
        expect(await uploads.listExpired(now, 100)).to.deep.equal([hourAgo, halfHourAgo, justBefore]);
      });

      it('counts a record expiring exactly at now as not yet expired', async () => {
        const [upload] = await seed([pendingUploadRecord({ expiresAt: now })]);
        expect(await uploads.listExpired(now, 10)).to.deep.equal([]);
        expect(await uploads.listExpired(instant(60 * 60_000 + 1), 10)).to.deep.equal([upload]);
      });

      it('returns at most `limit` records, the oldest ones', async () => {
        const records = Array.from({ length: 5 }, (_, i) => pendingUploadRecord({ expiresAt: instant(i * 60_000) }));
        await seed([...records].reverse());
        expect(ids(await uploads.listExpired(now, 1))).to.deep.equal(ids(records.slice(0, 1)));
        expect(ids(await uploads.listExpired(now, 3))).to.deep.equal(ids(records.slice(0, 3)));
        expect(ids(await uploads.listExpired(now, 5))).to.deep.equal(ids(records));
        expect(ids(await uploads.listExpired(now, 50))).to.deep.equal(ids(records));
      });

      it('leaves out deleted records', async () => {
        const [first, second, third] = await seed([0, 1, 2].map((i) => pendingUploadRecord({ expiresAt: instant(i * 60_000) })));
        await uploads.delete(second!.id);
        expect(await uploads.listExpired(now, 10)).to.deep.equal([first, third]);
        expect(await uploads.listExpired(now, 1)).to.deep.equal([first]);
      });

      it('lists every record that expired at the same instant, in id order, and a sweep gets through them', async () => {
        const sameInstant = instant(10 * 60_000 + 1);
        const records = Array.from({ length: 25 }, () => pendingUploadRecord({ expiresAt: sameInstant }));
        // 7 and 25 share no factor, so this visits every record, out of order.
        await seed(records.map((_, i) => records[(i * 7) % records.length]!));
        expect(await uploads.listExpired(now, 100)).to.deep.equal(records);

        const swept: string[] = [];
        for (let round = 0; round < 10; round += 1) {
          const batch = await uploads.listExpired(now, 10);
          if (batch.length === 0) break;
          for (const upload of batch) await uploads.delete(upload.id);
          swept.push(...ids(batch));
        }
        expect(swept).to.deep.equal(ids(records));
      });
    });
  });
}
