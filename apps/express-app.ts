import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import cors from 'cors';
import express from 'express';
import type { Request, Response } from 'express';
import type { Container } from 'inversify';
import type { Config } from './config.ts';
import { dispatchDeps, resolve } from './container.ts';
import { UploadBudget, drainRest, idleGuarded, overBudget } from './http/body-guards.ts';
import { dispatch } from './http/dispatch.ts';
import type { DispatchDeps } from './http/dispatch.ts';
import { DomainError } from '../core/errors.ts';
import { MAX_UPLOAD_BODY_BYTES, parseUpload } from './http/multipart.ts';
import type { BodySource } from './http/multipart.ts';
import { isStream } from './http/types.ts';
import type { HttpResponse } from './http/types.ts';
import { TOKENS } from './tokens.ts';
import { WriteLimits } from './http/write-limits.ts';

/**
 * The Express entry point: CORS and write rate limits, then one handler that hands every
 * request to the shared dispatcher, so routing and errors are exactly those of Lambda's. Bodies
 * are read here as they arrive: an upload first reserves its bytes in a global budget, and a body
 * that stops arriving is cut off.
 */
export function createExpressApp(container: Container): express.Express {
  return expressApp(resolve(container, TOKENS.Config), dispatchDeps(container));
}

/** The same app over any routes: tests serve a store's own routes through it. */
export function expressApp(config: Pick<Config, 'corsOrigins' | 'rateLimit' | 'uploadBudgetBytes' | 'bodyIdleTimeoutMs'>, deps: DispatchDeps): express.Express {
  const budget = new UploadBudget(config.uploadBudgetBytes);
  const limited: DispatchDeps = { ...deps, limits: new WriteLimits(config.rateLimit) };
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((_req, res, next) => {
    res.locals.requestId = randomUUID();
    next();
  });
  app.use(
    cors({
      origin: config.corsOrigins,
      credentials: false,
      // Only what some route serves (cors would otherwise advertise PUT and PATCH as well).
      methods: deps.methods,
      allowedHeaders: ['Content-Type', 'X-User-Id', 'Authorization', 'Idempotency-Key', 'If-Match'],
      exposedHeaders: ['Location', 'X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'ETag', 'Idempotent-Replayed'],
      maxAge: 600,
    }),
  );

  app.use(async (req: Request, res: Response) => {
    const queryAt = req.originalUrl.indexOf('?');
    // The guard starts when a reader first asks for the stream, not before the body is wanted.
    let guarded: Readable | undefined;
    const body = (): BodySource => ({
      get stream() {
        return (guarded ??= idleGuarded(req, config.bodyIdleTimeoutMs));
      },
      headers: req.headers,
    });
    const response = await dispatch(limited, {
      method: req.method,
      rawPath: queryAt === -1 ? req.originalUrl : req.originalUrl.slice(0, queryAt),
      rawQuery: queryAt === -1 ? '' : req.originalUrl.slice(queryAt + 1),
      headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
      requestId: String(res.locals.requestId),
      // The socket's address: no proxy is trusted to say otherwise (X-Forwarded-For is forgeable).
      ...(req.socket.remoteAddress === undefined ? {} : { clientIp: req.socket.remoteAddress }),
      readUpload: async () => {
        // What the upload may grow to: its declared length, or the most a legal upload can be.
        const declared = Number(req.headers['content-length']);
        const release = budget.reserve(Number.isFinite(declared) && declared > 0 ? Math.min(declared, MAX_UPLOAD_BODY_BYTES) : MAX_UPLOAD_BODY_BYTES);
        if (release === undefined) throw overBudget();
        // Held until the answer is sent: the use case keeps the bytes that long.
        res.once('close', release);
        return parseUpload(body());
      },
      readBody: (maxBytes) => readStream(body(), maxBytes),
      stream: body,
    });
    send(req, res, response, config.bodyIdleTimeoutMs);
  });
  return app;
}

async function readStream(source: BodySource, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source.stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new DomainError('too_large', 'payload_too_large', `The body is larger than ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(req: Request, res: Response, response: HttpResponse, idleMs = 30_000): void {
  res.status(response.status);
  // Vary adds to what the CORS middleware set (Origin), rather than replacing it.
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (name === 'vary') res.vary(value);
    else res.setHeader(name, value);
  }
  // A client that stalled gets its answer and the connection closed; any other early answer
  // leaves the connection open while the rest of the body is drained, so the client can read it.
  if (response.status === 408) res.setHeader('connection', 'close');
  else drainRest(req, idleMs);
  if (isStream(response.body)) {
    pipeline(response.body, res, () => {});
    return;
  }
  if (Buffer.isBuffer(response.body)) res.end(response.body);
  else if (response.body === undefined) res.end();
  else res.json(response.body);
  if (response.status === 408) res.once('finish', () => req.socket.destroy());
}
