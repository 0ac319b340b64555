import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Container } from 'inversify';
import { DomainError } from '../core/errors.ts';
import { httpRoutes, resolve } from './container.ts';
import { errorResponse } from './http/errors.ts';
import { parseMultipart } from './http/multipart.ts';
import type { HttpRequest, HttpResponse, Route } from './http/types.ts';
import { TOKENS } from './tokens.ts';

/** The Express entry point: a thin translation between Express and the shared routes. */
export function createExpressApp(container: Container): express.Express {
  const logger = resolve(container, TOKENS.Logger);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const { corsOrigins } = resolve(container, TOKENS.Config);
  app.use(
    cors({
      origin: corsOrigins,
      credentials: false,
      allowedHeaders: ['Content-Type', 'X-User-Id', 'Authorization'],
      exposedHeaders: ['Location', 'X-Request-Id'],
      maxAge: 600,
    }),
  );

  app.use((req, res, next) => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    res.setHeader('x-content-type-options', 'nosniff');
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ request_id: requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });

  const send = (res: Response, response: HttpResponse): void => {
    res.status(response.status);
    for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
    if (Buffer.isBuffer(response.body)) res.end(response.body);
    else if (response.body === undefined) res.end();
    else res.json(response.body);
  };

  const fail = (res: Response, error: unknown): void => {
    const requestId = String(res.locals.requestId);
    const response = errorResponse(error, requestId);
    if (response.status >= 500) logger.error({ request_id: requestId, err: error }, 'request failed');
    // A refused upload may still be arriving; closing stops the server from reading the rest.
    if (response.status === 413) res.setHeader('connection', 'close');
    send(res, response);
  };

  const handler = (route: Route) => async (req: Request, res: Response): Promise<void> => {
    try {
      const request: HttpRequest = {
        method: req.method,
        path: req.path,
        params: { ...req.params } as Record<string, string>,
        query: req.query as HttpRequest['query'],
        headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
        requestId: String(res.locals.requestId),
      };
      if (route.multipart) request.upload = await parseMultipart(req, res);
      send(res, await route.handle(request));
    } catch (error) {
      fail(res, error);
    }
  };

  for (const route of httpRoutes(container)) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'delete';
    app[method](route.path, handler(route));
  }

  app.use((req, res) => fail(res, new DomainError('not_found', 'not_found', `No route for ${req.method} ${req.path}.`)));
  // Errors Express raises itself, such as a malformed percent-encoding in the path.
  app.use((error: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const clientError = typeof error.status === 'number' && error.status >= 400 && error.status < 500;
    fail(res, clientError ? new DomainError('validation', 'validation_error', 'The request is malformed.') : error);
  });
  return app;
}
