import type { ImageFormat, VariantName } from '../image.ts';

export interface RenderedVariant {
  bytes: Uint8Array;
  width: number;
  height: number;
  contentType: string;
}

export interface RenderedImage {
  variants: Record<VariantName, RenderedVariant>;
  /** ThumbHash, base64. */
  placeholder: string;
}

/** Decodes an original and renders its variants; the one place pixels are touched. */
export interface ImageProcessor {
  /**
   * `thumb`: a 400x400 centre crop; `display`: within 1080x1350, aspect kept; both WebP, the EXIF
   * orientation applied, in sRGB, without metadata; an animation keeps moving in `display` within
   * the processor's budget, and `thumb` is its first frame.
   * @throws DomainError `validation` when the bytes cannot be decoded (a permanent failure)
   */
  render(original: Uint8Array, format: ImageFormat): Promise<RenderedImage>;
}
