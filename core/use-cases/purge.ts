import { DomainError, notFound } from '../errors.ts';
import { VARIANT_NAMES, variantKey } from '../image.ts';
import type { Image } from '../image.ts';
import type { BlobStore } from '../ports/blob-store.port.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { ErasureRequest, ErasureRequests } from '../ports/erasure-requests.port.ts';
import type { ImageCatalog, PurgeRight } from '../ports/image-catalog.port.ts';
import { isImageId, parseUserId } from '../rules.ts';

/**
 * Erasing one image, in the only order a crash cannot spoil: hide it for good, remove its files,
 * then its record. Interrupted anywhere, it is left hidden with its purge time passed, which is
 * what the retention sweep looks for, so the sweep finishes it.
 */
export class Eraser {
  constructor(
    private readonly blobs: BlobStore,
    private readonly catalog: ImageCatalog,
  ) {}

  /** @returns whether there was an image to erase. @throws `forbidden` (another owner's), `unavailable` */
  async erase(id: string, right: PurgeRight, at: string): Promise<boolean> {
    const image = await this.catalog.beginPurge(id, right, at);
    if (image === undefined) return false;
    await this.removeFiles(image);
    await this.catalog.erase(id);
    return true;
  }

  private async removeFiles(image: Image): Promise<void> {
    await Promise.all([image.storageKey, ...VARIANT_NAMES.map((name) => variantKey(image.id, name))].map((key) => this.blobs.delete(key)));
  }
}

/** `DELETE /images/{id}?purge=true`: the owner erases an image now, from the trash or directly. */
export class PurgeImage {
  constructor(
    private readonly eraser: Eraser,
    private readonly clock: Clock,
  ) {}

  /** @throws `not_found` (unknown, or already erased), `forbidden`, `unavailable` */
  async execute(id: string, callerId: string): Promise<void> {
    const caller = parseUserId(callerId, 'caller');
    const erased = isImageId(id) && (await this.eraser.erase(id, { ownerId: caller }, this.clock.now().toISOString()));
    if (!erased) throw notFound(`Image ${id} was not found.`);
  }
}

/** The retention sweep: erases what stayed in a trash past its purge time, and finishes interrupted erasures. */
export class PurgeExpired {
  constructor(
    private readonly eraser: Eraser,
    private readonly catalog: ImageCatalog,
    private readonly clock: Clock,
  ) {}

  /** @returns how many images were erased. @throws `unavailable` */
  async execute(limit = 100): Promise<number> {
    const now = this.clock.now().toISOString();
    let erased = 0;
    for (const id of await this.catalog.listPurgeable(now, limit)) {
      if (await this.eraser.erase(id, { expiredBy: now }, now)) erased += 1;
    }
    return erased;
  }
}

const PAGE = 25;

/** How long a caller lets work go on (real time, unlike the domain's clock): checked between pages. */
export interface Budget {
  exhausted(): boolean;
}

/**
 * `DELETE /users/{id}/images?purge=true`: erases every image the user had when they asked, trash
 * included. The request is recorded first, so work a deadline cuts short goes on in the
 * background (`continueOpen`) and a repeat of the request resumes rather than restarts.
 */
export class EraseUserImages {
  constructor(
    private readonly eraser: Eraser,
    private readonly catalog: ImageCatalog,
    private readonly requests: ErasureRequests,
    private readonly clock: Clock,
  ) {}

  /** Works until the budget is spent. @throws `validation`, `forbidden` (someone else's images), `unavailable` */
  async execute(ownerId: string, callerId: string, budget: Budget): Promise<ErasureRequest> {
    const owner = parseUserId(ownerId);
    if (parseUserId(callerId, 'caller') !== owner) throw new DomainError('forbidden', 'forbidden', "Only the owner can erase a user's images.");
    const request = await this.requests.open(owner, this.clock.now().toISOString());
    return this.work(request, budget);
  }

  /** The owner's latest request. @throws `validation`, `forbidden`, `not_found` (none) */
  async status(ownerId: string, callerId: string): Promise<ErasureRequest> {
    const owner = parseUserId(ownerId);
    if (parseUserId(callerId, 'caller') !== owner) throw new DomainError('forbidden', 'forbidden', 'An erasure is visible to its owner only.');
    const request = await this.requests.get(owner);
    if (request === undefined) throw notFound(`No erasure was requested for ${owner}.`);
    return request;
  }

  /** Background work on unfinished requests, while the budget lasts. @returns how many were finished. */
  async continueOpen(budget: Budget): Promise<number> {
    let finished = 0;
    for (const request of await this.requests.listOpen(10)) {
      if (budget.exhausted()) break;
      if ((await this.work(request, budget)).finishedAt !== undefined) finished += 1;
    }
    return finished;
  }

  private async work(request: ErasureRequest, budget: Budget): Promise<ErasureRequest> {
    const progress = { ...request };
    // Live images up to the request (an upload made after asking is not part of it), then the trash.
    const before = new Date(Date.parse(request.requestedAt) + 1).toISOString();
    while (!budget.exhausted()) {
      const now = this.clock.now().toISOString();
      let page = (await this.catalog.list({ userId: request.ownerId, to: before, limit: PAGE })).items;
      if (page.length === 0) page = (await this.catalog.listTrash({ ownerId: request.ownerId, limit: PAGE, now })).items;
      if (page.length === 0) {
        progress.finishedAt = now;
        break;
      }
      for (const image of page) if (await this.eraser.erase(image.id, { ownerId: request.ownerId }, now)) progress.erased += 1;
      await this.requests.save(progress);
    }
    await this.requests.save(progress);
    return progress;
  }
}
