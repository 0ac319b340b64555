import { DomainError, invalid } from './errors.ts';
import type { ImageFormat } from './image.ts';

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
const TAG = /^[\p{L}\p{N} _-]+$/u;

/** Length in characters as a person counts them (code points, not UTF-16 units). */
const charCount = (text: string): number => [...text].length;

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

/** Absent means no title; present but blank is a mistake worth reporting. */
export function parseTitle(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const title = raw.trim();
  if (title === '') throw invalid('title must not be blank.', { field: 'title' });
  if (charCount(title) > LIMITS.titleChars) {
    throw invalid(`title must be at most ${LIMITS.titleChars} characters.`, { field: 'title', max: LIMITS.titleChars });
  }
  return title;
}

export function parseDescription(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const description = raw.trim();
  if (charCount(description) > LIMITS.descriptionChars) {
    throw invalid(`description must be at most ${LIMITS.descriptionChars} characters.`, {
      field: 'description',
      max: LIMITS.descriptionChars,
    });
  }
  return description === '' ? null : description;
}

/** Trimmed, lower-cased and de-duplicated in first-seen order; the count applies after de-duplication. */
export function normaliseTags(raw: readonly string[], field = 'tags'): string[] {
  const tags: string[] = [];
  for (const entry of raw) {
    const tag = entry.trim().toLowerCase();
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

// Bidi controls can make "gpj.exe" display as "exe.jpg"; control characters break headers and logs.
const UNSAFE_IN_NAMES = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF"]/gu;

/**
 * The original name is display metadata only (keys never derive from it): keep its last
 * path segment, drop characters that could spoof or break a header, and cap its length.
 */
export function displayFileName(raw: string | undefined, format: ImageFormat): string {
  const lastSegment = (raw ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment.replace(UNSAFE_IN_NAMES, '').trim();
  const name = truncateKeepingExtension(cleaned, LIMITS.fileNameChars);
  return name === '' || name === '.' || name === '..' ? `image.${FORMATS[format].extension}` : name;
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

// A date, or a date and time with optional seconds, fraction and zone (UTC when absent).
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 date or date-time as a normalised UTC instant (the form `createdAt` uses). */
export function parseInstant(raw: string, field: string): string {
  const match = ISO_8601.exec(raw.trim());
  const [, year, month, day, hour = '00', minute = '00', second = '00', zone] = match ?? [];
  const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date would roll 2024-02-30 over to March; a bad date should be reported, not moved.
  const valid =
    match !== null &&
    calendarDay.getUTCDate() === Number(day) &&
    calendarDay.getUTCMonth() === Number(month) - 1 &&
    Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60;
  if (!valid) {
    throw invalid(`${field} must be an ISO 8601 date or date-time, e.g. 2024-05-01 or 2024-05-01T12:00:00Z.`, { field });
  }
  const text = raw.trim().replace(' ', 'T');
  const instant = new Date(text.length === 10 ? `${text}T00:00:00Z` : zone === undefined ? `${text}Z` : text);
  return instant.toISOString();
}
