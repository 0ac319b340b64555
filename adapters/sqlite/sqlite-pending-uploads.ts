import { DomainError } from '../../core/errors.ts';
import type { PendingUpload, PendingUploads } from '../../core/ports/pending-uploads.port.ts';
import { committed, isUniqueViolation, settledRead } from './database.ts';
import type { Db } from './database.ts';

/** Pending direct uploads in the catalog's database; expired ones are found through their expiry index. */
export class SqlitePendingUploads implements PendingUploads {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      insert: db.prepare('INSERT INTO pending_uploads (id, expires_at, doc) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT doc FROM pending_uploads WHERE id = ?').pluck(),
      delete: db.prepare('DELETE FROM pending_uploads WHERE id = ?'),
      expired: db.prepare('SELECT doc FROM pending_uploads WHERE expires_at < ? ORDER BY expires_at, id LIMIT ?').pluck(),
    };
  }

  /** Every statement a request may run, for the test that reads their query plans. */
  get requestStatements(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.statements).map(([name, statement]) => [name, statement.source]));
  }

  async create(upload: PendingUpload): Promise<void> {
    await committed(this.db, () => {
      try {
        this.statements.insert.run(upload.id, upload.expiresAt, JSON.stringify(upload));
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('conflict', 'conflict', `Upload ${upload.id} already exists.`);
        throw error;
      }
    });
  }

  async get(id: string): Promise<PendingUpload | undefined> {
    const doc = await settledRead(this.db, () => this.statements.get.get(id) as string | undefined);
    return doc === undefined ? undefined : (JSON.parse(doc) as PendingUpload);
  }

  async delete(id: string): Promise<void> {
    await committed(this.db, () => this.statements.delete.run(id));
  }

  async listExpired(now: string, limit: number): Promise<PendingUpload[]> {
    const docs = await settledRead(this.db, () => this.statements.expired.all(now, Math.max(limit, 0)) as string[]);
    return docs.map((doc) => JSON.parse(doc) as PendingUpload);
  }
}
