import type { Context, SQSBatchResponse, SQSEvent, SQSRecord, ScheduledEvent } from 'aws-lambda';
import { isDomainError } from '../../core/errors.ts';
import { isDeleted } from '../../core/image.ts';
import type { Clock } from '../../core/ports/clock.port.ts';
import type { ImageCatalog } from '../../core/ports/image-catalog.port.ts';
import { isImageId } from '../../core/rules.ts';
import type { ProcessImage } from '../../core/use-cases/process-image.ts';
import type { Logger } from '../logger.ts';

export interface ProcessorSettings {
  /** The queue's redrive maxReceiveCount: a delivery with this receive count is the last before the dead-letter queue. */
  maxReceiveCount: number;
  /** Images of one batch worked on at once; each also uses sharp's threads. */
  imagesAtOnce: number;
  /** The sweep processes again an image still `processing` this long after its upload (the queue has had every chance). */
  stuckAfterMs: number;
  /** ...and marks it failed past this, without decoding it: whatever kept it from finishing may end the sweep too. */
  giveUpAfterMs: number;
  /** Kept back from the invocation's time to answer (and give up, on a last delivery) before Lambda cuts it off. */
  reserveMs: number;
  /** How long after its object is written an image's record may still be on its way: the API function's timeout. */
  recordGraceMs: number;
}

export interface ProcessorDeps {
  process: ProcessImage;
  catalog: ImageCatalog;
  clock: Clock;
  logger: Logger;
}

const MINUTE = 60_000;

/** The processor's own settings, beside what apps/config.ts reads for every entry point. */
export function processorSettings(env: Record<string, string | undefined>): ProcessorSettings {
  const problems: string[] = [];
  const whole = (name: string, fallback: number | undefined, min: number, max: number): number => {
    const raw = env[name];
    if ((raw === undefined || raw === '') && fallback !== undefined) return fallback;
    if (raw !== undefined && /^\d{1,6}$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw);
    problems.push(`${name}=${JSON.stringify(raw ?? '')} is not valid: expected a whole number from ${min} to ${max}.`);
    return min;
  };
  // No default: the last delivery is only known from the queue's own redrive setting.
  const maxReceiveCount = whole('PROCESSOR_MAX_RECEIVE_COUNT', undefined, 1, 1000);
  const stuckAfterMs = whole('PROCESSOR_STUCK_AFTER_MINUTES', 60, 1, 10_080) * MINUTE;
  const giveUpAfterMs = whole('PROCESSOR_GIVE_UP_AFTER_MINUTES', 180, 2, 20_160) * MINUTE;
  if (giveUpAfterMs <= stuckAfterMs) problems.push('PROCESSOR_GIVE_UP_AFTER_MINUTES must be more than PROCESSOR_STUCK_AFTER_MINUTES.');
  if (problems.length > 0) throw new Error(`Invalid processor configuration:\n  ${problems.join('\n  ')}`);
  return {
    maxReceiveCount,
    // Up to 1,769 MB a function gets less than one vCPU: two images at once overlap one's S3
    // reads and writes with the other's decoding, and more would only share the same core.
    imagesAtOnce: 2,
    stuckAfterMs,
    giveUpAfterMs,
    reserveMs: 5_000,
    // The API function's timeout (29 s), with room: its record is written before it answers.
    recordGraceMs: 60_000,
  };
}

/** What a sweep did, for its log line and for tests. */
export interface SweepReport {
  /** Live images still processing that the sweep looked at. */
  seen: number;
  gaveUp: string[];
  processed: Record<string, string>;
}

export type ProcessorEvent = SQSEvent | ScheduledEvent;
export type ProcessorContext = Pick<Context, 'getRemainingTimeInMillis'>;

/** A message that is not an S3 event notification: retried, then kept in the dead-letter queue for a person to read. */
export class MalformedMessage extends Error {
  override readonly name = 'MalformedMessage';
}

