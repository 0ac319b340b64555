/**
 * Where committed images wait to be processed. On AWS the object's creation event queues it (an
 * S3 notification into SQS), so telling is a no-op; on one machine it wakes the local worker.
 */
export interface ProcessingQueue {
  /** Never throws: a missed nudge is caught up by the worker's scan of unfinished images. */
  enqueue(imageId: string): void;
}
