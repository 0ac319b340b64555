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

/** Turns a container into something that serves HTTP: the Express app, or (later) the Lambda handler behind a translator. */
export type EntryPoint = (container: Container) => RequestListener;

export const expressEntry: EntryPoint = (container) => createExpressApp(container);

/** Starts the service on a loopback port with a hand-moved clock and captured logs. */
export async function startApp(entry: EntryPoint, options: StartOptions = {}): Promise<TestApp> {
  const clock = new ManualClock(new Date().toISOString());
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  let container: Container | undefined;
  const server = await listenOnLoopback((url) => {
    container = buildContainer(loadConfig({ STORAGE: 'memory', PUBLIC_URL: url, ...options.env }), { ...options.overrides, clock, logger });
    return entry(container);
  });
  return { url: server.url, clock, container: container!, logs, close: () => server.close() };
}
