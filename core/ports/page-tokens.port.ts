/** Opaque page tokens that only the service can mint and that work only for their own query. */
export interface PageTokens {
  issue(position: string, query: string): string;
  /** @returns the position the token was issued for. @throws DomainError code `invalid_page_token` */
  read(token: string, query: string): string;
}
