// For header fields. They give 0 past the end instead of undefined: every caller checks its bounds
// first, so a 0 never stands for a missing byte. Per-block loops read b[i] or a DataView instead: under
// CommonJS (mocha loads these files so, through tsx) each call to an imported function goes through a
// getter, which made the walks three times slower.
export const u8 = (b: Uint8Array, i: number): number => b[i] ?? 0;
export const u16be = (b: Uint8Array, i: number): number => (u8(b, i) << 8) | u8(b, i + 1);
export const u16le = (b: Uint8Array, i: number): number => u8(b, i) | (u8(b, i + 1) << 8);
export const u32be = (b: Uint8Array, i: number): number => u16be(b, i) * 0x10000 + u16be(b, i + 2);
export const u32le = (b: Uint8Array, i: number): number => u16le(b, i) + u16le(b, i + 2) * 0x10000;

/** A four-character code as the big-endian number its bytes read as, so chunk types compare as numbers. */
export const fourcc = (code: string): number =>
  ((code.charCodeAt(0) << 24) | (code.charCodeAt(1) << 16) | (code.charCodeAt(2) << 8) | code.charCodeAt(3)) >>> 0;

export function startsWith(b: Uint8Array, at: number, ascii: string): boolean {
  if (at < 0 || at + ascii.length > b.length) return false;
  for (let i = 0; i < ascii.length; i++) if (b[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

export interface Splice {
  /** Copies source[start, end) to the output. */
  keep(start: number, end: number): void;
  add(bytes: Uint8Array): void;
}

/** Below this, a plain loop copies faster than making a view for set(). */
const SMALL_COPY = 64;

/**
 * Builds a file from ranges of `source` and new bytes, in call order, into one growing buffer.
 * Contiguous ranges are merged before copying and nothing is allocated per range, so a file of a
 * million tiny segments stays cheap. When the output is the whole source, the source itself is returned.
 */
export function splice(source: Uint8Array, build: (edit: Splice) => void): Uint8Array {
  let out = new Uint8Array(0);
  let at = 0; // bytes written to out
  let [pendingStart, pendingEnd] = [0, 0]; // the source range kept but not copied yet
  const reserve = (extra: number): Uint8Array => {
    if (at + extra > out.length) {
      const bigger = new Uint8Array(Math.max(source.length, 2 * out.length, at + extra) + 256);
      bigger.set(out.subarray(0, at));
      out = bigger;
    }
    return out;
  };
  const flush = () => {
    const size = pendingEnd - pendingStart;
    const target = reserve(size);
    if (size <= SMALL_COPY) {
      for (let i = pendingStart; i < pendingEnd; i++) target[at++] = source[i] ?? 0;
    } else {
      target.set(source.subarray(pendingStart, pendingEnd), at);
      at += size;
    }
    pendingStart = pendingEnd = 0;
  };
  build({
    keep(start, end) {
      if (end <= start) return;
      if (start !== pendingEnd || pendingStart === pendingEnd) {
        flush();
        pendingStart = start;
      }
      pendingEnd = end;
    },
    add(bytes) {
      flush();
      reserve(bytes.length).set(bytes, at);
      at += bytes.length;
    },
  });
  if (at === 0 && pendingStart === 0 && pendingEnd === source.length) return source;
  flush();
  return out.length === at ? out : out.slice(0, at);
}

/** How a walk over a file's blocks ended: at its end marker, cut short by the end of the bytes, or on bytes no decoder accepts. */
export type WalkEnd = { how: 'end'; at: number } | { how: 'cut' } | { how: 'corrupt'; at: number };
