import { randomUUID } from 'node:crypto';
import type { IdGenerator } from '../../core/ports/id-generator.port.ts';

export class UuidGenerator implements IdGenerator {
  next(): string {
    return randomUUID();
  }
}
