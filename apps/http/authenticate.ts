import type * as Jose from './jwt-verifier.ts';
import { DomainError, unavailable } from '../../core/errors.ts';
import type { IdentityConfig } from '../config.ts';

/** Returns the verified caller of a request, or undefined when it carries no credentials. */
export type Authenticate = (headers: Record<string, string | undefined>) => Promise<string | undefined>;

const unauthorized = (message: string, cause?: unknown): DomainError => new DomainError('unauthorized', 'unauthorized', message, { cause });

// Asymmetric algorithms only for key sets: accepting HS256 there would let a public key sign.
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * In `jwt` mode, verifies `Authorization: Bearer` with jose: signature (HS256 secret or the
 * issuer's JWKS), issuer, audience and expiry, which must be present. A request without the
 * header is anonymous; one with a bad token is refused outright, whatever it asks for.
 */
export function createAuthenticate(identity: IdentityConfig): Authenticate {
  if (identity.mode === 'header') return async () => undefined;
  // jose loads with the first token: header identity, and cold starts, never pay for it.
  let verifier: Promise<{ jose: typeof Jose; key: Uint8Array | Jose.JWTVerifyGetKey }> | undefined;
  const algorithms = identity.secret === undefined ? JWKS_ALGORITHMS : ['HS256'];
  return async (headers) => {
    const header = headers.authorization;
    if (header === undefined) return undefined;
    // Auth schemes are case-insensitive (RFC 9110, 11.1): `bearer` is as good as `Bearer`.
    const match = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(header.trim());
    if (match === null) throw unauthorized('The Authorization header must be "Bearer <JWT>".');
    verifier ??= import('./jwt-verifier.ts').then((jose) => ({
      jose,
      key: identity.secret ?? jose.createRemoteJWKSet(new URL(identity.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 }),
    }));
    const { jose, key } = await verifier;
    const { errors } = jose;
    try {
      const { payload } = await jose.jwtVerify(match[1]!, key as Parameters<typeof jose.jwtVerify>[1], {
        issuer: identity.issuer,
        audience: identity.audience,
        algorithms,
        requiredClaims: ['sub', 'exp'],
      });
      // jose checks that `sub` is there, not what it is: a number, a list or an object is no caller.
      const sub: unknown = payload.sub;
      if (typeof sub !== 'string' || sub.trim() === '') throw unauthorized('The bearer token names no caller: its sub claim must be a non-empty string.');
      return sub;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      // The issuer's key set could not be fetched: the token may be fine, so this is not a 401.
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        throw unavailable('The token issuer cannot be reached to verify the token; try again later.', error);
      }
      // jose's messages name claims and algorithms; the client learns only that the token failed.
      throw unauthorized('The bearer token is not valid (signature, issuer, audience or expiry).', error);
    }
  };
}
