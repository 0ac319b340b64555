import { startsWith, u16le, u32be, u32le } from './bytes.ts';

const AVIF_BRANDS = ['avif', 'avis'];
const HEIC_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'];
/** The DIB header sizes Windows and OS/2 bitmaps use; 'BM' alone starts too much text. */
const BMP_INFO_SIZES = [12, 40, 52, 56, 64, 108, 124];
/** How far to look for an SVG root behind an XML declaration, doctype and comments. */
const SVG_PROLOG_LIMIT = 64 * 1024;

/** The content type of the formats the service refuses but should name in its answer; undefined for anything else. */
export function otherContentType(b: Uint8Array): string | undefined {
  if (startsWith(b, 0, 'BM') && b.length >= 18 && BMP_INFO_SIZES.includes(u32le(b, 14))) return 'image/bmp';
  if (startsWith(b, 0, 'II*\0') || startsWith(b, 0, 'MM\0*')) return 'image/tiff';
  if (startsWith(b, 4, 'ftyp')) return isoBrand(b);
  if (startsWith(b, 0, '%PDF-')) return 'application/pdf';
  if (startsWith(b, 0, '\0\0\x01\0') && u16le(b, 4) > 0 && b.length >= 22) return 'image/x-icon';
  return isSvg(b) ? 'image/svg+xml' : undefined;
}

/** An ISO-BMFF file by its major brand, or by its compatible brands when the major one is the generic HEIF 'mif1'/'msf1'. */
function isoBrand(b: Uint8Array): string | undefined {
  const brandAt = (at: number) => String.fromCharCode(...b.subarray(at, at + 4));
  const major = brandAt(8);
  const end = Math.min(u32be(b, 0), b.length, 4096);
  const compatible: string[] = [];
  for (let at = 16; at + 4 <= end; at += 4) compatible.push(brandAt(at));
  if (AVIF_BRANDS.includes(major)) return 'image/avif';
  if (!HEIC_BRANDS.includes(major)) return undefined;
  return major.startsWith('m') && compatible.some((brand) => AVIF_BRANDS.includes(brand)) ? 'image/avif' : 'image/heic';
}

/** Text whose first element is <svg>, after an optional BOM, whitespace, XML declaration, doctype and comments. */
function isSvg(b: Uint8Array): boolean {
  const text = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, SVG_PROLOG_LIMIT)).toString('latin1');
  let at = text.startsWith('\xef\xbb\xbf') ? 3 : 0;
  const skipTo = (close: string) => {
    const found = text.indexOf(close, at);
    return found < 0 ? -1 : found + close.length;
  };
  for (;;) {
    while (/[ \t\r\n]/.test(text.charAt(at))) at++;
    if (text.startsWith('<?', at)) at = skipTo('?>');
    else if (text.startsWith('<!--', at)) at = skipTo('-->');
    else if (text.startsWith('<!DOCTYPE', at)) at = doctypeEnd(text, at);
    else return /^<svg[\s>/]/.test(text.slice(at, at + 5));
    if (at < 0) return false;
  }
}

/** A doctype's internal subset ([...]) holds declarations with '>' of their own. */
function doctypeEnd(text: string, at: number): number {
  const close = text.indexOf('>', at);
  const subset = text.indexOf('[', at);
  if (subset < 0 || close < subset) return close < 0 ? -1 : close + 1;
  const end = /\]\s*>/g;
  end.lastIndex = subset;
  const found = end.exec(text);
  return found ? found.index + found[0].length : -1;
}
