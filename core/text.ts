import { invalid } from './errors.ts';

/**
 * One policy for the text people give the service. Everything is NFC first, so the same words
 * typed on macOS (decomposed) and elsewhere (composed) are the same text. Titles, descriptions
 * and tags refuse control characters (descriptions keep line breaks) and bidirectional controls,
 * which can make text display as something it is not; file names, which are only a label, lose
 * them instead. Text that holds nothing visible is blank.
 */

// Embeddings, overrides, isolates and marks that reorder what is displayed.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const BIDI_ALL = new RegExp(BIDI.source, 'gu');
const CONTROL = /\p{Cc}/u;
const CONTROL_EXCEPT_LINES = /(?![\n\t])\p{Cc}/u;
const CONTROL_ALL = /\p{Cc}/gu;

// Characters that take no visible space: white space, format characters (zero-width spaces and
// joiners, the BOM, soft hyphens), the Hangul fillers and the blank Braille cell.
const INVISIBLE = /[\p{White_Space}\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]/gu;

/** Length as a person counts characters (code points, not UTF-16 units). */
export const charCount = (text: string): number => [...text].length;

export const isBlank = (text: string): boolean => text.replace(INVISIBLE, '') === '';

/**
 * A line of text (a title, a tag): NFC, trimmed; control and bidirectional characters refused.
 * @throws DomainError `validation` naming `field`
 */
export function cleanLine(raw: string, field: string): string {
  const text = raw.normalize('NFC').trim();
  if (CONTROL.test(text)) throw invalid(`${field} must not contain control characters.`, { field });
  if (BIDI.test(text)) throw invalid(`${field} must not contain bidirectional control characters.`, { field });
  return text;
}

/**
 * Free text (a description): as a line, but keeping line breaks (CRLF, as browsers send a
 * textarea, becomes LF) and tabs.
 * @throws DomainError `validation` naming `field`
 */
export function cleanParagraphs(raw: string, field: string): string {
  const text = raw.normalize('NFC').replace(/\r\n?/g, '\n').trim();
  if (CONTROL_EXCEPT_LINES.test(text)) throw invalid(`${field} must not contain control characters other than line breaks and tabs.`, { field });
  if (BIDI.test(text)) throw invalid(`${field} must not contain bidirectional control characters.`, { field });
  return text;
}

/** A label that must not break a header or a log line, or spoof its extension: such characters are dropped. */
export const cleanLabel = (raw: string): string => raw.normalize('NFC').replace(CONTROL_ALL, '').replace(BIDI_ALL, '');
