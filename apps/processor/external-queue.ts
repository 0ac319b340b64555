import type { ProcessingQueue } from '../../core/ports/processing-queue.port.ts';

/**
 * Where another process makes the variants: on AWS the original's ObjectCreated event reaches the
 * processor function through SQS, so the API has nothing to tell anyone.
 */
export class ExternalQueue implements ProcessingQueue {
  enqueue(): void {}
}
