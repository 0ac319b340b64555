import type { IdempotencyRecord, IdempotencyStore } from '../../core/ports/idempotency-store.port.ts';

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  async claim(scope: string, key: string, record: IdempotencyRecord, now: string): Promise<IdempotencyRecord | undefined> {
    const id = JSON.stringify([scope, key]);
    const held = this.records.get(id);
    if (held !== undefined && held.expiresAt > now && (held.answer !== undefined || held.lockedUntil > now)) return { ...held };
    this.records.set(id, { ...record });
    return undefined;
  }

  async complete(scope: string, key: string, answer: string, expiresAt: string): Promise<void> {
    const held = this.records.get(JSON.stringify([scope, key]));
    if (held !== undefined) Object.assign(held, { answer, expiresAt });
  }

  async release(scope: string, key: string): Promise<void> {
    const id = JSON.stringify([scope, key]);
    if (this.records.get(id)?.answer === undefined) this.records.delete(id);
  }
}
