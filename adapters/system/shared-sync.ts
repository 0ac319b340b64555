import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';

export type SyncCall = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

/**
 * Syncs one open file or folder on libuv's thread pool, shared: callers that arrive while a sync
 * runs wait for the next one, which covers them all (group commit). So concurrent writes pay for
 * one fsync, and the event loop never waits on the disk.
 *
 * A failed sync is final. Linux reports a writeback error once and marks the pages clean, so a
 * second fsync would succeed over data that never reached the disk: every later `flush` fails
 * with the first error (as PostgreSQL stops rather than retry an fsync).
 */
export class SharedSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  /** Writes announced with `wrote()`, and how many of them a finished sync is known to cover. */
  private written = 0;
  private covered = 0;
  private runningUpTo = 0;

  /** `sync` is fdatasync for a file whose contents are what matters, not its times. */
  constructor(
    private readonly fd: number,
    private readonly sync: SyncCall = fsync,
  ) {}

  /** Resolves once everything written to the file (or folder) before the call is on disk. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('The file is closed.'));
    if (this.running === undefined) return (this.running = this.start());
    // The sync in flight may have started before the caller's write: wait for the next one.
    this.queued ??= this.running.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  /** Counts a write made to the file, which `covering()` then waits for. */
  wrote(): void {
    this.written += 1;
  }

  /** Resolves once every write counted so far is on disk: at once when a sync already covered them. */
  covering(): Promise<void> {
    if (this.failure === undefined && this.covered >= this.written) return Promise.resolve();
    // A sync that began after the last counted write covers it: no need to queue for the next.
    if (this.running !== undefined && this.runningUpTo >= this.written) return this.running;
    return this.flush();
  }

  /** Closes the descriptor once no sync is running or waiting on it, so none lands on a reused number. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const pending = this.queued ?? this.running;
    if (pending === undefined) closeSync(this.fd);
    else void pending.catch(() => {}).finally(() => closeSync(this.fd));
  }

  private startQueued(): Promise<void> {
    this.queued = undefined;
    return this.flush();
  }

  private async start(): Promise<void> {
    const upTo = this.written;
    this.runningUpTo = upTo;
    try {
      await new Promise<void>((resolve, reject) => this.sync(this.fd, (error) => (error === null ? resolve() : reject(error))));
      this.covered = Math.max(this.covered, upTo);
    } catch (error) {
      this.failure ??= error;
      throw error;
    } finally {
      this.running = undefined;
    }
  }
}

/** Syncs a folder now, so the entries made in it survive a power cut; for start-up, where waiting is fine. */
export function fsyncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
