import { hostname } from 'node:os';
import type { LogLevel } from './config.ts';

/**
 * One JSON line per event on stdout, in pino's format (numeric levels, `time`, `msg`, errors
 * under `err` with type, message and stack), so pino-pretty and log tools read it as they read
 * pino. pino itself brings worker-thread transports and buffered destinations that a Lambda
 * writing to stdout never uses: 60 kB of a bundle that has to start fast.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown> | string, message?: string): void;
  warn(fields: Record<string, unknown> | string, message?: string): void;
  error(fields: Record<string, unknown> | string, message?: string): void;
}

const LEVELS: Record<Exclude<LogLevel, 'silent'>, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** An error as log readers expect it, its own fields (a DomainError's kind and code) and cause included. */
function serialiseError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const own = Object.fromEntries(Object.entries(error));
  const cause = depth < 3 && error.cause !== undefined ? { cause: serialiseError(error.cause, depth + 1) } : {};
  return { type: error.name, message: error.message, stack: error.stack, ...own, ...cause };
}

/** A value JSON can always write: no cycles, no BigInt surprises. */
function safeJson(record: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  });
}

export function createLogger(options: { level: LogLevel; base?: Record<string, unknown>; write?: (line: string) => void }): Logger {
  const threshold = options.level === 'silent' ? Number.POSITIVE_INFINITY : LEVELS[options.level];
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const base = { pid: process.pid, hostname: hostname(), ...options.base };
  const at = (level: number) => (fields: Record<string, unknown> | string, message?: string): void => {
    if (level < threshold) return;
    const record = typeof fields === 'string' ? { msg: fields } : { ...fields, ...(fields.err === undefined ? {} : { err: serialiseError(fields.err) }), ...(message === undefined ? {} : { msg: message }) };
    write(`${safeJson({ level, time: Date.now(), ...base, ...record })}\n`);
  };
  return { debug: at(LEVELS.debug), info: at(LEVELS.info), warn: at(LEVELS.warn), error: at(LEVELS.error) };
}
