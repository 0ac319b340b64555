import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../core/errors.ts';
import type { PageTokens } from '../../core/ports/page-tokens.port.ts';

const TOKEN = /^[A-Za-z0-9_-]{1,400}\.[A-Za-z0-9_-]{43}$/;

const invalidToken = (): DomainError =>
  new DomainError('validation', 'invalid_page_token', 'page_token is not valid for this query; start again without it.');

/**
 * `position.signature`, base64url. The signature covers the query too, so a token only works
 * for the query it came from, and it is checked in constant time before the position is used.
 */
export class HmacPageTokens implements PageTokens {
  constructor(private readonly secret: Uint8Array) {}

  issue(position: string, query: string): string {
    const payload = Buffer.from(position).toString('base64url');
    return `${payload}.${this.sign(payload, query).toString('base64url')}`;
  }

  read(token: string, query: string): string {
    if (!TOKEN.test(token)) throw invalidToken();
    const [payload = '', signature = ''] = token.split('.');
    const given = Buffer.from(signature, 'base64url');
    const expected = this.sign(payload, query);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
    return Buffer.from(payload, 'base64url').toString();
  }

  private sign(payload: string, query: string): Buffer {
    return createHmac('sha256', this.secret).update(query).update('\n').update(payload).digest();
  }
}
