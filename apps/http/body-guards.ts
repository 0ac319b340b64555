import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { HttpError } from './errors.ts';

/**
 * Upload bytes held in memory by all requests together. Each upload reserves what it may grow
 * to before reading a byte, so a crowd of slow or large uploads meets a clear 503 instead of
 * pushing the process out of memory.
 */
export class UploadBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** @returns a release function, or undefined when `bytes` more would pass the budget. */
  reserve(bytes: number): (() => void) | undefined {
    if (this.used + bytes > this.limit) return undefined;
    this.used += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
    };
  }

  get inFlight(): number {
    return this.used;
  }
}

/** Seconds a client told "busy" is asked to wait: about how long a few uploads take to finish. */
export const BUSY_RETRY_SECONDS = 5;

export const overBudget = (): HttpError =>
  new HttpError(503, 'service_unavailable', `The service is receiving as many uploads as it can hold; try again in ${BUSY_RETRY_SECONDS} seconds.`, {
    retry_after_seconds: BUSY_RETRY_SECONDS,
  });

export const bodyTimedOut = (seconds: number): HttpError =>
  new HttpError(408, 'request_timeout', `The request body stopped arriving for ${seconds} seconds, so the request was cut off.`);

/**
 * The body as a stream that fails with 408 once nothing has arrived for `idleMs` (a client that
 * stalls mid-upload would otherwise hold its memory and socket for as long as it likes).
 */
export function idleGuarded(request: IncomingMessage, idleMs: number): Readable {
  const body = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => clearTimeout(timer);
  const arm = (): void => {
    stop();
    timer = setTimeout(() => {
      request.unpipe(body);
      body.destroy(bodyTimedOut(Math.round(idleMs / 1000)));
    }, idleMs);
  };
  arm();
  request.on('data', arm);
  request.once('end', stop);
  request.once('close', stop);
  body.once('close', () => {
    stop();
    request.off('data', arm);
  });
  request.once('error', (error) => body.destroy(error));
  // Readers see the failure through their own reads; no listener must not mean a crash.
  body.on('error', () => {});
  request.pipe(body);
  return body;
}

/** How much of a refused body is read and thrown away so the client can read its answer. */
export const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * After an early answer (413, 415, 503...) the client is usually still sending. Closing the
 * socket then makes it fail with EPIPE or a reset before it reads the answer, so the rest is
 * read and discarded, up to a bound past which the connection is dropped after all.
 */
export function drainRest(request: IncomingMessage, idleMs: number, limit = DRAIN_LIMIT_BYTES): void {
  if (request.complete || request.destroyed) return;
  let discarded = 0;
  request.unpipe();
  request.removeAllListeners('data');
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit) request.socket.destroy();
  });
  // A client that stops sending while being drained is not waited for either.
  request.socket.setTimeout(idleMs, () => request.socket.destroy());
  request.once('end', () => request.socket.setTimeout(0));
  request.resume();
}
