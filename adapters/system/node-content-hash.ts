import { createHash } from 'node:crypto';
import type { ContentHash } from '../../core/ports/content-hash.port.ts';

export class NodeContentHash implements ContentHash {
  sha256(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }
}
