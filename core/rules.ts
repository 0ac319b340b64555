import { DomainError, invalid } from './errors.ts';
import type { ImageFormat } from './image.ts';
import { charCount, cleanLabel, cleanLine, cleanParagraphs, isBlank } from './text.ts';

export const LIMITS = {
  minFileBytes: 1024,
  maxFileBytes: 10 * 1024 * 1024,
  minSide: 50,
  maxSide: 4000,
  titleChars: 200,
  descriptionChars: 1000,
  tagsPerImage: 10,
  tagChars: 50,
  userIdChars: 128,
  fileNameChars: 255,
  expiresIn: { min: 60, max: 86_400, default: 3600 },
  pageSize: { min: 1, max: 100, default: 20 },
} as const;

export const FORMATS: Record<ImageFormat, { contentType: string; extension: string }> = {
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  png: { contentType: 'image/png', extension: 'png' },
  gif: { contentType: 'image/gif', extension: 'gif' },
  webp: { contentType: 'image/webp', extension: 'webp' },
};

// An animated PNG is still a PNG file: every PNG reader shows at least its first frame.
const FORMAT_BY_CONTENT_TYPE: Record<string, ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/apng': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const USER_ID = /^[A-Za-z0-9_-]+$/;
// Letters with their combining marks (the dot of a lower-cased İ, the accents of Hindi or Thai),
// digits, space, - and _; at least one letter or digit.
const TAG = /^(?=.*[\p{L}\p{N}])[\p{L}\p{M}\p{N} _-]+$/u;

/** The names a file of each format is saved under; anything else is replaced on download. */
const EXTENSIONS: Record<ImageFormat, readonly string[]> = {
  jpeg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  png: ['png', 'apng'],
  gif: ['gif'],
  webp: ['webp'],
};

export function acceptedFormat(detectedContentType: string | undefined): ImageFormat {
  const format = detectedContentType === undefined ? undefined : FORMAT_BY_CONTENT_TYPE[detectedContentType];
  if (format === undefined) {
    throw new DomainError('unsupported_media', 'unsupported_media_type', 'The file is not a JPEG, PNG, GIF or WebP image.', {
      details: { detected: detectedContentType ?? null },
    });
  }
  return format;
}

export function checkFileSize(bytes: number): void {
  if (bytes > LIMITS.maxFileBytes) {
    throw new DomainError('too_large', 'payload_too_large', `The file is larger than ${LIMITS.maxFileBytes} bytes (10 MiB).`, {
      details: { max_bytes: LIMITS.maxFileBytes },
    });
  }
  if (bytes < LIMITS.minFileBytes) {
    throw invalid(`The file is smaller than ${LIMITS.minFileBytes} bytes (1 KiB).`, { min_bytes: LIMITS.minFileBytes });
  }
}

export function checkDimensions(width: number, height: number): void {
  const { minSide, maxSide } = LIMITS;
  if (width < minSide || height < minSide || width > maxSide || height > maxSide) {
    throw invalid(`Image dimensions must be between ${minSide}x${minSide} and ${maxSide}x${maxSide} pixels; this one is ${width}x${height}.`, {
      width,
      height,
    });
  }
}

export function parseUserId(raw: string | undefined, field = 'user_id'): string {
  if (raw === undefined || raw === '') throw invalid(`${field} is required.`, { field });
  if (raw.length > LIMITS.userIdChars || !USER_ID.test(raw)) {
    throw invalid(`${field} must be 1 to ${LIMITS.userIdChars} letters, digits, '-' or '_'.`, { field });
  }
  return raw;
}

const CHECKSUM = /^sha256:[0-9a-f]{64}$/;

/** A checksum as the image object carries it: `sha256:` and 64 lowercase hex digits. */
export function parseChecksum(raw: string, field = 'checksum'): string {
  if (!CHECKSUM.test(raw)) throw invalid(`${field} must be sha256: followed by 64 lowercase hex digits.`, { field });
  return raw;
}

/** Absent means no title; present but blank (nothing visible in it) is a mistake worth reporting. */
export function parseTitle(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const title = cleanLine(raw, 'title');
  if (isBlank(title)) throw invalid('title must not be blank.', { field: 'title' });
  if (charCount(title) > LIMITS.titleChars) {
    throw invalid(`title must be at most ${LIMITS.titleChars} characters.`, { field: 'title', max: LIMITS.titleChars });
  }
  return title;
}

export function parseDescription(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const description = cleanParagraphs(raw, 'description');
  if (charCount(description) > LIMITS.descriptionChars) {
    throw invalid(`description must be at most ${LIMITS.descriptionChars} characters.`, {
      field: 'description',
      max: LIMITS.descriptionChars,
    });
  }
  return isBlank(description) ? null : description;
}

/**
 * NFC, trimmed, inner spaces collapsed, lower-cased and de-duplicated in first-seen order; the
 * count applies after de-duplication.
 */
