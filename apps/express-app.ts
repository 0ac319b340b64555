import { createHash, randomUUID } from 'node:crypto';
import cors from 'cors';
import express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Container } from 'inversify';
import type { Config } from './config.ts';
import { dispatchDeps, resolve } from './container.ts';
import { dispatch } from './http/dispatch.ts';
import { errorResponse } from './http/errors.ts';
import { DomainError } from '../core/errors.ts';
import { parseMultipart } from './http/multipart.ts';
import type { HttpResponse } from './http/types.ts';
import { TOKENS } from './tokens.ts';

/**
 * The Express entry point: CORS and write rate limits, then one handler that hands every
 * request to the shared dispatcher, so routing and errors are exactly those of Lambda's.
 */
export function createExpressApp(container: Container): express.Express {
  const config = resolve(container, TOKENS.Config);
  const deps = dispatchDeps(container);
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
      allowedHeaders: ['Content-Type', 'X-User-Id', 'Authorization'],
      exposedHeaders: ['Location', 'X-Request-Id'],
      maxAge: 600,
    }),
  );
  for (const limiter of writeRateLimits(config.rateLimit)) app.use(limiter);

  app.use(async (req: Request, res: Response) => {
    const queryAt = req.originalUrl.indexOf('?');
    send(
      res,
      await dispatch(deps, {
        method: req.method,
        rawPath: queryAt === -1 ? req.originalUrl : req.originalUrl.slice(0, queryAt),
        rawQuery: queryAt === -1 ? '' : req.originalUrl.slice(queryAt + 1),
        headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
        requestId: String(res.locals.requestId),
        readUpload: (kind) => parseMultipart(req, kind),
        readBody: (maxBytes) => readStream(req, maxBytes),
      }),
    );
  });
  return app;
}

async function readStream(req: Request, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new DomainError('too_large', 'payload_too_large', `The body is larger than ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: Response, response: HttpResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  // A refused upload may still be arriving; closing stops the server from reading the rest.
  if (response.status === 413) res.setHeader('connection', 'close');
  if (Buffer.isBuffer(response.body)) res.end(response.body);
  else if (response.body === undefined) res.end();
  else res.json(response.body);
}

const isWrite = (req: Request): boolean => req.method === 'POST' || req.method === 'DELETE';

/**
 * The caller a write claims to be, for its own allowance: the whole bearer token (a forged one
 * is just another key) or X-User-Id. Per-IP limits hold whatever a caller claims.
 */
function claimedCaller(req: Request): string | undefined {
  const claim = req.headers.authorization ?? req.headers['x-user-id'];
  return claim === undefined ? undefined : createHash('sha256').update(String(claim)).digest('base64url');
}

/** Writes per minute per client IP and per caller, answered with the API's own 429 shape. */
function writeRateLimits(limits: Config['rateLimit']): RequestHandler[] {
  const refuse = (_req: Request, res: Response): void => {
    const requestId = String(res.locals.requestId);
    const response = errorResponse(new DomainError('rate_limited', 'rate_limited', 'Too many uploads or deletes; wait a minute and try again.'), requestId);
    send(res, { ...response, headers: { 'x-request-id': requestId, 'x-content-type-options': 'nosniff' } });
  };
  const common = { windowMs: 60_000, standardHeaders: 'draft-8', legacyHeaders: false, handler: refuse } as const;
  const handlers: RequestHandler[] = [];
  if (limits.writesPerMinutePerIp > 0) handlers.push(rateLimit({ ...common, limit: limits.writesPerMinutePerIp, skip: (req) => !isWrite(req) }));
  if (limits.writesPerMinutePerCaller > 0) {
    handlers.push(
      rateLimit({
        ...common,
        limit: limits.writesPerMinutePerCaller,
        skip: (req) => !isWrite(req) || claimedCaller(req) === undefined,
        keyGenerator: (req) => claimedCaller(req)!,
      }),
    );
  }
  return handlers;
}
