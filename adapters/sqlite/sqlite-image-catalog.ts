import { DomainError, notFound } from '../../core/errors.ts';
import { erasing, isDeleted, isErased, sortKey, trashKey, withoutTrash } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogPage, CatalogQuery, ImageCatalog, ProcessingOutcome, PurgeRight, TrashQuery } from '../../core/ports/image-catalog.port.ts';
import { committed, guarded, isUniqueViolation, settledRead } from './database.ts';
import type { Db } from './database.ts';

// Open ends of a sort-key range as values, so each listing is one prepared statement.
const LOWEST = '';
const HIGHEST = '\u{10FFFF}';

type Row = { sort_key: string; doc: string };

/** The indexed columns of an image row, all derived from the image, so no write can let them disagree with it. */
function columns(image: Image) {
  return {
    id: image.id,
    owner: image.ownerId,
    sortKey: sortKey(image),
    deletedAt: image.deletedAt ?? null,
    purgeAt: image.purgeAt ?? null,
    trashKey: isDeleted(image) ? trashKey(image) : null,
    checksum: image.checksum,
    processing: image.status === 'processing' ? 1 : 0,
    doc: JSON.stringify(image),
  };
}

/**
 * The catalog in one SQLite database (docs: shared/design/data-model.md, "Local"). An image and
 * its tag rows are written in one transaction, so no listing ever sees half of one; every listing
 * is a range scan of an index, newest first, resumed below the last sort key. A change reads and
 * writes inside one IMMEDIATE transaction (SQLite has one writer), so its checks cannot go stale.
 */
export class SqliteImageCatalog implements ImageCatalog {
  private readonly statements;

  constructor(private readonly db: Db) {
    const range = 'sort_key >= @from AND sort_key < @below';
    const tagRange = 't.sort_key >= @from AND t.sort_key < @below';
    const values = '@id, @owner, @sortKey, @deletedAt, @purgeAt, @trashKey, @checksum, @processing, @doc';
    this.statements = {
      insert: db.prepare(`INSERT INTO images (id, owner_id, sort_key, deleted_at, purge_at, trash_key, checksum, processing, doc) VALUES (${values})`),
      replace: db.prepare(
        'UPDATE images SET owner_id = @owner, sort_key = @sortKey, deleted_at = @deletedAt, purge_at = @purgeAt, trash_key = @trashKey, checksum = @checksum, processing = @processing, doc = @doc WHERE id = @id',
      ),
      remove: db.prepare('DELETE FROM images WHERE id = ?'),
      processing: db.prepare('SELECT id FROM images WHERE processing = 1 AND deleted_at IS NULL ORDER BY sort_key LIMIT ?').pluck(),
      purgeable: db.prepare('SELECT id FROM images WHERE purge_at IS NOT NULL AND purge_at <= ? ORDER BY purge_at LIMIT ?').pluck(),
      insertTag: db.prepare('INSERT INTO image_tags (tag, sort_key, image_id, owner_id) VALUES (?, ?, ?, ?)'),
      deleteTag: db.prepare('DELETE FROM image_tags WHERE tag = ? AND sort_key = ?'),
      get: db.prepare('SELECT doc FROM images WHERE id = ?').pluck(),
      all: db.prepare(`SELECT sort_key, doc FROM images WHERE deleted_at IS NULL AND ${range} ORDER BY sort_key DESC LIMIT @limit`),
      byOwner: db.prepare(`SELECT sort_key, doc FROM images WHERE owner_id = @owner AND deleted_at IS NULL AND ${range} ORDER BY sort_key DESC LIMIT @limit`),
      byChecksum: db.prepare(
        `SELECT sort_key, doc FROM images WHERE owner_id = @owner AND checksum = @checksum AND deleted_at IS NULL AND ${range} ORDER BY sort_key DESC LIMIT @limit`,
      ),
      byTag: db.prepare(
        `SELECT t.sort_key, i.doc FROM image_tags t JOIN images i ON i.id = t.image_id
         WHERE t.tag = @tag AND ${tagRange} AND i.deleted_at IS NULL ORDER BY t.sort_key DESC LIMIT @limit`,
      ),
      byOwnerTag: db.prepare(
        `SELECT t.sort_key, i.doc FROM image_tags t JOIN images i ON i.id = t.image_id
         WHERE t.owner_id = @owner AND t.tag = @tag AND ${tagRange} AND i.deleted_at IS NULL ORDER BY t.sort_key DESC LIMIT @limit`,
      ),
      // Erased images (purge time passed) are left out by a filter: only a crash mid-erasure leaves one here.
      trash: db.prepare(
        'SELECT trash_key AS sort_key, doc FROM images WHERE owner_id = @owner AND trash_key IS NOT NULL AND trash_key < @below AND purge_at > @now ORDER BY trash_key DESC LIMIT @limit',
      ),
      ping: db.prepare('SELECT 1').pluck(),
    };
  }

