import type { Clock } from '../../core/ports/clock.port.ts';
import type { IdGenerator } from '../../core/ports/id-generator.port.ts';
import { DomainError } from '../../core/errors.ts';
import type { ProcessingQueue } from '../../core/ports/processing-queue.port.ts';
import { Originals } from '../../core/use-cases/originals.ts';
import { NodeContentHash } from '../../adapters/system/node-content-hash.ts';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start = '2026-01-01T00:00:00.000Z') {
    this.current = Date.parse(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(iso: string): void {
    this.current = Date.parse(iso);
  }
}

export class SequentialIds implements IdGenerator {
  private count = 0;
  next(): string {
    this.count += 1;
    return `img-${String(this.count).padStart(6, '0')}`;
  }
}

export const backendDown = (): DomainError => new DomainError('unavailable', 'service_unavailable', 'The backend is unavailable.');

/** Wraps an adapter so chosen methods fail on demand, as a backend that goes away would. */
export function failing<T extends object>(target: T, methods: ReadonlySet<keyof T> | (() => ReadonlySet<keyof T>)): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      const broken = typeof methods === 'function' ? methods() : methods;
      if (typeof value !== 'function') return value;
      if (broken.has(property as keyof T)) return async () => Promise.reject(backendDown());
      return (value as (...args: unknown[]) => unknown).bind(object);
    },
  });
}

/** Remembers what was queued for processing, and runs it only when a test says so. */
export class RecordingQueue implements ProcessingQueue {
  readonly ids: string[] = [];
  enqueue(imageId: string): void {
    this.ids.push(imageId);
  }
}

/** Originals kept as they come (the unit tests' bytes are not real images) and hashed for real. */
export const keptOriginals = (): Originals => new Originals({ scrub: (bytes) => bytes }, new NodeContentHash(), false);
