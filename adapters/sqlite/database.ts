import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { DomainError} from '../../core/errors.ts';
import { isDomainError, unavailable } from '../../core/errors.ts';
import { MIGRATIONS } from './schema.ts';

export type Db = Database.Database;

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

/** Runs a database call so that only DomainErrors leave the adapter; unknown failures are bugs and stay as they are. */
export function guarded<T>(call: () => T, what?: string): T {
  try {
    return call();
  } catch (error) {
    if (isDomainError(error) || OUTAGE.test(sqliteCode(error) ?? '')) throw storeFailure(error, what);
    throw error;
  }
}

/**
 * Opens (creating if needed) the database and brings its schema up to date. WAL lets reads go on
 * while a write commits; `synchronous = FULL` makes a commit durable before it returns, so an
 * acknowledged upload survives a power cut, not only a crash of the process.
 */
export function openDatabase(file: string): Db {
  const db = new Database(file, { timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
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
  db.prepare('INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)').run(name, randomBytes(32));
  return (db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: Buffer }).value;
}