export function normaliseTags(raw: readonly string[], field = 'tags'): string[] {
  const tags: string[] = [];
  for (const entry of raw) {
    const tag = cleanLine(entry, field).replace(/\s+/g, ' ').toLowerCase().normalize('NFC');
    if (tag === '' || charCount(tag) > LIMITS.tagChars || !TAG.test(tag)) {
      throw invalid(`Each tag must be 1 to ${LIMITS.tagChars} letters, digits, spaces, '-' or '_'.`, { field });
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > LIMITS.tagsPerImage) {
    throw invalid(`At most ${LIMITS.tagsPerImage} tags are allowed.`, { field, max: LIMITS.tagsPerImage });
  }
  return tags;
}

export function checkIntegerInRange(value: number, range: { min: number; max: number }, field: string): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw invalid(`${field} must be an integer from ${range.min} to ${range.max}.`, { field, min: range.min, max: range.max });
  }
  return value;
}

// Zero-width characters can hide part of a name; quotes end a header parameter early.
const INVISIBLE_OR_QUOTE = /[\u200B-\u200D\uFEFF"]/gu;

/**
 * The original name is display metadata only (keys never derive from it): keep its last path
 * segment, drop what could spoof or break a header (control and bidirectional characters,
 * quotes), give it the extension of the format the bytes are, so a saved file opens as the image
 * it is (a PNG named x.html is saved as x.png), and cap its length.
 */
export function displayFileName(raw: string | undefined, format: ImageFormat): string {
  const lastSegment = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = cleanLabel(lastSegment).replace(INVISIBLE_OR_QUOTE, '').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..' || isBlank(cleaned)) return `image.${FORMATS[format].extension}`;
  const extension = /\.([^.]{1,10})$/.exec(cleaned);
  const named = extension !== null && EXTENSIONS[format].includes(extension[1]!.toLowerCase())
    ? cleaned
    : `${extension === null ? cleaned : cleaned.slice(0, extension.index)}.${FORMATS[format].extension}`;
  return truncateKeepingExtension(named, LIMITS.fileNameChars);
}

function truncateKeepingExtension(name: string, maxChars: number): string {
  const chars = [...name];
  if (chars.length <= maxChars) return name;
  const extension = /\.[A-Za-z0-9]{1,10}$/.exec(name)?.[0] ?? '';
  return chars.slice(0, maxChars - extension.length).join('').trimEnd() + extension;
}

const IMAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Ids are server-made; anything else cannot name an image, so it is simply unknown. */
export const isImageId = (raw: string): boolean => IMAGE_ID.test(raw);

// A date, or a date and time with optional seconds, fraction and offset (UTC when absent).
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?$/i;

const MS_PER_DAY = 86_400_000;

/**
 * An ISO 8601 date or date-time as a UTC instant in the form `createdAt` uses, or, for the end of
 * a range given as a bare date, the first instant after that whole day. Offsets go up to ±23:59,
 * as RFC 3339 allows; the instant must stay within the years 0000-9999, because only those sort
 * as text (year 10000 would print as +010000 and sort before every real date). The day after
 * 9999-12-31, as the end of a bare date, is simply no end.
 * @returns the instant, or undefined for an end that bounds nothing
 * @throws DomainError `validation` naming `field`
 */
function instantOf(raw: string, field: string, endOfDay: boolean): string | undefined {
  const refuse = (why: string) =>
    invalid(`${field} must be an ISO 8601 date or date-time, e.g. 2024-05-01 or 2024-05-01T12:00:00Z${why}.`, { field });
  const match = ISO_8601.exec(raw.trim());
  // A `+01:00` offset sent unencoded in a query string arrives with a space for its plus.
  if (match === null && ISO_8601.test(raw.trim().replace(/ (\d{2}(:?\d{2})?)$/, '+$1'))) throw refuse('; an offset\'s + must be sent as %2B in a query string, or it arrives as a space');
  if (match === null) throw refuse('');
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', , sign, offsetHours = '0', offsetMinutes = '0'] = match;
  const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date.UTC maps years 0-99 to 1900-1999; setting the year again keeps 0042 as 42.
  calendarDay.setUTCFullYear(Number(year));
  // Date would roll 2024-02-30 over to March; a bad date should be reported, not moved.
  const valid =
    calendarDay.getUTCDate() === Number(day) && calendarDay.getUTCMonth() === Number(month) - 1 &&
    Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60 &&
    Number(offsetHours) < 24 && Number(offsetMinutes) < 60;
  if (!valid) throw refuse(' (a real day, hours 00-23, offsets up to ±23:59)');
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  const local = calendarDay.getTime() + ((Number(hour) * 60 + Number(minute)) * 60 + Number(second)) * 1000 + Math.floor(Number(`0${fraction}`) * 1000);
  const dateOnly = match[4] === undefined;
  const instant = new Date(local - offsetMs + (endOfDay && dateOnly ? MS_PER_DAY : 0));
  const year4 = instant.getUTCFullYear();
  if (year4 > 9999 && endOfDay && dateOnly) return undefined;
  if (year4 < 0 || year4 > 9999) throw refuse(' within the years 0000 to 9999');
  return instant.toISOString();
}

/** The start of a range (inclusive): a bare date means its first instant. */
export function parseInstant(raw: string, field: string): string {
  return instantOf(raw, field, false)!;
}

/**
 * The end of a range (exclusive): a bare date includes that whole day (UTC), so
 * `start_date=2026-11-29&end_date=2026-11-29` is that one day.
 * @returns undefined when the end lies past what any image can have
 */
export function parseRangeEnd(raw: string, field: string): string | undefined {
  return instantOf(raw, field, true);
}
