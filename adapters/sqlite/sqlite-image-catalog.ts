import { DomainError, notFound } from '../../core/errors.ts';
import { isDeleted, sortKey } from '../../core/image.ts';
import type { Image } from '../../core/image.ts';
import type { CatalogPage, CatalogQuery, ImageCatalog, ProcessingOutcome } from '../../core/ports/image-catalog.port.ts';
import { guarded, isUniqueViolation } from './database.ts';
import type { Db } from './database.ts';

// Open ends of a sort-key range as values, so each listing is one prepared statement.
const LOWEST = '';
const HIGHEST = '\u{10FFFF}';

type Row = { sort_key: string; doc: string };

/**
 * The catalog in one SQLite database (docs: shared/design/data-model.md, "Local"). An image and
 * its tag rows are written in one transaction, so no listing ever sees half of one; every listing
 * is a range scan of an index, newest first, resumed below the last sort key.
 */
export class SqliteImageCatalog implements ImageCatalog {
  private readonly statements;

  constructor(private readonly db: Db) {
    const range = 'sort_key >= @from AND sort_key < @below';
    const tagRange = 't.sort_key >= @from AND t.sort_key < @below';
    this.statements = {
      insert: db.prepare('INSERT INTO images (id, owner_id, sort_key, deleted_at, processing, doc) VALUES (@id, @owner, @sortKey, @deletedAt, @processing, @doc)'),
      recordProcessed: db.prepare("UPDATE images SET processing = 0, doc = @doc WHERE id = @id AND processing = 1 AND deleted_at IS NULL"),
      processing: db.prepare('SELECT id FROM images WHERE processing = 1 AND deleted_at IS NULL ORDER BY sort_key LIMIT ?').pluck(),
      insertTag: db.prepare('INSERT INTO image_tags (tag, sort_key, image_id, owner_id) VALUES (?, ?, ?, ?)'),
      deleteTag: db.prepare('DELETE FROM image_tags WHERE tag = ? AND sort_key = ?'),
      get: db.prepare('SELECT doc FROM images WHERE id = ?').pluck(),
      update: db.prepare('UPDATE images SET deleted_at = @deletedAt, doc = @doc WHERE id = @id'),
      all: db.prepare(`SELECT sort_key, doc FROM images WHERE deleted_at IS NULL AND ${range} ORDER BY sort_key DESC LIMIT @limit`),
      byOwner: db.prepare(`SELECT sort_key, doc FROM images WHERE owner_id = @owner AND deleted_at IS NULL AND ${range} ORDER BY sort_key DESC LIMIT @limit`),
      byTag: db.prepare(
        `SELECT t.sort_key, i.doc FROM image_tags t JOIN images i ON i.id = t.image_id
         WHERE t.tag = @tag AND ${tagRange} AND i.deleted_at IS NULL ORDER BY t.sort_key DESC LIMIT @limit`,
      ),
      byOwnerTag: db.prepare(
        `SELECT t.sort_key, i.doc FROM image_tags t JOIN images i ON i.id = t.image_id
         WHERE t.owner_id = @owner AND t.tag = @tag AND ${tagRange} AND i.deleted_at IS NULL ORDER BY t.sort_key DESC LIMIT @limit`,
      ),
      ping: db.prepare('SELECT 1').pluck(),
    };
  }

