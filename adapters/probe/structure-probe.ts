import { FORMATS } from '../../core/rules.ts';
import type { ImageProbe, ProbedFile } from '../../core/ports/image-probe.port.ts';
import { readStructure } from './structure/read-structure.ts';

/**
 * The whole file's structure, walked without decoding (adapters/probe/structure): format from the
 * magic bytes, stored size, orientation and frames, or why decoders could read it differently.
 * Pure TypeScript and linear in the file's size, so it runs on the API's request path, Lambda's
 * included, where no image library is bundled.
 */
export class StructureProbe implements ImageProbe {
  async probe(bytes: Uint8Array): Promise<ProbedFile> {
    const structure = readStructure(bytes);
    switch (structure.kind) {
      case 'image':
        return {
          contentType: FORMATS[structure.format].contentType,
          width: structure.width,
          height: structure.height,
          orientation: structure.orientation,
          frames: structure.frames,
        };
      case 'inconsistent':
        return { contentType: FORMATS[structure.format].contentType, inconsistency: structure.reason };
      case 'unreadable':
        return { contentType: FORMATS[structure.format].contentType };
      case 'other':
        return { contentType: structure.contentType };
    }
  }
}
