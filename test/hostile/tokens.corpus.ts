// Page tokens a client forged, altered or took from another query. Each is built from a genuine
// token where that makes it more convincing: right shape, wrong signature or wrong query.
import { randomBytes } from 'node:crypto';
import type { TokenCase } from './corpus.ts';

const b64url = (text: string): string => Buffer.from(text).toString('base64url');

const signatureOf = (token: string): string => token.slice(token.indexOf('.') + 1);

/** The same token with one bit of its payload flipped and the signature kept. */
function tampered(token: string): string {
  const payload = Buffer.from(token.slice(0, token.indexOf('.')), 'base64url');
  payload[0] = (payload[0] ?? 0) ^ 1;
  return `${payload.toString('base64url')}.${signatureOf(token)}`;
}

export const tokenCases: TokenCase[] = [
  { name: 'random base64url', forge: () => randomBytes(60).toString('base64url') },
  { name: 'a genuine token replayed on another query (user_id=alice)', forge: (genuine) => genuine, query: { user_id: 'alice' } },
  { name: 'a genuine token with its payload changed', forge: tampered },
  { name: 'a 5000-character token with a genuine signature', forge: (genuine) => `${'A'.repeat(4956)}.${signatureOf(genuine)}` },
  { name: 'a genuine token with non-ASCII characters', forge: (genuine) => `é${genuine.slice(1)}ü` },
  { name: '"../"', forge: () => '../' },
  // 32 random bytes: a signature of the right length, so only the HMAC check can refuse it.
  { name: '{"after":"x"} base64url-encoded with a made-up signature', forge: () => `${b64url('{"after":"x"}')}.${randomBytes(32).toString('base64url')}` },
];
