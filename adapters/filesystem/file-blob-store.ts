import { randomUUID } from 'node:crypto';
import { closeSync, createReadStream, fsync, open as openFd } from 'node:fs';
import { access, copyFile, link, mkdir, open, rename, rm, rmdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { isDomainError, notFound, unavailable } from '../../core/errors.ts';
import type { DomainError } from '../../core/errors.ts';
import type { PostPolicy, PresignedPost, StoredBlob } from '../../core/ports/blob-store.port.ts';
import type { Clock } from '../../core/ports/clock.port.ts';
import { committed, durable, guarded, settledRead } from '../sqlite/database.ts';
import type { Db } from '../sqlite/database.ts';
import type { SelfServedStore, ServedObject } from '../system/self-served-store.ts';
import { SharedSync } from '../system/shared-sync.ts';
import type { SyncCall } from '../system/shared-sync.ts';
import { formTooLarge, formTooSmall } from '../system/signed-urls.ts';
import type { UrlSigner } from '../system/signed-urls.ts';

// Keys are made by the service; anything else (dot segments, empty segments) cannot name a file here.
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}){0,8}$/;

const OUT_OF_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const OUTAGE = new Set(['EIO', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'EBUSY']);

/** A full disk or a broken volume is, to the domain, a store that is unavailable; the path stays in `cause`. */
function fileFailure(error: unknown): unknown {
  if (isDomainError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (OUT_OF_SPACE.has(code)) return unavailable('The image store has no disk space left; try again later.', error);
  if (OUTAGE.has(code)) return unavailable('The image store is unavailable right now; try again later.', error);
  return error;
}

const missing = (): DomainError => notFound('The object does not exist.');

type BlobRow = { content_type: string; file_name: string; size: number; etag: string };
type Written = { size: number; etag: string };

/**
 * Image bytes as files under `{dataDir}/blobs`, with their type, name and validator in the
 * catalog's database. A file is written under a temporary name, fsynced, renamed into place and
 * its folder fsynced, so a crash leaves the whole file or none under a key; the leftovers of
 * a crash are only ever in `{dataDir}/tmp`, emptied at start-up. Downloads and direct-upload
 * forms go through URLs the service signs and serves itself.
 */
export class FileBlobStore implements SelfServedStore {
  private readonly root: string;
  private readonly tmp: string;
  private readonly statements;
  private readonly folderSyncs = new Map<string, SharedSync>();
  /** The kind folders whose entries in the root are known to be on disk. */
  private readonly linked = new Set<string>();

  constructor(
    dataDir: string,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly signer: UrlSigner,
    /** How the kind folders are synced: fsync, or a failing one in tests. */
    private readonly folderSync: SyncCall = fsync,
  ) {
    this.root = join(dataDir, 'blobs');
    this.tmp = join(dataDir, 'tmp');
    this.statements = {
      get: db.prepare('SELECT content_type, file_name, size, etag FROM blobs WHERE key = ?'),
      upsert: db.prepare(
        `INSERT INTO blobs (key, content_type, file_name, size, etag) VALUES (@key, @contentType, @fileName, @size, @etag)
         ON CONFLICT (key) DO UPDATE SET content_type = excluded.content_type, file_name = excluded.file_name, size = excluded.size, etag = excluded.etag`,
      ),
      delete: db.prepare('DELETE FROM blobs WHERE key = ?'),
    };
  }

  /** Every statement a request may run, for the test that reads their query plans. */
  get requestStatements(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.statements).map(([name, statement]) => [name, statement.source]));
  }

  /** Creates the folders and removes what a crash left in the temporary one. Call at start-up, holding the data-folder lock. */
  async prepare(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
    await mkdir(this.tmp, { recursive: true });
    await mkdir(this.root, { recursive: true });
    await syncOnce(dirname(this.root));
  }

  async put(key: string, bytes: Uint8Array, blob: StoredBlob): Promise<void> {
    const path = this.pathOf(key);
    const written = await this.commitFile(path, async (handle) => {
      await handle.writeFile(bytes);
      return bytes.length;
    });
    await this.record(key, path, blob.contentType, blob.fileName, written);
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    // The row first: without it the file is invisible, whatever happens to the unlink.
    await committed(this.db, () => this.statements.delete.run(key), 'The image store');
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw fileFailure(error);
    });
    await this.pruneFolder(dirname(path));
  }

  /**
   * An image's own folder (its variants') goes with its last file, so erasing leaves no trace of
   * the id; a folder that still holds files, or one of the top-level ones, stays.
   */
  private async pruneFolder(folder: string): Promise<void> {
    if (dirname(folder) === this.root || folder === this.root) return;
    await rmdir(folder).catch(() => {});
  }

  async exists(key: string): Promise<boolean> {
    return (await this.row(key)) !== undefined;
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return this.signer.getUrl(key, this.nowSeconds() + expiresInSeconds);
  }

  async presignPost(key: string, policy: PostPolicy): Promise<PresignedPost> {
    const { url, fields, expires } = this.signer.postForm(key, policy, this.nowSeconds());
    return { url, fields, expiresAt: new Date(expires * 1000).toISOString() };
  }

  async stat(key: string): Promise<{ size: number; contentType: string } | undefined> {
    const row = await this.row(key);
    return row === undefined ? undefined : { size: row.size, contentType: row.content_type };
  }

  async readStart(key: string, maxBytes: number): Promise<Uint8Array> {
    const row = await this.row(key);
    if (row === undefined) throw missing();
    const handle = await open(this.pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? missing() : fileFailure(error);
    });
    try {
      const buffer = Buffer.alloc(Math.min(Math.max(maxBytes, 1), row.size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** A hard link where the volume allows it (files are never changed in place), else a byte copy. */
  async copy(fromKey: string, toKey: string, blob: StoredBlob): Promise<void> {
    const source = await this.row(fromKey);
    if (source === undefined) throw missing();
    const from = this.pathOf(fromKey);
    const to = this.pathOf(toKey);
    const written = await this.commitFile(to, undefined, async (tmpPath) => {
      try {
        await link(from, tmpPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missing();
        await copyFile(from, tmpPath);
      }
      return source.size;
    });
    await this.record(toKey, to, blob.contentType, blob.fileName, written);
  }

  async ping(): Promise<void> {
    await access(this.root).catch((error: unknown) => {
      throw unavailable('The image store is unavailable right now; try again later.', error);
    });
    guarded(() => this.statements.get.get(''), 'The image store');
  }

  async openSigned(key: string, query: Record<string, string | string[] | undefined>): Promise<ServedObject> {
    const remainingSeconds = this.signer.checkGet(key, query, this.nowSeconds());
    const row = await this.row(key);
    if (row === undefined) throw missing();
    const path = this.pathOf(key);
    return {
      size: row.size,
      contentType: row.content_type,
      fileName: row.file_name,
      etag: row.etag,
      remainingSeconds,
      read: (start, end) => createReadStream(path, { start, end }),
    };
  }

  async receiveForm(fields: Record<string, string | undefined>, file: Readable): Promise<void> {
    const policy = this.signer.checkPost(fields, this.nowSeconds());
    const path = this.pathOf(policy.key);
    const written = await this.commitFile(path, async (handle) => {
      let size = 0;
      for await (const chunk of file as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > policy.maxBytes) throw formTooLarge(policy.maxBytes);
        await handle.write(chunk);
      }
      if (size < policy.minBytes) throw formTooSmall(policy.minBytes);
      return size;
    });
    await this.record(policy.key, path, policy.contentType, policy.key.slice(policy.key.lastIndexOf('/') + 1), written);
  }

  /**
   * Writes a file under a temporary name (by `fill`, or made by `make` at that path), makes it
   * durable and renames it into place; on any failure the temporary file is removed. `fill` and
   * `make` return the file's size.
   */
  private async commitFile(path: string, fill?: (handle: FileHandle) => Promise<number>, make?: (tmpPath: string) => Promise<number>): Promise<Written> {
    const id = randomUUID();
    const tmpPath = join(this.tmp, id);
    let handle: FileHandle | undefined;
    try {
      let size = 0;
      if (make !== undefined) size = await make(tmpPath);
      handle = await open(tmpPath, make === undefined ? 'wx' : 'r+', 0o640);
      if (fill !== undefined) size = await fill(handle);
      await handle.sync();
      await handle.close();
      handle = undefined;
      const folder = dirname(path);
      // Folders are made when first needed, and a delete may prune one meanwhile: made on ENOENT.
      for (let attempt = 1; ; attempt += 1) {
        const renamed = await rename(tmpPath, path).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT' || attempt === 3) throw error;
            return false;
          },
        );
        if (renamed) break;
        await mkdir(folder, { recursive: true });
      }
      await this.syncFolder(folder);
      await this.syncLinks(folder);
      // Unique per write: keys are written once, but a variant may be rendered again.
      return { size, etag: `"${size.toString(36)}-${id.slice(0, 13)}"` };
    } catch (error) {
      await handle?.close().catch(() => {});
      await rm(tmpPath, { force: true }).catch(() => {});
      throw fileFailure(error);
    }
  }

  /**
   * The root and the folders right under it (one per kind of blob) are never removed, so their
   * handles are kept open and their syncs shared among concurrent writes; an image's own folder
   * may be pruned and made again, so it is opened for each sync.
   */
  private async syncFolder(folder: string): Promise<void> {
    if (folder !== this.root && dirname(folder) !== this.root) return syncOnce(folder);
    let shared = this.folderSyncs.get(folder);
    if (shared === undefined) {
      const fd = await openFolder(folder);
      // Another write may have opened it meanwhile.
      shared = this.folderSyncs.get(folder);
      if (shared === undefined) this.folderSyncs.set(folder, (shared = new SharedSync(fd, this.folderSync)));
      else closeSync(fd);
    }
    await shared.flush();
  }

  /**
   * Makes every folder between `folder` and the root durable in its parent. An image's folder may
   * have been made just now, by this write or by a concurrent one that has not synced its parent
   * yet, so its parent is synced every time (a shared sync); a kind folder, never removed, is
   * synced into the root once.
   */
  private async syncLinks(folder: string): Promise<void> {
    for (let dir = folder; dir !== this.root && !this.linked.has(dir); dir = dirname(dir)) {
      await this.syncFolder(dirname(dir));
      if (dirname(dir) === this.root) this.linked.add(dir);
    }
  }

  /** Closes the folder handles kept open; call when the store is no longer used. */
  close(): void {
    for (const shared of this.folderSyncs.values()) shared.close();
    this.folderSyncs.clear();
  }

  /**
   * Records a committed file; if the row cannot be written, the file goes too, so nothing is
   * half-stored. (A row written but not yet durable when the sync fails names a whole file: the
   * caller, told the put failed, deletes both.)
   */
  private async record(key: string, path: string, contentType: string, fileName: string, { size, etag }: Written): Promise<void> {
    try {
      guarded(() => this.statements.upsert.run({ key, contentType, fileName, size, etag }), 'The image store');
    } catch (error) {
      void unlink(path).catch(() => {});
      throw error;
    }
    await durable(this.db, 'The image store');
  }

  private row(key: string): Promise<BlobRow | undefined> {
    return settledRead(this.db, () => this.statements.get.get(key) as BlobRow | undefined, 'The image store');
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw missing();
    return join(this.root, ...key.split('/'));
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}

async function syncOnce(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** A raw descriptor, not a FileHandle: it is kept open for the process's life, and a FileHandle would be closed when collected. */
function openFolder(path: string): Promise<number> {
  return new Promise((resolve, reject) => openFd(path, 'r', (error, fd) => (error === null ? resolve(fd) : reject(error))));
}
