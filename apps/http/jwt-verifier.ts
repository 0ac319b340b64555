// Only what verifying a token takes, so the chunk authenticate.ts loads on demand carries these
// and not the whole of jose (19 kB instead of 59).
export { createRemoteJWKSet, errors, jwtVerify } from 'jose';
export type { JWTVerifyGetKey } from 'jose';
