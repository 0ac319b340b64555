import { ANSWERS, errorBody } from '../../apps/http/answer-shapes.ts';
import { errorsOf, isDeclared } from '../../apps/http/route-spec.ts';
import type { ErrorAnswer } from '../../apps/http/route-spec.ts';
import { isStream } from '../../apps/http/types.ts';
import type { HttpResponse, Route } from '../../apps/http/types.ts';

const ERROR_STATUS: Record<ErrorAnswer, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  RequestTimeout: 408,
  Conflict: 409,
  Gone: 410,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  UnprocessableContent: 422,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
};

/**
 * Why an answer breaks what its route declares (and so what /openapi.json says), or undefined
 * when it keeps to it: its status must be documented, and a JSON body must parse with the schema
 * documented for that status. Every error body, of any route or of none, is the Error schema.
 */
export function answerProblem(route: Route | undefined, response: HttpResponse): string | undefined {
  const json = response.body !== undefined && !Buffer.isBuffer(response.body) && !isStream(response.body);
  const where = route === undefined ? '(no route)' : `${route.method} ${route.path}`;
  const ownAnswer = route !== undefined && isDeclared(route) && route.spec.answers[response.status] !== undefined;
  if (response.status >= 400 && json && !ownAnswer) {
    const parsed = errorBody.safeParse(response.body);
    if (!parsed.success) return `${where} answered ${response.status} with a body that is not the Error schema: ${JSON.stringify(parsed.error.issues)}`;
  }
  if (route === undefined || !isDeclared(route)) return undefined;
  const { spec } = route;
  const errors = errorsOf(spec);
  const documented = new Set([...Object.keys(spec.answers).map(Number), ...Object.keys(errors).map((name) => ERROR_STATUS[name as ErrorAnswer]), 500]);
  if (!documented.has(response.status)) return `${where} answered ${response.status}, which it does not document (documented: ${[...documented].join(', ')})`;
  const answer = spec.answers[response.status];
  if (json && answer?.schema !== undefined && answer.schema in ANSWERS) {
    const parsed = ANSWERS[answer.schema as keyof typeof ANSWERS].safeParse(response.body);
    if (!parsed.success) return `${where} answered ${response.status} with a body its schema refuses: ${JSON.stringify(parsed.error.issues).slice(0, 600)}`;
  }
  return undefined;
}
