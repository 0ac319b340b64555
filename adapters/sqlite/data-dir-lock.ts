import { join } from 'node:path';
import Database from 'better-sqlite3';

export class DataDirInUse extends Error {
  override readonly name = 'DataDirInUse';
}

/**
 * Makes this process the only service on `dataDir` until it exits. The lock is SQLite's own
 * (POSIX) lock on a file of its own, held by an open exclusive transaction: the operating system
 * drops it when the process ends in any way, `kill -9` included, so no stale lock survives a
 * crash, and the catalog itself stays readable by other tools meanwhile.
 * @throws DataDirInUse when another process holds it
 */
export function lockDataDir(dataDir: string): { release(): void } {
  const db = new Database(join(dataDir, 'service.lock'), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DataDirInUse(`Another image service is already using the data folder ${dataDir}. Stop it first, or start this one with another DATA_DIR.`);
    }
    throw error;
  }
  return {
    release: () => {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
