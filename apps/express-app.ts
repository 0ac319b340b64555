import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express from 'express';
import type { Request, Response } from 'express';
import type { Container } from 'inversify';
import { httpRoutes, resolve } from './container.ts';
import { dispatch } from './http/dispatch.ts';
import { parseMultipart } from './http/multipart.ts';
import { createRouter } from './http/router.ts';
import { TOKENS } from './tokens.ts';

/**
 * The Express entry point: CORS, then one handler that hands every request to the shared
 * dispatcher, so routing and errors are exactly those of the Lambda entry point.
 */
export function createExpressApp(container: Container): express.Express {
  const logger = resolve(container, TOKENS.Logger);
  const { corsOrigins } = resolve(container, TOKENS.Config);
  const router = createRouter(httpRoutes(container));
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(
    cors({
      origin: corsOrigins,
      credentials: false,
      allowedHeaders: ['Content-Type', 'X-User-Id', 'Authorization'],
      exposedHeaders: ['Location', 'X-Request-Id'],
      maxAge: 600,
    }),
  );

  app.use(async (req: Request, res: Response) => {
    const queryAt = req.originalUrl.indexOf('?');
    const response = await dispatch(
      router,
      {
        method: req.method,
        rawPath: queryAt === -1 ? req.originalUrl : req.originalUrl.slice(0, queryAt),
        rawQuery: queryAt === -1 ? '' : req.originalUrl.slice(queryAt + 1),
        headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
        requestId: randomUUID(),
        readUpload: () => parseMultipart(req),
      },
      logger,
    );
    res.status(response.status);
    for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
    // A refused upload may still be arriving; closing stops the server from reading the rest.
    if (response.status === 413) res.setHeader('connection', 'close');
    if (Buffer.isBuffer(response.body)) res.end(response.body);
    else if (response.body === undefined) res.end();
    else res.json(response.body);
  });
  return app;
}
