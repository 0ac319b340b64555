import { isDomainError } from '../../core/errors.ts';
import type { ImageCatalog } from '../../core/ports/image-catalog.port.ts';
import type { ProcessingQueue } from '../../core/ports/processing-queue.port.ts';
import type { ProcessImage } from '../../core/use-cases/process-image.ts';
import type { Logger } from '../logger.ts';

export interface LocalWorkerOptions {
  /** Images processed at once; each also uses sharp's threads. */
  concurrency: number;
  /** Runs that end in an unexpected error before the image is marked failed (outages do not count). */
  attempts: number;
  /** How often the catalog is read for unfinished images: a restart's leftovers, and retries after an outage. */
  sweepMs: number;
  /** How soon after a deferred or failed run the catalog is read again: an outage such as a full disk is often brief. */
  retryMs: number;
}

/**
 * The processor on one machine: a bounded queue in the service's own process. Uploads wake it;
 * a sweep of the catalog's unfinished images, at start and then every `sweepMs`, catches what a
 * restart interrupted or an outage failed, so nothing stays `processing` for good.
 */
export class LocalWorker implements ProcessingQueue {
  private readonly waiting = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private process: ProcessImage | undefined;
  private catalog: ImageCatalog | undefined;
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly options: LocalWorkerOptions,
  ) {}

  /** Gives the worker what it works with (built after it, by the container that also uses it). */
  start(process: ProcessImage, catalog: ImageCatalog): void {
    this.process = process;
    this.catalog = catalog;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.sweepMs);
    this.timer.unref();
  }

  enqueue(imageId: string): void {
    if (this.stopped) return;
    this.waiting.add(imageId);
    this.pump();
  }

  /** Resolves once nothing is waiting or running. */
  async idle(): Promise<void> {
    while (this.waiting.size > 0 || this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Takes no more work and waits for what is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.waiting.clear();
    await Promise.all([...this.running]);
  }

  private async sweep(): Promise<void> {
    if (this.catalog === undefined) return;
    try {
      for (const id of await this.catalog.listProcessing(100)) this.enqueue(id);
    } catch (error) {
      this.logger.warn({ err: error }, 'listing unfinished images failed; the next sweep tries again');
    }
  }

  private pump(): void {
    while (this.process !== undefined && this.running.size < this.options.concurrency && this.waiting.size > 0) {
      const id = this.waiting.values().next().value as string;
      this.waiting.delete(id);
      const job = this.run(id).finally(() => {
        this.running.delete(job);
        this.pump();
      });
      this.running.add(job);
    }
  }

  private async run(imageId: string): Promise<void> {
    try {
      const result = await this.process!.execute(imageId);
      this.failures.delete(imageId);
      this.logger.info({ image_id: imageId, result }, 'image processed');
    } catch (error) {
      // An outage: the image stays processing, and the next sweep picks it up again.
      if (isDomainError(error, 'unavailable')) {
        this.logger.warn({ image_id: imageId, err: error }, 'processing deferred: a store is unavailable');
        this.retrySoon();
        return;
      }
      const failures = (this.failures.get(imageId) ?? 0) + 1;
      this.logger.error({ image_id: imageId, err: error, failures }, 'processing failed unexpectedly');
      if (failures < this.options.attempts) {
        this.failures.set(imageId, failures);
        this.retrySoon();
        return;
      }
      this.failures.delete(imageId);
      await this.process!.giveUp(imageId, 'The image could not be processed.').catch((giveUpError: unknown) =>
        this.logger.warn({ image_id: imageId, err: giveUpError }, 'marking the image failed did not work; the next sweep tries again'));
    }
  }

  /** One early sweep for every run deferred meanwhile, rather than a timer each. */
  private retrySoon(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.sweep();
    }, this.options.retryMs);
    this.retryTimer.unref();
  }
}
