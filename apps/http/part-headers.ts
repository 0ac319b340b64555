import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

// Control bytes other than tab, CR and LF. Browsers send a file name's bytes as they are, only
// escaping CR, LF and '"', so a name with a BEL (legal on Linux) arrives with one raw.
const isStrayControl = (byte: number): boolean => (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;

/**
 * Drops stray control bytes from the part headers of a multipart body and passes everything
 * else through untouched. busboy refuses a part header holding one as malformed, which would
 * refuse the whole upload; the name they sit in is only a label, whose rule (core/text.ts) is to
 * drop them. File bytes are never looked at one by one: delimiters are found with Buffer.indexOf.
 */
export function partHeaderFilter(boundary: string): Transform {
  // The first delimiter may open the body; every later one follows a line break.
  let delimiter = Buffer.from(`--${boundary}`);
  const later = Buffer.from(`\r\n--${boundary}`);
  let inHeaders = false;
  // How much of the CR LF CR LF that ends a part's headers has been seen.
  let ending = 0;
  let carry = Buffer.alloc(0);

  /** Copies header bytes without stray controls, up to the blank line that ends them. @returns bytes consumed */
  const headers = (data: Buffer, from: number, out: Buffer[]): number => {
    const kept: number[] = [];
    let i = from;
    while (i < data.length && inHeaders) {
      const byte = data[i]!;
      i += 1;
      if (!isStrayControl(byte)) kept.push(byte);
      const expected = ending % 2 === 0 ? 0x0d : 0x0a;
      ending = byte === expected ? ending + 1 : byte === 0x0d ? 1 : 0;
      if (ending === 4) inHeaders = false;
    }
    out.push(Buffer.from(kept));
    return i - from;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      carry = Buffer.alloc(0);
      const out: Buffer[] = [];
      let at = 0;
      while (at < data.length) {
        if (inHeaders) {
          at += headers(data, at, out);
          continue;
        }
        const found = data.indexOf(delimiter, at);
        if (found === -1) {
          // A delimiter may straddle two chunks: its possible start waits for the next one.
          const keep = Math.min(delimiter.length - 1, data.length - at);
          out.push(data.subarray(at, data.length - keep));
          carry = Buffer.from(data.subarray(data.length - keep));
          break;
        }
        out.push(data.subarray(at, found + delimiter.length));
        at = found + delimiter.length;
        delimiter = later;
        inHeaders = true;
        ending = 0;
      }
      done(null, Buffer.concat(out));
    },
    flush(done: TransformCallback) {
      done(null, carry);
    },
  });
}
