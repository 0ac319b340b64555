import { invalid } from '../errors.ts';
import type { Image, ImageFormat } from '../image.ts';
import type { ImageProbe } from '../ports/image-probe.port.ts';
import { FORMATS, acceptedFormat, checkDimensions, checkFileSize, displayFileName } from '../rules.ts';

export interface InspectedImage {
  format: ImageFormat;
  width: number;
  height: number;
}

// EXIF orientations 5 to 8 turn the image a quarter: what is displayed is the stored size transposed.
const TRANSPOSED = new Set([5, 6, 7, 8]);

/**
 * The file rules, from its structure, read without decoding: size, format from the magic bytes,
 * a structure that does not contradict itself, and dimensions as displayed (after the EXIF
 * orientation). Shared by both ways of uploading so both are exactly as strict.
 * @throws DomainError `too_large`, `validation`, `unsupported_media`
 */
export async function inspectImage(probe: ImageProbe, bytes: Uint8Array, size: number): Promise<InspectedImage> {
  checkFileSize(size);
  const probed = await probe.probe(bytes);
  const format = acceptedFormat(probed.contentType);
  if (probed.inconsistency !== undefined) {
    throw invalid(`The image contradicts itself (${probed.inconsistency}), so it could be read as another image than it declares.`, { field: 'file' });
  }
  if (probed.width === undefined || probed.height === undefined) {
    throw invalid('The image header could not be read; the file may be truncated or corrupt.', { field: 'file' });
  }
  const turned = TRANSPOSED.has(probed.orientation ?? 1);
  const [width, height] = turned ? [probed.height, probed.width] : [probed.width, probed.height];
  checkDimensions(width, height);
  return { format, width, height };
}

export interface ImageMetadata {
  ownerId: string;
  title: string | null;
  description: string | null;
  tags: string[];
  /** As the client named it; only its sanitised form is kept. */
  fileName: string | undefined;
}

/**
 * The record of a new image, keyed by its server-made id, never by anything the client sent;
 * `processing` until its variants exist.
 */
export function newImage(id: string, metadata: ImageMetadata, inspected: InspectedImage, stored: { size: number; checksum: string }, now: string): Image {
  const { format } = inspected;
  return {
    id,
    ownerId: metadata.ownerId,
    title: metadata.title,
    description: metadata.description,
    tags: metadata.tags,
    fileName: displayFileName(metadata.fileName, format),
    fileSize: stored.size,
    contentType: FORMATS[format].contentType,
    format,
    width: inspected.width,
    height: inspected.height,
    storageKey: `images/${id}.${FORMATS[format].extension}`,
    checksum: stored.checksum,
    status: 'processing',
    createdAt: now,
    updatedAt: now,
  };
}
