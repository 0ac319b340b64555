/**
 * The one error type the domain raises. `kind` decides the HTTP status (one table in
 * apps/http), `code` is the stable machine-readable value clients switch on, and
 * `message` is written for the client; `cause` keeps the underlying failure for logs only.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'precondition_failed'
  | 'too_large'
  | 'unsupported_media'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

export type ErrorDetails = Record<string, string | number | boolean | null>;

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: ErrorDetails | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.details = options.details;
  }
}

export const invalid = (message: string, details?: ErrorDetails): DomainError =>
  new DomainError('validation', 'validation_error', message, { details });

export const notFound = (message: string): DomainError => new DomainError('not_found', 'not_found', message);

export const unavailable = (message: string, cause?: unknown): DomainError =>
  new DomainError('unavailable', 'service_unavailable', message, { cause });

export const isDomainError = (error: unknown, kind?: ErrorKind): error is DomainError =>
  error instanceof DomainError && (kind === undefined || error.kind === kind);
