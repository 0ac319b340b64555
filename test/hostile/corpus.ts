// The hostile-input corpus: every case is generated at run time (no checked-in binaries) and
// described as data, so the same table runs against every entry point.
import type { Response } from 'supertest';
import { byteDecided, dimensionRejections, foreignFormats, lyingHeaders, nonImages, truncatedFiles } from './content.corpus.ts';
import { metadataRejections, multipartRejections } from './form.corpus.ts';
import { nameCases, nameRejections } from './names.corpus.ts';
import { tokenCases } from './tokens.corpus.ts';
import { dateRejections, silentMistakes, textRejections } from './audit.corpus.ts';

/** Sends one request to the service listening at `url`. */
export type Send = (url: string) => PromiseLike<Response>;

/** A request the service must refuse with exactly this status and error code, storing nothing. */
export interface Rejection {
  name: string;
  status: number;
  code: string;
  /** When present, the error details must include these, to show which rule refused the request. */
  details?: Record<string, unknown>;
  /** When present, a part of the error message that names the rule. */
  message?: string;
  send: Send;
}

/** An upload accepted with its type taken from the bytes, whatever the name and declared type say. */
export interface ByteDecided {
  name: string;
  contentType: string;
  format: string;
  send: Send;
}

/** An upload with a hostile file name: accepted, with the name sanitised to exactly `fileName`. */
export interface NameCase {
  name: string;
  fileName: string;
  send: Send;
}

/** A page token a client made up or altered; `genuine` is a real token for GET /images?limit=1. */
export interface TokenCase {
  name: string;
  forge(genuine: string): string;
  /** Query parameters added to limit=1, to replay the token on another query. */
  query?: Record<string, string>;
}

export const CORPUS = {
  byteDecided,
  rejections: {
    'dimensions past the limit in tiny files': dimensionRejections,
    'formats outside the list': foreignFormats,
    'non-images under image names': nonImages,
    'files cut short': truncatedFiles,
    'headers that lie about the image': lyingHeaders,
    'file names that break the part': nameRejections,
    'metadata one unit past a limit': metadataRejections,
    'multipart abuse': multipartRejections,
    'dates that broke or sorted wrong': dateRejections,
    'text that hides or reorders what is shown': textRejections,
    'parameters and fields that were silently ignored': silentMistakes,
  } satisfies Record<string, Rejection[]>,
  names: nameCases,
  tokens: tokenCases,
};
