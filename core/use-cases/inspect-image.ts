import { invalid } from '../errors.ts';
import type { Image, ImageFormat } from '../image.ts';
import type { ImageProbe } from '../ports/image-probe.port.ts';
import { FORMATS, acceptedFormat, checkDimensions, checkFileSize, displayFileName } from '../rules.ts';

export interface InspectedImage {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * The file rules, from the size and the leading bytes only: size, format from the magic
 * bytes, dimensions from the header. Shared by direct and presigned uploads so both are
 * exactly as strict. @throws DomainError `too_large`, `validation`, `unsupported_media`
 */
export async function inspectImage(probe: ImageProbe, head: Uint8Array, size: number): Promise<InspectedImage> {
  checkFileSize(size);
  const probed = await probe.probe(head);
  const format = acceptedFormat(probed.contentType);
  if (probed.width === undefined || probed.height === undefined) {
    throw invalid('The image header could not be read; the file may be truncated or corrupt.', { field: 'file' });
  }
  checkDimensions(probed.width, probed.height);
  return { format, width: probed.width, height: probed.height };
}

export interface ImageMetadata {
  ownerId: string;
  title: string | null;
  description: string | null;
  tags: string[];
  /** As the client named it; only its sanitised form is kept. */
  fileName: string | undefined;
}

/** The record of a new image, keyed by its server-made id, never by anything the client sent. */
export function newImage(id: string, metadata: ImageMetadata, inspected: InspectedImage, size: number, now: string): Image {
  const { format } = inspected;
  return {
    id,
    ownerId: metadata.ownerId,
    title: metadata.title,
    description: metadata.description,
    tags: metadata.tags,
    fileName: displayFileName(metadata.fileName, format),
    fileSize: size,
    contentType: FORMATS[format].contentType,
    format,
    width: inspected.width,
    height: inspected.height,
    storageKey: `images/${id}.${FORMATS[format].extension}`,
    createdAt: now,
    updatedAt: now,
  };
}
