// The browser's own check before a byte is sent. Like the server, it trusts the file's first
// bytes, not its name or declared type: a text file called photo.jpg is still refused here, at once.
import { MAX_FILE_BYTES, MIN_FILE_BYTES, NOT_AN_IMAGE, tooLarge, tooSmall } from './messages.ts';

export type SniffedType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean => signature.every((byte, i) => bytes[offset + i] === byte);
const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

export function sniff(bytes: Uint8Array): SniffedType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return undefined;
}

export type FileCheck = { ok: true; type: SniffedType } | { ok: false; message: string };

/** Size first (free), then the first 12 bytes. */
export async function checkFile(file: File): Promise<FileCheck> {
  if (file.size > MAX_FILE_BYTES) return { ok: false, message: tooLarge(file.size) };
  if (file.size < MIN_FILE_BYTES) return { ok: false, message: file.size === 0 ? 'This file is empty.' : tooSmall(file.size) };
  let head: Uint8Array;
  try {
    head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  } catch {
    return { ok: false, message: 'This file could not be read; it may have been moved or deleted.' };
  }
  const type = sniff(head);
  return type === undefined ? { ok: false, message: NOT_AN_IMAGE } : { ok: true, type };
}
