import { expect } from 'chai';
import { SharedSync } from '../../adapters/system/shared-sync.ts';

/** A sync call that the test completes by hand, recording each one it was asked for. */
function manualSync() {
  const pending: ((error: NodeJS.ErrnoException | null) => void)[] = [];
  return {
    call: (_fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void pending.push(done),
    get started() {
      return pending.length;
    },
    finish: async (index: number, error: NodeJS.ErrnoException | null = null) => {
      pending[index]!(error);
      // Let the promise callbacks (and a queued sync's start) run.
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    },
  };
}

const settledState = async (promise: Promise<unknown>): Promise<string> => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
  return state;
};

describe('shared sync (group commit of fsyncs)', () => {
  it('starts a sync at once, and resolves its caller only when that sync is done', async () => {
    const sync = manualSync();
    const shared = new SharedSync(7, sync.call);
    const first = shared.flush();
    expect(sync.started).to.equal(1);
    expect(await settledState(first)).to.equal('pending');
    await sync.finish(0);
    expect(await settledState(first)).to.equal('resolved');
  });

  it('gives every caller that arrives during a sync one later sync: it may have written after the first began', async () => {
    const sync = manualSync();
    const shared = new SharedSync(7, sync.call);
    const first = shared.flush();
    const laters = [shared.flush(), shared.flush(), shared.flush()];
    expect(sync.started).to.equal(1);
    await sync.finish(0);
    expect(await settledState(first)).to.equal('resolved');
    expect(sync.started, 'one more sync for all three').to.equal(2);
    for (const later of laters) expect(await settledState(later)).to.equal('pending');
    await sync.finish(1);
    for (const later of laters) expect(await settledState(later)).to.equal('resolved');
    expect(sync.started).to.equal(2);
  });

  it('fails for good after a failed sync: a retry would vouch for pages the kernel has already dropped', async () => {
    const sync = manualSync();
    const shared = new SharedSync(7, sync.call);
    const failed = shared.flush();
    failed.catch(() => {});
    const waiting = shared.flush();
    waiting.catch(() => {});
    const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    await sync.finish(0, eio);
    expect(await settledState(failed)).to.equal('rejected');
    expect(await settledState(waiting)).to.equal('rejected');
    const later = shared.flush();
    later.catch(() => {});
    expect(await settledState(later)).to.equal('rejected');
    await later.catch((error: unknown) => expect(error).to.equal(eio));
    expect(sync.started, 'no sync after the failed one').to.equal(1);
  });

  it('keeps working when the sync call answers at once or throws', async () => {
    const answering = new SharedSync(7, (_fd, done) => done(null));
    await answering.flush();
    await Promise.all([answering.flush(), answering.flush()]);
    const throwing = new SharedSync(7, () => {
      throw new Error('EBADF');
    });
    const error = await throwing.flush().catch((caught: unknown) => caught);
    expect(error).to.have.property('message', 'EBADF');
    expect(await throwing.flush().catch((caught: unknown) => caught)).to.equal(error);
  });

  it('lets a reader through at once when every counted write is covered, and holds it for the sync otherwise', async () => {
    const sync = manualSync();
    const shared = new SharedSync(7, sync.call);
    expect(await settledState(shared.covering()), 'nothing written yet').to.equal('resolved');
    expect(sync.started).to.equal(0);
    shared.wrote();
    const writer = shared.flush();
    const reader = shared.covering();
    expect(await settledState(reader)).to.equal('pending');
    await sync.finish(0);
    expect(await settledState(writer)).to.equal('resolved');
    expect(await settledState(reader)).to.equal('resolved');
    expect(await settledState(shared.covering()), 'covered by the finished sync').to.equal('resolved');
    expect(sync.started, 'the sync begun after the write served the reader too').to.equal(1);
  });
});