  /** Every statement a request may run, for the test that reads their query plans. */
  get requestStatements(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.statements).map(([name, statement]) => [name, statement.source]));
  }

  async create(image: Image): Promise<void> {
    await committed(this.db, () => {
      try {
        this.db.transaction(() => {
          this.statements.insert.run(columns(image));
          this.linkTags(image);
        }).immediate();
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('conflict', 'conflict', `Image ${image.id} already exists.`);
        throw error;
      }
    });
  }

  async get(id: string): Promise<Image | undefined> {
    return settledRead(this.db, () => this.read(id));
  }

  async saveEdit(before: Image, after: Image): Promise<boolean> {
    return committed(this.db, () =>
      this.db.transaction(() => {
        const current = this.read(before.id);
        if (current === undefined || isDeleted(current) || current.updatedAt !== before.updatedAt) return false;
        this.write(current, { ...current, title: after.title, description: after.description, tags: after.tags, updatedAt: after.updatedAt });
        return true;
      }).immediate(),
    );
  }

  async markDeleted(id: string, ownerId: string, deletedAt: string, purgeAt: string): Promise<void> {
    await committed(this.db, () =>
      this.db.transaction(() => {
        const image = this.read(id);
        if (image === undefined) throw notFound(`Image ${id} was not found.`);
        if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can delete this image.');
        if (isDeleted(image)) throw new DomainError('gone', 'gone', `Image ${id} has already been deleted.`);
        this.write(image, { ...image, deletedAt, purgeAt, updatedAt: deletedAt });
      }).immediate(),
    );
  }

  async restore(id: string, ownerId: string, at: string): Promise<Image> {
    return committed(this.db, () =>
      this.db.transaction(() => {
        const image = this.read(id);
        if (image === undefined || isErased(image, at)) throw notFound(`Image ${id} was not found.`);
        if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can restore this image.');
        if (!isDeleted(image)) throw new DomainError('conflict', 'not_deleted', `Image ${id} is not in the trash.`);
        const restored: Image = { ...withoutTrash(image), updatedAt: at };
        this.write(image, restored);
        return restored;
      }).immediate(),
    );
  }

  async list(query: CatalogQuery): Promise<CatalogPage> {
    if (query.tags?.length === 0) return { items: [], more: false };
    // One match beyond the page tells whether there is more.
    const params = { from: query.from ?? LOWEST, below: lower(query.to, query.after), limit: query.limit + 1 };
    const rows = await settledRead(this.db, () => {
      if (query.checksum !== undefined) return this.statements.byChecksum.all({ ...params, owner: query.userId, checksum: query.checksum }) as Row[];
      if (query.tags === undefined) {
        return (query.userId === undefined ? this.statements.all.all(params) : this.statements.byOwner.all({ ...params, owner: query.userId })) as Row[];
      }
      const perTag = query.tags.map((tag) =>
        (query.userId === undefined ? this.statements.byTag.all({ ...params, tag }) : this.statements.byOwnerTag.all({ ...params, tag, owner: query.userId })) as Row[],
      );
      return newestFirstUnion(perTag, params.limit);
    });
    return page(rows, query.limit);
  }

  async listTrash(query: TrashQuery): Promise<CatalogPage> {
    const rows = await settledRead(this.db, () => this.statements.trash.all({ owner: query.ownerId, below: query.after ?? HIGHEST, now: query.now, limit: query.limit + 1 }) as Row[]);
    return page(rows, query.limit);
  }

  async beginPurge(id: string, right: PurgeRight, at: string): Promise<Image | undefined> {
    return committed(this.db, () =>
      this.db.transaction(() => {
        const image = this.read(id);
        if (image === undefined) return undefined;
        if ('expiredBy' in right) return isErased(image, right.expiredBy) ? image : undefined;
        if (image.ownerId !== right.ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can erase this image.');
        const hidden = erasing(image, at);
        this.write(image, hidden);
        return hidden;
      }).immediate(),
    );
  }

  async erase(id: string): Promise<void> {
    await committed(this.db, () =>
      this.db.transaction(() => {
        const image = this.read(id);
        if (image === undefined) return;
        this.unlinkTags(image);
        this.statements.remove.run(id);
      }).immediate(),
    );
  }

  async listPurgeable(at: string, limit: number): Promise<string[]> {
    return settledRead(this.db, () => this.statements.purgeable.all(at, Math.max(limit, 0)) as string[]);
  }

  async recordProcessed(id: string, outcome: ProcessingOutcome): Promise<boolean> {
    return committed(this.db, () =>
      this.db.transaction(() => {
        const image = this.read(id);
        if (image === undefined || isDeleted(image) || image.status !== 'processing') return false;
        const done: Image =
          outcome.status === 'ready'
            ? { ...image, status: 'ready', variants: outcome.variants, placeholder: outcome.placeholder }
            : { ...image, status: 'failed', statusReason: outcome.reason };
        this.write(image, done);
        return true;
      }).immediate(),
    );
  }

  async listProcessing(limit: number): Promise<string[]> {
    return settledRead(this.db, () => this.statements.processing.all(Math.max(limit, 0)) as string[]);
  }

  async ping(): Promise<void> {
    guarded(() => this.statements.ping.get());
  }

  private read(id: string): Image | undefined {
    const doc = this.statements.get.get(id) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as Image);
  }

  /** Replaces `before`'s row with `after`, tag rows included; inside a transaction. */
  private write(before: Image, after: Image): void {
    this.unlinkTags(before);
    this.statements.replace.run(columns(after));
    this.linkTags(after);
  }

  // Only live images have tag rows: a deleted one leaves every tag listing at once.
  private linkTags(image: Image): void {
    if (!isDeleted(image)) for (const tag of new Set(image.tags)) this.statements.insertTag.run(tag, sortKey(image), image.id, image.ownerId);
  }

  private unlinkTags(image: Image): void {
    if (!isDeleted(image)) for (const tag of new Set(image.tags)) this.statements.deleteTag.run(tag, sortKey(image));
  }
}

const lower = (a: string | undefined, b: string | undefined): string =>
  a === undefined ? (b ?? HIGHEST) : b === undefined ? a : a < b ? a : b;

const page = (rows: Row[], limit: number): CatalogPage => ({ items: rows.slice(0, limit).map((row) => JSON.parse(row.doc) as Image), more: rows.length > limit });

/** Several newest-first lists as one, each row once (an image with two of the tags is in two lists), at most `limit`. */
function newestFirstUnion(lists: Row[][], limit: number): Row[] {
  const merged = new Map<string, Row>();
  for (const row of lists.flat()) merged.set(row.sort_key, row);
  return [...merged.values()].sort((a, b) => (a.sort_key < b.sort_key ? 1 : -1)).slice(0, limit);
}
