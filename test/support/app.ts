import type { RequestListener } from 'node:http';
import type { Container } from 'inversify';
import { pino } from 'pino';
import { loadConfig } from '../../apps/config.ts';
import { buildContainer } from '../../apps/container.ts';
import type { AdapterOverrides } from '../../apps/container.ts';
import { createExpressApp } from '../../apps/express-app.ts';
import { ManualClock } from './fakes.ts';
import { listenOnLoopback } from './listen.ts';

export interface TestApp {
  url: string;
  clock: ManualClock;
  container: Container;
  /** Every JSON log line the service wrote. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface StartOptions {
  overrides?: Omit<AdapterOverrides, 'clock' | 'logger'>;
  env?: Record<string, string>;
}

/** A way to serve the service over HTTP: the Express app, or the Lambda handler behind API Gateway. */
export interface EntryPoint {
  name: string;
  serve(container: Container): RequestListener;
  /** The largest request body that reaches the service's own code. */
  maxBodyBytes: number;
  /** Whether the service answers CORS itself (behind API Gateway, the gateway does). */
  answersCors: boolean;
  /** Whether the server can refuse a body by its declared length before reading it. */
  streamsBodies: boolean;
}

export const expressEntry: EntryPoint = {
  name: 'Express',
  serve: (container) => createExpressApp(container),
  maxBodyBytes: Number.POSITIVE_INFINITY,
  answersCors: true,
  streamsBodies: true,
};

/** Rate limits stay off in tests unless a test is about them. */
export const WRITES_UNLIMITED = { RATE_LIMIT_WRITES_PER_IP: '0', RATE_LIMIT_WRITES_PER_CALLER: '0' };

/** Starts the service on a loopback port with a hand-moved clock and captured logs. */
export async function startApp(entry: EntryPoint, options: StartOptions = {}): Promise<TestApp> {
  const clock = new ManualClock(new Date().toISOString());
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  let container: Container | undefined;
  const server = await listenOnLoopback((url) => {
    container = buildContainer(loadConfig({ STORAGE: 'memory', PUBLIC_URL: url, ...WRITES_UNLIMITED, ...options.env }), { ...options.overrides, clock, logger });
    return entry.serve(container);
  });
  return { url: server.url, clock, container: container!, logs, close: () => server.close() };
}
