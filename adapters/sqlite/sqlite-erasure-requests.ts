import type { ErasureRequest, ErasureRequests } from '../../core/ports/erasure-requests.port.ts';
import { committed, settledRead } from './database.ts';
import type { Db } from './database.ts';

/** Erasure requests in the catalog's database; one row per owner, the latest request. */
export class SqliteErasureRequests implements ErasureRequests {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      get: db.prepare('SELECT doc FROM erasures WHERE owner_id = ?').pluck(),
      put: db.prepare('INSERT OR REPLACE INTO erasures (owner_id, requested_at, finished_at, doc) VALUES (@ownerId, @requestedAt, @finishedAt, @doc)'),
      open: db.prepare('SELECT doc FROM erasures WHERE finished_at IS NULL ORDER BY requested_at LIMIT ?').pluck(),
    };
  }

  get requestStatements(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.statements).map(([name, statement]) => [`erasure ${name}`, statement.source]));
  }

  async open(ownerId: string, at: string): Promise<ErasureRequest> {
    return committed(this.db, () =>
      this.db.transaction(() => {
        const current = this.read(ownerId);
        if (current !== undefined && current.finishedAt === undefined) return current;
        const request: ErasureRequest = { ownerId, requestedAt: at, erased: 0 };
        this.put(request);
        return request;
      }).immediate(),
    );
  }

  async get(ownerId: string): Promise<ErasureRequest | undefined> {
    return settledRead(this.db, () => this.read(ownerId));
  }

  async save(request: ErasureRequest): Promise<void> {
    await committed(this.db, () => this.put(request));
  }

  async listOpen(limit: number): Promise<ErasureRequest[]> {
    return settledRead(this.db, () => (this.statements.open.all(Math.max(limit, 0)) as string[]).map((doc) => JSON.parse(doc) as ErasureRequest));
  }

  private read(ownerId: string): ErasureRequest | undefined {
    const doc = this.statements.get.get(ownerId) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as ErasureRequest);
  }

  private put(request: ErasureRequest): void {
    this.statements.put.run({ ownerId: request.ownerId, requestedAt: request.requestedAt, finishedAt: request.finishedAt ?? null, doc: JSON.stringify(request) });
  }
}
