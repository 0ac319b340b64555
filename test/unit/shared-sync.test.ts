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

  it('rejects the callers of a failed sync, and tries the disk again for the next caller', async () => {
    const sync = manualSync();
    const shared = new SharedSync(7, sync.call);
    const failed = shared.flush();
    failed.catch(() => {});
    const waiting = shared.flush();
    waiting.catch(() => {});
    await sync.finish(0, Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    expect(await settledState(failed)).to.equal('rejected');
    // The queued callers still get a sync of their own, which may succeed.
    expect(sync.started).to.equal(2);
    await sync.finish(1);
    expect(await settledState(waiting)).to.equal('resolved');
    const again = shared.flush();
    expect(sync.started).to.equal(3);
    await sync.finish(2);
    expect(await settledState(again)).to.equal('resolved');
  });
});
