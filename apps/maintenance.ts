import type { SweepExpiredUploads } from '../core/use-cases/direct-upload.ts';
import type { EraseUserImages, PurgeExpired } from '../core/use-cases/purge.ts';
import { budgetOf } from './http/lifecycle-routes.ts';
import type { Logger } from './logger.ts';

export interface MaintenanceTasks {
  sweepUploads: SweepExpiredUploads;
  purgeExpired: PurgeExpired;
  eraseUsers: EraseUserImages;
}

/** One pass of the background work, bounded by `budgetMs`; what is left waits for the next pass. */
export async function maintain(tasks: MaintenanceTasks, logger: Logger, budgetMs: number): Promise<void> {
  const budget = budgetOf(budgetMs);
  const step = async (name: string, work: () => Promise<number>): Promise<void> => {
    try {
      const done = await work();
      if (done > 0) logger.info({ task: name, done }, 'maintenance');
    } catch (error) {
      logger.warn({ task: name, err: error }, 'maintenance step failed; the next pass tries again');
    }
  };
  await step('erase users', () => tasks.eraseUsers.continueOpen(budget));
  await step('purge expired', async () => {
    let erased = 0;
    // Batches of 100 until one comes back short or time is up.
    for (let batch = 100; batch === 100 && !budget.exhausted(); ) {
      batch = await tasks.purgeExpired.execute(100);
      erased += batch;
    }
    return erased;
  });
  await step('sweep uploads', () => tasks.sweepUploads.execute());
}

/**
 * The background work on one machine: user erasures left running by a 202, images past their
 * trash time, abandoned direct uploads. On AWS the maintenance function runs the same passes on a
 * schedule (DynamoDB's TTL and the bucket's lifecycle rule could not remove files and records together).
 */
export class LocalMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly tasks: MaintenanceTasks,
    private readonly logger: Logger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.pass(), this.everyMs);
    this.timer.unref();
    this.pass();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private pass(): void {
    // One pass at a time: a slow one is not stacked on.
    if (this.running !== undefined) return;
    this.running = maintain(this.tasks, this.logger, this.everyMs).finally(() => (this.running = undefined));
  }
}
