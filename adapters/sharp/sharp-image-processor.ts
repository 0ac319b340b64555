import sharp from 'sharp';
import type { Sharp, SharpOptions } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { invalid } from '../../core/errors.ts';
import type { ImageFormat } from '../../core/image.ts';
import type { ImageProcessor, RenderedImage, RenderedVariant } from '../../core/ports/image-processor.port.ts';

export const THUMB = { width: 400, height: 400 } as const;
export const DISPLAY = { width: 1080, height: 1350 } as const;

/**
 * An animation's display variant keeps moving while frames x width x height of the output stays
 * within this (60 frames at 1080x770); past it, the display variant is the first frame, still.
 * Decoding is held to the same budget on the input side, so a 10 MiB GIF of thousands of
 * large, flat frames (which compress to almost nothing) is never decoded whole. An animation
 * with an EXIF orientation (WebP can carry one) also gets a still display: libvips cannot turn
 * the frames of an animation, and an unturned display would disagree with the thumb and with
 * the width and height the API reports.
 */
export const ANIMATION_PIXEL_BUDGET = 50_000_000;

/** The largest still image the upload rules let through (4000x4000), with room for a turned one. */
const STILL_PIXEL_LIMIT = 4000 * 4000;

const WEBP = { quality: 80, effort: 4 } as const;

export interface SharpSettings {
  /** libvips threads per image: the worker shares its machine with the API. */
  threads: number;
}

/** Sets how much of the machine sharp may use; call once, before processing. */
export function configureSharp(settings: SharpSettings): void {
  sharp.concurrency(settings.threads);
  // Each image is read once: libvips' operation cache would only hold memory.
  sharp.cache(false);
}

/**
 * Variants with sharp (libvips), the field's standard. Decoding refuses warnings as errors
 * (`failOn: 'warning'` would refuse too many real phone files; 'error' refuses corrupt data) and
 * never decodes more pixels than the rules allow. Output is WebP in sRGB without metadata,
 * which is sharp's default, with the EXIF orientation applied first.
 */
export class SharpImageProcessor implements ImageProcessor {
  async render(original: Uint8Array, _format: ImageFormat): Promise<RenderedImage> {
    const input = Buffer.from(original.buffer, original.byteOffset, original.byteLength);
    try {
      const first: SharpOptions = { failOn: 'error', limitInputPixels: STILL_PIXEL_LIMIT, pages: 1, sequentialRead: true };
      const meta = await sharp(input, first).metadata();
      const frames = meta.pages ?? 1;
      // One after the other, not together: a worker sharing the machine with the API holds one
      // libvips thread at a time, so uploads keep their CPU (see bench/pipeline.ts).
      const thumb = await this.encode(sharp(input, first).autoOrient().resize(THUMB.width, THUMB.height, { fit: 'cover', position: 'centre' }));
      const display = await this.display(input, first, (meta.orientation ?? 1) === 1 ? frames : 1, meta.width ?? 0, meta.pageHeight ?? meta.height ?? 0);
      const placeholder = await this.placeholder(sharp(input, first).autoOrient());
      return { variants: { thumb, display }, placeholder };
    } catch (error) {
      // sharp's messages name the decoder's complaint, never a path or an internal: fit for the owner.
      // libvips repeats its complaint on further lines; the first says it, and a reason is one line.
      const complaint = (error as Error).message.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
      throw invalid(`The image could not be decoded: ${complaint}`, { field: 'file' });
    }
  }

  private async display(input: Buffer, first: SharpOptions, frames: number, frameWidth: number, frameHeight: number): Promise<RenderedVariant> {
    const scale = Math.min(1, DISPLAY.width / frameWidth, DISPLAY.height / frameHeight);
    const outputPixels = frames * Math.round(frameWidth * scale) * Math.round(frameHeight * scale);
    const inputPixels = frames * frameWidth * frameHeight;
    const moving = frames > 1 && outputPixels <= ANIMATION_PIXEL_BUDGET && inputPixels <= ANIMATION_PIXEL_BUDGET;
    const source = moving
      ? sharp(input, { failOn: 'error', limitInputPixels: ANIMATION_PIXEL_BUDGET, animated: true, sequentialRead: true })
      : sharp(input, first).autoOrient();
    return this.encode(source.resize(DISPLAY.width, DISPLAY.height, { fit: 'inside', withoutEnlargement: true }));
  }

  private async encode(pipeline: Sharp): Promise<RenderedVariant> {
    const { data, info } = await pipeline.webp(WEBP).toBuffer({ resolveWithObject: true });
    // An animation's height is that of all its frames stacked; a variant names one frame's.
    return { bytes: data, width: info.width, height: info.pageHeight ?? info.height, contentType: 'image/webp' };
  }

  /** ThumbHash works on at most 100x100 pixels of RGBA. */
  private async placeholder(pipeline: Sharp): Promise<string> {
    const { data, info } = await pipeline.resize(100, 100, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
  }
}
