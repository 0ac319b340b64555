// Who the person at the keyboard is. The service says which mode it runs in through a data
// attribute on <html> (a CSP without inline scripts leaves no other way to pass it).
//  - header: the person names themselves; kept in localStorage, as a preference would be.
//  - jwt: a bearer token; kept in sessionStorage only (gone with the tab), never put in a URL.

export type IdentityMode = 'header' | 'jwt';

export interface Identity {
  mode: IdentityMode;
  /** Who writes are made as: the typed name, or the token's `sub`. */
  userId: string | null;
  token: string | null;
}

const USER_KEY = 'gallery.user';
const TOKEN_KEY = 'gallery.token';
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const identityMode = (): IdentityMode => (document.documentElement.dataset.identity === 'jwt' ? 'jwt' : 'header');

// Storage can throw (disabled cookies, a full quota); the gallery still works for this visit.
function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Remembered for this page only.
  }
}

/**
 * The token's subject, read without verifying it: the server verifies every write, and this
 * only decides which buttons to show.
 */
export function subjectOf(token: string): string | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const sub: unknown = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' && sub.trim() !== '' ? sub : null;
  } catch {
    return null;
  }
}

export function loadIdentity(mode = identityMode()): Identity {
  if (mode === 'jwt') {
    const token = read(() => sessionStorage, TOKEN_KEY);
    return { mode, token, userId: token === null ? null : subjectOf(token) };
  }
  const userId = read(() => localStorage, USER_KEY);
  return { mode, token: null, userId: userId !== null && USER_ID_PATTERN.test(userId) ? userId : null };
}

/** Saves what was typed in the identity field; an empty value signs out. */
export function saveIdentity(mode: IdentityMode, value: string): Identity {
  const trimmed = value.trim();
  if (mode === 'jwt') write(() => sessionStorage, TOKEN_KEY, trimmed === '' ? null : trimmed.replace(/^Bearer\s+/i, ''));
  else write(() => localStorage, USER_KEY, trimmed === '' ? null : trimmed);
  return loadIdentity(mode);
}

/** The headers that name the caller of a write. */
export function callerHeaders(identity: Identity): Record<string, string> {
  if (identity.mode === 'jwt') return identity.token === null ? {} : { Authorization: `Bearer ${identity.token}` };
  return identity.userId === null ? {} : { 'X-User-Id': identity.userId };
}