export interface CreatedImage {
  imageId: string;
  /** When S3 says the object was written, in epoch milliseconds (NaN when it does not say). */
  eventTime: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// The key the upload gives an original (core/use-cases/inspect-image.ts): `images/{id}.{ext}`.
const ORIGINAL_KEY = /^images\/([^/]+)\.[a-z0-9]{2,5}$/;

/**
 * The originals an SQS message's body announces. S3's `s3:TestEvent` (sent when the notification is
 * set up), other event kinds and objects outside `images/` (variants, pending uploads) announce none.
 * @throws MalformedMessage for a body that is no S3 event notification
 */
export function createdImages(body: string): CreatedImage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedMessage('The message body is not JSON.');
  }
  if (isObject(parsed) && parsed.Event === 's3:TestEvent') return [];
  if (!isObject(parsed) || !Array.isArray(parsed.Records)) throw new MalformedMessage('The message body is not an S3 event notification.');
  return parsed.Records.flatMap((record: unknown): CreatedImage[] => {
    if (!isObject(record)) throw new MalformedMessage('An S3 event record is not an object.');
    const { eventName, eventTime } = record;
    const object = isObject(record.s3) && isObject(record.s3.object) ? record.s3.object : undefined;
    if (typeof eventName !== 'string' || typeof object?.key !== 'string') throw new MalformedMessage('An S3 event record has no eventName or object key.');
    if (!eventName.startsWith('ObjectCreated:')) return [];
    let key: string;
    try {
      // S3 sends keys form-encoded: a space arrives as `+`.
      key = decodeURIComponent(object.key.replace(/\+/g, ' '));
    } catch {
      throw new MalformedMessage('An S3 event record carries a key that is not URL-encoded.');
    }
    const id = ORIGINAL_KEY.exec(key)?.[1];
    if (id === undefined || !isImageId(id)) return [];
    return [{ imageId: id, eventTime: typeof eventTime === 'string' ? Date.parse(eventTime) : Number.NaN }];
  });
}

const isSqsEvent = (event: ProcessorEvent): event is SQSEvent => Array.isArray((event as SQSEvent).Records);
const isScheduled = (event: ProcessorEvent): event is ScheduledEvent =>
  (event as ScheduledEvent).source === 'aws.events' && (event as ScheduledEvent)['detail-type'] === 'Scheduled Event';

const GAVE_UP = 'The image could not be processed.';
const SWEEP_LIMIT = 100;

interface Job {
  messageId: string;
  image: CreatedImage;
  last: boolean;
  /** Undefined while it runs; whether its message may be deleted once it is done. */
  done?: boolean;
}

/**
 * The processor function: SQS batches of the bucket's ObjectCreated notifications, and a scheduled
 * sweep. Each message succeeds or fails on its own (a partial batch response), so one bad image
 * never sends the others round again; on a message's last delivery its images are marked failed
 * instead, so none stays `processing` once the queue is done with it.
 */
