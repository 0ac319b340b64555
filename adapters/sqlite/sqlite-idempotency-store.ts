import type { IdempotencyRecord, IdempotencyStore } from '../../core/ports/idempotency-store.port.ts';
import { committed } from './database.ts';
import type { Db } from './database.ts';

type Row = { fingerprint: string; answer: string | null; locked_until: string; expires_at: string };

const toRecord = (row: Row): IdempotencyRecord => ({
  fingerprint: row.fingerprint,
  lockedUntil: row.locked_until,
  expiresAt: row.expires_at,
  ...(row.answer === null ? {} : { answer: row.answer }),
});

/** Idempotency records in the catalog's database; expired ones are removed as new ones are claimed. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      get: db.prepare('SELECT fingerprint, answer, locked_until, expires_at FROM idempotency WHERE scope = ? AND key = ?'),
      put: db.prepare('INSERT OR REPLACE INTO idempotency (scope, key, fingerprint, answer, locked_until, expires_at) VALUES (@scope, @key, @fingerprint, NULL, @lockedUntil, @expiresAt)'),
      complete: db.prepare('UPDATE idempotency SET answer = @answer, expires_at = @expiresAt WHERE scope = @scope AND key = @key'),
      release: db.prepare('DELETE FROM idempotency WHERE scope = ? AND key = ? AND answer IS NULL'),
      // A few at a time, so the table stays bounded without a long write.
      expire: db.prepare('DELETE FROM idempotency WHERE (scope, key) IN (SELECT scope, key FROM idempotency WHERE expires_at < ? LIMIT 20)'),
    };
  }

  get requestStatements(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.statements).map(([name, statement]) => [`idempotency ${name}`, statement.source]));
  }

  async claim(scope: string, key: string, record: IdempotencyRecord, now: string): Promise<IdempotencyRecord | undefined> {
    return committed(this.db, () =>
      this.db.transaction(() => {
        const row = this.statements.get.get(scope, key) as Row | undefined;
        if (row !== undefined && row.expires_at > now && (row.answer !== null || row.locked_until > now)) return toRecord(row);
        this.statements.put.run({ scope, key, ...record });
        this.statements.expire.run(now);
        return undefined;
      }).immediate(),
    );
  }

  async complete(scope: string, key: string, answer: string, expiresAt: string): Promise<void> {
    await committed(this.db, () => this.statements.complete.run({ scope, key, answer, expiresAt }));
  }

  async release(scope: string, key: string): Promise<void> {
    await committed(this.db, () => this.statements.release.run(scope, key));
  }
}
