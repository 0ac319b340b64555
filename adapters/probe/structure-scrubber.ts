import type { ImageFormat } from '../../core/image.ts';
import type { MetadataScrubber } from '../../core/ports/metadata-scrubber.port.ts';
import { scrubMetadata } from './structure/scrub-metadata.ts';

/** The structural scrubber (adapters/probe/structure): segments and chunks dropped, pixels copied as they are. */
export class StructureScrubber implements MetadataScrubber {
  scrub(bytes: Uint8Array, format: ImageFormat): Uint8Array {
    return scrubMetadata(bytes, format);
  }
}
