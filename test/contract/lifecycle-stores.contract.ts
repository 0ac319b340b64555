import { expect } from 'chai';
import type { ErasureRequests } from '../../core/ports/erasure-requests.port.ts';
import type { IdempotencyRecord, IdempotencyStore } from '../../core/ports/idempotency-store.port.ts';

export interface LifecycleStoresHarness {
  idempotency: IdempotencyStore;
  erasures: ErasureRequests;
  close?(): Promise<void>;
}

const NOW = '2026-06-01T12:00:00.000Z';
const record = (fingerprint: string, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  fingerprint,
  lockedUntil: '2026-06-01T12:01:00.000Z',
  expiresAt: '2026-06-02T12:00:00.000Z',
  ...overrides,
});

/** What every idempotency store and erasure request store must do, on each backend. */
export function lifecycleStoresContract(name: string, makeHarness: () => Promise<LifecycleStoresHarness>): void {
  describe(`idempotency and erasure stores: ${name}`, () => {
    let harness: LifecycleStoresHarness;
    beforeEach(async () => (harness = await makeHarness()));
    afterEach(async () => harness.close?.());

    describe('idempotency records', () => {
      it('lets exactly one claim of a key win, and shows the others what holds it', async () => {
        const { idempotency } = harness;
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => idempotency.claim('alice', 'key-1', record(`fp-${i}`), NOW)));
        const winners = results.filter((held) => held === undefined);
        expect(winners).to.have.length(1);
        const held = results.filter((result): result is IdempotencyRecord => result !== undefined);
        const fingerprints = new Set(held.map((result) => result.fingerprint));
        expect(fingerprints.size, 'every loser sees the one winner').to.equal(1);
        expect(held[0]).to.not.have.property('answer');
      });

      it('keeps the answer once completed, for the same key of the same caller only', async () => {
        const { idempotency } = harness;
        expect(await idempotency.claim('alice', 'key-1', record('fp'), NOW)).to.equal(undefined);
        await idempotency.complete('alice', 'key-1', '{"status":201}', '2026-06-02T12:00:00.000Z');
        expect(await idempotency.claim('alice', 'key-1', record('fp'), '2026-06-01T13:00:00.000Z')).to.deep.include({ fingerprint: 'fp', answer: '{"status":201}' });
        // Another caller's key of the same name is another key.
        expect(await idempotency.claim('bob', 'key-1', record('other'), NOW)).to.equal(undefined);
      });

      it('frees a released claim, but never a completed one', async () => {
        const { idempotency } = harness;
        await idempotency.claim('alice', 'k', record('fp'), NOW);
        await idempotency.release('alice', 'k');
        expect(await idempotency.claim('alice', 'k', record('fp2'), NOW)).to.equal(undefined);
        await idempotency.complete('alice', 'k', 'answer', '2026-06-02T12:00:00.000Z');
        await idempotency.release('alice', 'k');
        expect(await idempotency.claim('alice', 'k', record('fp3'), NOW)).to.deep.include({ answer: 'answer', fingerprint: 'fp2' });
      });

      it('lets a claim whose lock lapsed (a crashed request) be taken over, and an expired record be replaced', async () => {
        const { idempotency } = harness;
        await idempotency.claim('alice', 'stuck', record('fp'), NOW);
        expect(await idempotency.claim('alice', 'stuck', record('fp'), '2026-06-01T12:00:30.000Z')).to.deep.include({ fingerprint: 'fp' });
        expect(await idempotency.claim('alice', 'stuck', record('fp-new'), '2026-06-01T12:01:00.000Z')).to.equal(undefined);
        await idempotency.claim('alice', 'old', record('fp'), NOW);
        await idempotency.complete('alice', 'old', 'answer', '2026-06-02T12:00:00.000Z');
        expect(await idempotency.claim('alice', 'old', record('fp-later'), '2026-06-02T12:00:00.000Z')).to.equal(undefined);
      });

      it('takes keys of any visible ASCII up to 255 characters, scoped by any user id', async () => {
        const { idempotency } = harness;
        const key = `${'~!#$%&*+-./:;<=>?@[]^_`{|}'.repeat(9)}`.slice(0, 255);
        expect(await idempotency.claim('user_with-dashes', key, record('fp'), NOW)).to.equal(undefined);
        expect(await idempotency.claim('user_with-dashes', key, record('fp'), NOW)).to.deep.include({ fingerprint: 'fp' });
      });
    });

    describe('erasure requests', () => {
      it('records a request once: a repeat gets the unfinished one back', async () => {
        const { erasures } = harness;
        const first = await erasures.open('alice', NOW);
        expect(first).to.deep.equal({ ownerId: 'alice', requestedAt: NOW, erased: 0 });
        await erasures.save({ ...first, erased: 7 });
        expect(await erasures.open('alice', '2026-06-01T13:00:00.000Z')).to.deep.equal({ ...first, erased: 7 });
        expect(await erasures.get('alice')).to.deep.equal({ ...first, erased: 7 });
        expect(await erasures.get('bob')).to.equal(undefined);
      });

      it('lists unfinished requests oldest first, and starts afresh after a finished one', async () => {
        const { erasures } = harness;
        const bob = await erasures.open('bob', '2026-06-01T11:00:00.000Z');
        const alice = await erasures.open('alice', NOW);
        const carol = await erasures.open('carol', '2026-06-01T13:00:00.000Z');
        await erasures.save({ ...carol, erased: 2, finishedAt: '2026-06-01T13:00:01.000Z' });
        // The open list may lag on some stores (an index), never the request itself.
        let open: string[] = [];
        for (let tries = 0; tries < 20; tries += 1) {
          open = (await erasures.listOpen(10)).map((request) => request.ownerId);
          if (open.length === 2) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(open).to.deep.equal([bob.ownerId, alice.ownerId]);
        // Past the limit, the oldest come first: a newer request never keeps an older one waiting.
        expect((await erasures.listOpen(1)).map((request) => request.ownerId)).to.deep.equal([bob.ownerId]);
        const again = await erasures.open('carol', '2026-06-02T00:00:00.000Z');
        expect(again).to.deep.equal({ ownerId: 'carol', requestedAt: '2026-06-02T00:00:00.000Z', erased: 0 });
      });
    });
  });
}