  /**
   * Every statement a request may run, for the test that reads their query plans. The worker's
   * list of unfinished images is left out: it walks a partial index holding only those images.
   */
  get requestStatements(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.statements).map(([name, statement]) => [name, statement.source]));
  }

  async create(image: Image): Promise<void> {
    guarded(() => {
      try {
        this.db.transaction(() => {
          this.statements.insert.run({
            id: image.id,
            owner: image.ownerId,
            sortKey: sortKey(image),
            deletedAt: image.deletedAt ?? null,
            processing: image.status === 'processing' ? 1 : 0,
            doc: JSON.stringify(image),
          });
          if (!isDeleted(image)) for (const tag of new Set(image.tags)) this.statements.insertTag.run(tag, sortKey(image), image.id, image.ownerId);
        }).immediate();
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('conflict', 'conflict', `Image ${image.id} already exists.`);
        throw error;
      }
    });
  }

  async get(id: string): Promise<Image | undefined> {
    const doc = guarded(() => this.statements.get.get(id) as string | undefined);
    return doc === undefined ? undefined : (JSON.parse(doc) as Image);
  }

  async markDeleted(id: string, ownerId: string, deletedAt: string): Promise<void> {
    guarded(() =>
      this.db.transaction(() => {
        const doc = this.statements.get.get(id) as string | undefined;
        if (doc === undefined) throw notFound(`Image ${id} was not found.`);
        const image = JSON.parse(doc) as Image;
        if (image.ownerId !== ownerId) throw new DomainError('forbidden', 'forbidden', 'Only the owner can delete this image.');
        if (isDeleted(image)) throw new DomainError('gone', 'gone', `Image ${id} has already been deleted.`);
        const deleted: Image = { ...image, deletedAt, updatedAt: deletedAt };
        this.statements.update.run({ id, deletedAt, doc: JSON.stringify(deleted) });
        for (const tag of new Set(image.tags)) this.statements.deleteTag.run(tag, sortKey(image));
      }).immediate(),
    );
  }

  async list(query: CatalogQuery): Promise<CatalogPage> {
    if (query.tags?.length === 0) return { items: [], more: false };
    // One match beyond the page tells whether there is more.
    const params = { from: query.from ?? LOWEST, below: lower(query.to, query.after), limit: query.limit + 1 };
    const rows = guarded(() => {
      if (query.tags === undefined) {
        return (query.userId === undefined ? this.statements.all.all(params) : this.statements.byOwner.all({ ...params, owner: query.userId })) as Row[];
      }
      const perTag = query.tags.map((tag) =>
        (query.userId === undefined ? this.statements.byTag.all({ ...params, tag }) : this.statements.byOwnerTag.all({ ...params, tag, owner: query.userId })) as Row[],
      );
      return newestFirstUnion(perTag, params.limit);
    });
    const items = rows.slice(0, query.limit).map((row) => JSON.parse(row.doc) as Image);
    return { items, more: rows.length > query.limit };
  }

  async recordProcessed(id: string, outcome: ProcessingOutcome, at: string): Promise<boolean> {
    return guarded(() =>
      this.db.transaction(() => {
        const doc = this.statements.get.get(id) as string | undefined;
        if (doc === undefined) return false;
        const image = JSON.parse(doc) as Image;
        const done: Image =
          outcome.status === 'ready'
            ? { ...image, status: 'ready', variants: outcome.variants, placeholder: outcome.placeholder, updatedAt: at }
            : { ...image, status: 'failed', statusReason: outcome.reason, updatedAt: at };
        return this.statements.recordProcessed.run({ id, doc: JSON.stringify(done) }).changes === 1;
      }).immediate(),
    );
  }

  async listProcessing(limit: number): Promise<string[]> {
    return guarded(() => this.statements.processing.all(Math.max(limit, 0)) as string[]);
  }

  async ping(): Promise<void> {
    guarded(() => this.statements.ping.get());
  }
}

const lower = (a: string | undefined, b: string | undefined): string =>
  a === undefined ? (b ?? HIGHEST) : b === undefined ? a : a < b ? a : b;

/** Several newest-first lists as one, each row once (an image with two of the tags is in two lists), at most `limit`. */
function newestFirstUnion(lists: Row[][], limit: number): Row[] {
  const merged = new Map<string, Row>();
  for (const row of lists.flat()) merged.set(row.sort_key, row);
  return [...merged.values()].sort((a, b) => (a.sort_key < b.sort_key ? 1 : -1)).slice(0, limit);
}
