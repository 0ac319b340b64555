import type { ImageFormat } from '../image.ts';

/**
 * Takes what can identify a person or a place out of an original (location, camera and owner
 * serials, XMP, IPTC, comments) without touching its pixels, keeping its orientation and colour
 * profile. Never decodes: it runs on the upload's request path.
 */
export interface MetadataScrubber {
  /** The same bytes (the same array) when there is nothing to remove. */
  scrub(bytes: Uint8Array, format: ImageFormat): Uint8Array;
}
