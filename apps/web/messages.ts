// Words for people. The service's errors carry stable codes and details; these turn them into
// sentences that say what happened and what to do, in the units people use for photos.
import { ApiError } from './api.ts';
import type { IdentityMode } from './identity.ts';

const MiB = 1024 * 1024;
export const MAX_FILE_BYTES = 10 * MiB;
export const MIN_FILE_BYTES = 1024;
const MIN_SIDE = 50;
const MAX_SIDE = 4000;

/** Binary units with the names people know: the 10 MiB limit reads "10 MB", as phones and OSes mostly say. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < MiB) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / MiB).toFixed(1)} MB`;
}

export const NOT_AN_IMAGE = 'This file is not a JPEG, PNG, GIF or WebP image.';
export const tooLarge = (bytes: number): string => `This photo is ${formatBytes(bytes)}; the limit is ${MAX_FILE_BYTES / MiB} MB.`;
export const tooSmall = (bytes: number): string => `This file is only ${formatBytes(bytes)}; a photo must be at least 1 KB.`;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));
export const formatDate = (iso: string): string => dateOnly.format(new Date(iso));

const sentence = (text: string): string => {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

function signInHint(mode: IdentityMode): string {
  return mode === 'jwt'
    ? 'Your access token is missing or was refused: paste a valid token in the "Access token" field.'
    : 'Say who you are first: type your user name in the "Who am I" field.';
}

/** What went wrong with an API call, for the person who asked for it. `file` sizes the upload messages. */
export function describeError(error: unknown, context: { mode: IdentityMode; file?: { size: number } }): string {
  if (!(error instanceof ApiError)) return 'Something unexpected went wrong in the page; reload it and try again.';
  const { status, code, details } = error;
  const number = (name: string): number | undefined => (typeof details?.[name] === 'number' ? (details[name] as number) : undefined);
  switch (true) {
    case status === 0:
      return 'The connection was lost before the server answered. Check your network, then retry.';
    case status === 413 || code === 'payload_too_large':
      return context.file !== undefined && context.file.size > MAX_FILE_BYTES
        ? tooLarge(context.file.size)
        : `This photo is too large for the server to receive (${context.file === undefined ? 'over its limit' : formatBytes(context.file.size)}).`;
    case status === 415 || code === 'unsupported_media_type':
      return NOT_AN_IMAGE;
    case status === 400 && number('width') !== undefined && number('height') !== undefined:
      return `This photo is ${number('width')} × ${number('height')} pixels; photos must be from ${MIN_SIDE} × ${MIN_SIDE} to ${MAX_SIDE} × ${MAX_SIDE} pixels.`;
    case status === 400 && number('min_bytes') !== undefined:
      return context.file === undefined ? 'This file is too small to be a photo (under 1 KB).' : tooSmall(context.file.size);
    case code === 'invalid_page_token':
      return 'This list is out of date; reload the page to start again.';
    case status === 400:
      return error.message === '' ? 'The server could not accept this request.' : sentence(error.message);
    case status === 401:
      return signInHint(context.mode);
    case status === 403:
      return 'Only the owner of this photo can do that.';
    case status === 404:
      return 'This photo no longer exists.';
    case code === 'idempotency_key_in_use':
      return 'The first attempt is still being processed; retry in a moment.';
    case status === 409:
      return error.message === '' ? 'This photo has changed in the meantime; reload to see it.' : sentence(error.message);
    case status === 410:
      return code === 'gone' && context.file !== undefined
        ? 'This upload expired before it finished; retry to start it again.'
        : 'This photo was already deleted.';
    case status === 412:
      return 'Someone changed this photo after you opened it. The latest version is shown now; make your change again.';
    case status === 422:
      return 'This retry does not match the first attempt; remove it and add the file again.';
    case status === 429:
      return 'Too many uploads or changes in a short time; wait a minute, then retry.';
    case status === 503:
      return 'The service is busy or unavailable right now; try again in a moment.';
    default:
      return `Something went wrong on the server${error.requestId === undefined ? '' : ` (reference ${error.requestId})`}; try again.`;
  }
}
