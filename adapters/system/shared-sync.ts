import { closeSync, fsync } from 'node:fs';

export type SyncCall = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

/**
 * Syncs one open file or folder on libuv's thread pool, shared: callers that arrive while a sync
 * runs wait for the next one, which covers them all (group commit). So concurrent writes pay for
 * one fsync, and the event loop never waits on the disk.
 */
export class SharedSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  /** `sync` is fdatasync for a file whose contents are what matters, not its times. */
  constructor(
    private readonly fd: number,
    private readonly sync: SyncCall = fsync,
  ) {}

  /** Resolves once everything written to the file (or folder) before the call is on disk. */
  flush(): Promise<void> {
    if (this.running === undefined) return (this.running = this.start());
    // The sync in flight may have started before the caller's write: wait for the next one.
    this.queued ??= this.running.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  close(): void {
    closeSync(this.fd);
  }

  private startQueued(): Promise<void> {
    this.queued = undefined;
    return this.flush();
  }

  private start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.sync(this.fd, (error) => {
        this.running = undefined;
        if (error === null) resolve();
        else reject(error);
      });
    });
  }
}
