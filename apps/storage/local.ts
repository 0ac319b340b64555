import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Clock } from '../../core/ports/clock.port.ts';
import { FileBlobStore } from '../../adapters/filesystem/file-blob-store.ts';
import { lockDataDir } from '../../adapters/sqlite/data-dir-lock.ts';
import { fsyncFolder } from '../../adapters/system/shared-sync.ts';
import { keptSecret, openDatabase } from '../../adapters/sqlite/database.ts';
import { SqliteImageCatalog } from '../../adapters/sqlite/sqlite-image-catalog.ts';
import { SqlitePendingUploads } from '../../adapters/sqlite/sqlite-pending-uploads.ts';
import { SqliteErasureRequests } from '../../adapters/sqlite/sqlite-erasure-requests.ts';
import { SqliteIdempotencyStore } from '../../adapters/sqlite/sqlite-idempotency-store.ts';
import { UrlSigner } from '../../adapters/system/signed-urls.ts';
import type { Config } from '../config.ts';
import type { Storage } from './storage.ts';

/** A start-up refusal whose message is the whole story for the person starting the service. */
export class StorageRefused extends Error {
  override readonly name = 'StorageRefused';
}

export const CATALOG_FILE = 'catalog.db';

/**
 * The data folder of the embedded S3 and DynamoDB servers that earlier versions ran: their
 * folders, and no catalog of ours yet.
 */
export function holdsEmbeddedLayout(dataDir: string): boolean {
  return !existsSync(join(dataDir, CATALOG_FILE)) && (existsSync(join(dataDir, 's3')) || existsSync(join(dataDir, 'dynamodb')));
}

/**
 * One machine: the catalog in SQLite and the bytes in files, both under DATA_DIR, owned by this
 * process alone for as long as it runs. The secrets that sign URLs and page tokens are kept in
 * the database, so URLs handed out before a restart keep working after it.
 * @throws StorageRefused for an old layout or a data folder another process is using
 */
export async function localStorage(config: Config, clock: Clock, options: { migrating?: boolean } = {}): Promise<Storage> {
  const { dataDir } = config;
  const made = await mkdir(dataDir, { recursive: true });
  // Folders made just now must be durable in their parents, or a power cut could drop them whole.
  for (let dir = dataDir; made !== undefined && dir !== dirname(made); ) {
    dir = dirname(dir);
    fsyncFolder(dir);
  }
  if (options.migrating !== true && holdsEmbeddedLayout(dataDir)) {
    throw new StorageRefused(
      `The data folder ${dataDir} holds images from the embedded S3 and DynamoDB servers that earlier versions ran (its s3/ and dynamodb/ folders). ` +
        'This version keeps images in SQLite and files instead. To bring them over, run `npm run migrate:embedded` (with the same DATA_DIR), ' +
        'then start the service again; or start with DATA_DIR set to an empty folder.',
    );
  }
  let lock;
  try {
    lock = lockDataDir(dataDir);
  } catch (error) {
    throw new StorageRefused((error as Error).message, { cause: error });
  }
  try {
    const db = openDatabase(join(dataDir, CATALOG_FILE));
    const blobs = new FileBlobStore(dataDir, db, clock, new UrlSigner(keptSecret(db, 'url-signing'), config.publicUrl));
    await blobs.prepare();
    return {
      blobStore: blobs,
      selfServed: blobs,
      catalog: new SqliteImageCatalog(db),
      pending: new SqlitePendingUploads(db),
      erasures: new SqliteErasureRequests(db),
      idempotency: new SqliteIdempotencyStore(db),
      pageTokenSecret: keptSecret(db, 'page-tokens'),
      description: { storage: 'local: SQLite and files', data_dir: dataDir },
      setup: async () => {},
      close: () => {
        blobs.close();
        db.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
