import type { ErasureRequest, ErasureRequests } from '../../core/ports/erasure-requests.port.ts';

export class MemoryErasureRequests implements ErasureRequests {
  private readonly requests = new Map<string, ErasureRequest>();

  async open(ownerId: string, at: string): Promise<ErasureRequest> {
    const current = this.requests.get(ownerId);
    if (current !== undefined && current.finishedAt === undefined) return { ...current };
    const request: ErasureRequest = { ownerId, requestedAt: at, erased: 0 };
    this.requests.set(ownerId, request);
    return { ...request };
  }

  async get(ownerId: string): Promise<ErasureRequest | undefined> {
    const request = this.requests.get(ownerId);
    return request === undefined ? undefined : { ...request };
  }

  async save(request: ErasureRequest): Promise<void> {
    this.requests.set(request.ownerId, { ...request });
  }

  async listOpen(limit: number): Promise<ErasureRequest[]> {
    return [...this.requests.values()]
      .filter((request) => request.finishedAt === undefined)
      .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1))
      .slice(0, Math.max(limit, 0))
      .map((request) => ({ ...request }));
  }
}
