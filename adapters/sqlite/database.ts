import { randomBytes } from 'node:crypto';
import { fdatasync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DomainError} from '../../core/errors.ts';
import { isDomainError, unavailable } from '../../core/errors.ts';
import { MIGRATIONS } from './schema.ts';
import { SharedSync, fsyncFolder } from '../system/shared-sync.ts';
import type { SyncCall } from '../system/shared-sync.ts';

/**
 * The database, with `synced()`, for a writer right after its commit: resolves once every commit
 * made before the call is on disk; and `settled()`, for a reader: resolves once every commit it
 * may have seen is, at once when no commit is waiting for a sync.
 */
export type Db = Database.Database & { synced(): Promise<void>; settled(): Promise<void> };

/** The SQLite error codes that mean "the database cannot do this now", not "the input is wrong". */
const OUTAGE = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL|NOMEM|NOLFS)/;

const sqliteCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

export const isUniqueViolation = (error: unknown): boolean => /^SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)$/.test(sqliteCode(error) ?? '');

/**
 * A full disk, an I/O error or a locked file is, to the domain, a store that is unavailable: the
 * client may retry. The SQLite text names files, so it stays in `cause`, for the logs.
 */
export function storeFailure(error: unknown, what = 'The image catalog'): DomainError {
  if (isDomainError(error)) return error;
  const code = sqliteCode(error) ?? '';
  const message = code.startsWith('SQLITE_FULL') ? `${what} has no disk space left; try again later.` : `${what} is unavailable right now; try again later.`;
  return unavailable(message, error);
}

/** better-sqlite3's answer to any use of a closed database: see `openDatabase`, which closes it when its disk fails. */
const isClosed = (error: unknown): boolean => error instanceof TypeError && error.message === 'The database connection is not open';

/** Runs a database call so that only DomainErrors leave the adapter; unknown failures are bugs and stay as they are. */
export function guarded<T>(call: () => T, what?: string): T {
  try {
    return call();
  } catch (error) {
    if (isDomainError(error) || OUTAGE.test(sqliteCode(error) ?? '') || isClosed(error)) throw storeFailure(error, what);
    throw error;
  }
}

/**
 * Runs a write (a statement or a transaction) like `guarded`, then resolves once it is durable:
 * what every adapter method that writes returns, so a write is never acknowledged before then.
 */
export async function committed<T>(db: Db, call: () => T, what?: string): Promise<T> {
  let result: T;
  try {
    result = guarded(call, what);
  } catch (error) {
    // A refusal may rest on a commit not yet on disk (a second DELETE sees the first one's): it
    // is not answered before that commit is.
    if (isDomainError(error) && error.kind !== 'unavailable') await settled(db, what);
    throw error;
  }
  await durable(db, what);
  return result;
}

/** A failed sync, to the domain, is a store outage. */
const outage =
  (what?: string) =>
  (error: unknown): never => {
    throw storeFailure(error, what);
  };

const settled = (db: Db, what?: string): Promise<void> => db.settled().catch(outage(what));

/** Waits until what was committed so far is on disk. */
export const durable = (db: Db, what?: string): Promise<void> => db.synced().catch(outage(what));

/**
 * Runs a read like `guarded`, and resolves once whatever it read is on disk, so no answer shows
 * a commit that a power cut could still take back (what `synchronous = FULL` gave by syncing
 * inside COMMIT). Costs nothing when no write is waiting for its sync.
 */
export async function settledRead<T>(db: Db, call: () => T, what?: string): Promise<T> {
  const result = guarded(call, what);
  await settled(db, what);
  return result;
}

/**
 * Opens (creating if needed) the database and brings its schema up to date. WAL lets reads go on
 * while a write commits. A commit is written to the WAL at once but made durable by `synced()`,
 * which fsyncs the WAL off the event loop and shares one fsync among concurrent commits: every
 * write awaits it before it resolves, so an acknowledged upload survives a power cut, not only a
 * crash of the process. (`synchronous = FULL` would fsync inside each COMMIT, on the event loop.)
 */
export function openDatabase(file: string, options: { walSync?: SyncCall } = {}): Db {
  const db = new Database(file, { timeout: 5000 }) as Db;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    // SQLite appends every commit to the one WAL file, keeps that file while a connection is
    // open, and syncs it before a checkpoint copies it into the database: syncing it is enough.
    const wal = new SharedSync(openSync(`${file}-wal`, 'r+'), options.walSync ?? fdatasync);
    // The WAL's entry in its folder, made at open, must survive a power cut too.
    fsyncFolder(dirname(file));
    const close = db.close.bind(db);
    const closeOnFailure = (error: unknown): never => {
      if (db.open) close();
      throw error;
    };
    return Object.assign(db, {
      // A failed sync leaves commits that readers already see but the disk may not hold. The
      // database closes then, so every later request is a 503 rather than a read of them, until
      // a restart lets SQLite's recovery show what the disk really has.
      synced: () => {
        wal.wrote();
        return wal.flush().catch(closeOnFailure);
      },
      settled: () => wal.covering().catch(closeOnFailure),
      close: () => {
        if (db.open) close();
        wal.close();
        return db;
      },
    });
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`The database was written by a newer version of the service (schema ${current}; this one knows ${MIGRATIONS.length}).`);
  }
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

/** A secret kept in the database, made on first use; every later start reads the same one. */
export function keptSecret(db: Db, name: string): Buffer {
  const made = db.prepare('INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)').run(name, randomBytes(32)).changes > 0;
  // Made at start-up, before any write could make it durable: a checkpoint syncs it to disk now.
  if (made) db.pragma('wal_checkpoint(FULL)');
  return (db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: Buffer }).value;
}