export function createProcessorHandler(deps: ProcessorDeps, settings: ProcessorSettings) {
  const { process, catalog, clock, logger } = deps;

  /** True when its message may go; false to have it delivered again. Never throws. */
  async function processOne(job: Job): Promise<boolean> {
    const { imageId } = job.image;
    try {
      const result = await process.execute(imageId);
      if (result === 'gone' && (await recordMayBeComing(job.image))) {
        // The API writes the original, then the record: an event can outrun the second write.
        logger.warn({ image_id: imageId }, 'no record yet for a new original; the message is delivered again');
        return false;
      }
      logger.info({ image_id: imageId, result }, 'image processed');
      return true;
    } catch (error) {
      const outage = isDomainError(error, 'unavailable');
      if (!job.last) {
        logger[outage ? 'warn' : 'error']({ image_id: imageId, err: error }, outage ? 'processing deferred: a store is unavailable' : 'processing failed unexpectedly; the message is delivered again');
        return false;
      }
      logger.error({ image_id: imageId, err: error }, 'processing failed on the last delivery; the image is marked failed');
      return giveUp(imageId, GAVE_UP);
    }
  }

  async function recordMayBeComing(image: CreatedImage): Promise<boolean> {
    if (!(clock.now().getTime() - image.eventTime < settings.recordGraceMs)) return false;
    return (await catalog.get(image.imageId).catch(() => undefined)) === undefined;
  }

  /** Whether the image is no longer left processing; false keeps its message for the dead-letter queue. */
  async function giveUp(imageId: string, reason: string): Promise<boolean> {
    try {
      await process.giveUp(imageId, reason);
      return true;
    } catch (error) {
      logger.error({ image_id: imageId, err: error }, 'marking the image failed did not work; the sweep tries again');
      return false;
    }
  }

  /**
   * Runs `work` over the items, at most `limit` at once, until all are done or the invocation's time
   * is nearly up; items not started by then are left alone. Resolves at whichever comes first.
   */
  async function withinTime<T>(context: ProcessorContext, items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let stopped = false;
    const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (!stopped && next < items.length) await work(items[next++]!);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, context.getRemainingTimeInMillis() - settings.reserveMs))));
    await Promise.race([Promise.all(lanes), timeUp]);
    stopped = true;
    clearTimeout(timer);
  }

  async function batch(event: SQSEvent, context: ProcessorContext): Promise<SQSBatchResponse> {
    const failed = new Set<string>();
    const jobs: Job[] = [];
    for (const record of event.Records) {
      try {
        const last = receiveCount(record) >= settings.maxReceiveCount;
        for (const image of createdImages(record.body)) jobs.push({ messageId: record.messageId, image, last });
      } catch (error) {
        logger.error({ message_id: record.messageId, err: error }, 'an unreadable message; it is delivered again, then kept in the dead-letter queue');
        failed.add(record.messageId);
      }
    }
    await withinTime(context, jobs, settings.imagesAtOnce, async (job) => {
      job.done = await processOne(job);
    });
    for (const job of jobs) {
      if (job.done === undefined) {
        logger.error({ image_id: job.image.imageId, last: job.last }, 'processing did not finish in time');
        job.done = job.last && (await giveUp(job.image.imageId, GAVE_UP));
      }
      if (!job.done) failed.add(job.messageId);
    }
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  }

  /**
   * What the queue cannot catch: a notification that never came, or a delivery whose invocation
   * died (out of memory, cut off) before it could mark the image failed. Old enough images still
   * processing are processed again; the oldest, past `giveUpAfterMs`, are marked failed first, so an
   * image that kills whoever decodes it cannot stop the sweep for good.
   */
  async function sweep(context: ProcessorContext): Promise<SweepReport> {
    const now = clock.now().getTime();
    const report: SweepReport = { seen: 0, gaveUp: [], processed: {} };
    const stuck: string[] = [];
    for (const id of await catalog.listProcessing(SWEEP_LIMIT)) {
      // The index is read eventually consistently: each image is read again.
      const image = await catalog.get(id);
      if (image === undefined || isDeleted(image) || image.status !== 'processing') continue;
      report.seen += 1;
      const age = now - Date.parse(image.createdAt);
      if (age >= settings.giveUpAfterMs) {
        if (await giveUp(id, GAVE_UP)) report.gaveUp.push(id);
      } else if (age >= settings.stuckAfterMs) stuck.push(id);
    }
    await withinTime(context, stuck, 1, async (id) => {
      try {
        report.processed[id] = await process.execute(id);
      } catch (error) {
        report.processed[id] = 'deferred';
        logger.warn({ image_id: id, err: error }, 'the sweep could not process the image; the next sweep tries again');
      }
    });
    logger.info({ seen: report.seen, gave_up: report.gaveUp, processed: report.processed }, 'sweep of unfinished images');
    return report;
  }

  return async (event: ProcessorEvent, context: ProcessorContext): Promise<SQSBatchResponse | SweepReport> => {
    if (isSqsEvent(event)) return batch(event, context);
    if (isScheduled(event)) return sweep(context);
    throw new Error('The processor takes SQS batches of S3 notifications and scheduled sweeps, nothing else.');
  };
}

function receiveCount(record: SQSRecord): number {
  const count = Number((record.attributes as SQSRecord['attributes'] | undefined)?.ApproximateReceiveCount);
  // Lambda always sets it; a record without one is treated as a first delivery.
  return Number.isFinite(count) ? count : 1;
}
