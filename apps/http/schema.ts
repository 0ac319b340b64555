import * as z from 'zod/mini';

/**
 * What the OpenAPI document says about a schema beyond what zod knows: a component name, prose,
 * examples, and, for query strings parsed into numbers or booleans, the type a client sends.
 * Limits shown here come from core's LIMITS, which core itself enforces; zod checks only the
 * shape (names, types, repetition), so no rule is written twice.
 */
export interface SchemaMeta {
  /** Makes the schema a component, `#/components/schemas/{id}`. */
  id?: string;
  description?: string;
  examples?: unknown[];
  default?: unknown;
  /** What a query string stands for, e.g. 'integer'; it is sent as text and parsed. */
  type?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  /** How a client error names what was expected, e.g. "an integer". */
  expected?: string;
  [key: string]: unknown;
}

/** The registry the OpenAPI document is generated from. */
export const documentation = z.registry<SchemaMeta>();

/** Registers documentation for a schema and gives the schema back. */
export function doc<T extends z.ZodMiniType>(schema: T, meta: SchemaMeta): T {
  documentation.add(schema, meta);
  return schema;
}

/** A query parameter given once, as text. */
export const queryText = (meta: SchemaMeta) => z.optional(doc(z.string(), { expected: 'a single value', ...meta }));

/** A whole number sent as text (`limit=20`), parsed; its range is core's to check. */
export const queryInteger = (meta: SchemaMeta) =>
  z.optional(
    doc(z.pipe(z.string().check(z.regex(/^-?\d{1,10}$/)), z.transform((raw: string) => Number(raw))), { type: 'integer', expected: 'an integer', ...meta }),
  );

/** `true`/`false` (or `1`/`0`), parsed. */
export const queryBoolean = (meta: SchemaMeta) =>
  z.optional(
    doc(z.pipe(z.enum(['true', 'false', '1', '0', 'TRUE', 'FALSE']), z.transform((raw: 'true' | 'false' | '1' | '0' | 'TRUE' | 'FALSE') => raw === 'true' || raw === 'TRUE' || raw === '1')), {
      type: 'boolean',
      expected: 'true or false',
      ...meta,
    }),
  );

/** Comma-separated values (`tags=sea,sun`), split; an empty value is an empty list. */
export const queryList = (meta: SchemaMeta) =>
  z.optional(doc(z.pipe(z.string(), z.transform((raw: string) => (raw.trim() === '' ? [] : raw.split(',')))), { expected: 'comma-separated values', ...meta }));

/** A form field: text when present. */
export const formText = (meta: SchemaMeta) => z.optional(doc(z.string(), { expected: 'a single value', ...meta }));

/** A JSON field that is text when present (null counts as absent). */
export const jsonText = (meta: SchemaMeta) => z.optional(z.nullable(doc(z.string(), { expected: 'a string', ...meta })));

/** Turns the first problem zod found into the message a client reads, naming the field. */
export function describeIssue(issue: z.core.$ZodIssue, where: 'query' | 'body' | 'form', accepted: readonly string[], metaOf: (path: PropertyKey[]) => SchemaMeta | undefined): { message: string; field: string | null; accepted?: string } {
  const place = { query: 'query parameter', body: 'field', form: 'form field' }[where];
  if (issue.code === 'unrecognized_keys') {
    const field = String(issue.keys[0]).slice(0, 100);
    const list = accepted.length === 0 ? 'none' : accepted.join(', ');
    return { message: `Unknown ${place} '${field}'. This request accepts: ${list}.`, field, accepted: accepted.join(',') };
  }
  const field = issue.path.map(String).join('.').slice(0, 100) || null;
  if (issue.code === 'invalid_type' && Array.isArray(issue.input)) return { message: `${field} was given more than once.`, field };
  const expected = metaOf(issue.path)?.expected ?? (issue.code === 'invalid_type' ? `a ${issue.expected}` : 'valid');
  return { message: `${field} must be ${expected}.`, field };
}
