import { fileTypeFromBuffer } from 'file-type';
// The buffer-only entry: the package's main module also loads its URL prober (needle with
// iconv-lite, about 550 kB of bundle) that the service never uses.
import probeImageSize from 'probe-image-size/sync.js';
import type { ImageProbe, ProbedFile } from '../../core/ports/image-probe.port.ts';

// probe-image-size names the family, file-type the exact variant; an APNG is a PNG to both.
const sameFamily = (mime: string | undefined): string | undefined => (mime === 'image/apng' ? 'image/png' : mime);

/**
 * Reads the format from magic bytes (file-type) and the dimensions from the header
 * (probe-image-size), never decoding pixels. Both work on the buffer synchronously in time
 * linear in its size, so a hostile file cannot make them wait on more input.
 */
export class HeaderImageProbe implements ImageProbe {
  async probe(bytes: Uint8Array): Promise<ProbedFile> {
    const detected = await fileTypeFromBuffer(bytes);
    const contentType = detected?.mime;
    const header = readHeader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // A header of another format than the magic bytes say is a polyglot or a corrupt file.
    if (header === undefined || sameFamily(header.mime) !== sameFamily(contentType)) return { contentType };
    return { contentType, width: header.width, height: header.height };
  }
}

function readHeader(buffer: Buffer): { mime: string; width: number; height: number } | undefined {
  try {
    return probeImageSize(buffer) ?? undefined;
  } catch {
    return undefined;
  }
}
