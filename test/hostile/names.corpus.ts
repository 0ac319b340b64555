// Hostile file names, each sent the way a client can actually carry it: as form-data (and browsers)
// send it, percent-escaping only CR, LF and `"` and taking the last path segment; as an RFC 8187
// `filename*`, which can carry any character; or as a hand-written quoted-string.
import { encodeExtended } from 'content-disposition';
import { upload } from '../support/upload.ts';
import type { NameCase, Rejection } from './corpus.ts';
import { postRawFile, quoted, smallPng } from './raw-multipart.ts';

const asFormData = (fileName: string) => (url: string) => upload(url, { file: smallPng(), fileName, contentType: 'image/png' });
const asExtended = (fileName: string) => (url: string) => postRawFile(url, `filename*=${encodeExtended(fileName)}`);
const asQuoted = (fileName: string) => (url: string) => postRawFile(url, `filename=${quoted(fileName)}`);

const CRLF_NAME = 'a\r\nSet-Cookie: x=1.png';
const RLO_NAME = 'photo\u202Egnp.exe';
const LONG_NAME = `${'n'.repeat(996)}.png`;

export const nameCases: NameCase[] = [
  { name: 'a POSIX path traversal, quoted', fileName: 'passwd.png', send: asQuoted('../../etc/passwd.png') },
  { name: 'a POSIX path traversal, as filename*', fileName: 'passwd.png', send: asExtended('../../etc/passwd.png') },
  { name: 'a Windows path traversal, quoted', fileName: 'win.ini.png', send: asQuoted('..\\..\\windows\\win.ini.png') },
  { name: 'CR/LF and a header, as form-data (%0D%0A)', fileName: 'aSet-Cookie: x=1.png', send: asFormData(CRLF_NAME) },
  { name: 'CR/LF and a header, as filename*', fileName: 'aSet-Cookie: x=1.png', send: asExtended(CRLF_NAME) },
  { name: 'quotes, as form-data (%22)', fileName: 'evil.png', send: asFormData('"evil".png') },
  { name: 'quotes, quoted with backslashes', fileName: 'evil.png', send: asQuoted('"evil".png') },
  { name: 'a right-to-left override, as filename*', fileName: 'photognp.png', send: asExtended(RLO_NAME) },
  {
    name: 'a right-to-left override, as form-data (raw UTF-8, as browsers send it)',
    fileName: 'photognp.png',
    send: asFormData(RLO_NAME),
  },
  { name: 'a 1000-character name', fileName: `${'n'.repeat(251)}.png`, send: asFormData(LONG_NAME) },
  { name: 'NUL and BEL, as filename*', fileName: 'name.png', send: asExtended('\u0000\u0007name.png') },
  // Browsers send a name's bytes raw but for CR, LF and '"'; a BEL is legal in a Linux file name.
  { name: 'a raw BEL inside the quoted name, as a browser sends it', fileName: 'ring.png', send: asQuoted('ring\u0007.png') },
  { name: 'raw NUL and BEL bytes inside the quoted name', fileName: 'name.png', send: asQuoted('\u0000\u0007name.png') },
  { name: 'an HTML page name on a PNG', fileName: 'x.png', send: asFormData('x.html') },
  { name: 'a script name on a PNG', fileName: 'run.png', send: asFormData('run.js') },
  { name: 'an archive name on a PNG', fileName: 'archive.png', send: asFormData('archive.zip') },
  {
    name: 'a name that is only ".."',
    fileName: 'image.png',
    send: asQuoted('..'),
  },
];

// A header value cannot hold a line break or a control character (RFC 9110 5.5), so these bytes
// written literally make the part malformed; the contract's answer to malformed input is a 400.
export const nameRejections: Rejection[] = [
  {
    // The line break ends the Content-Disposition line, so the part has no file name and its
    // bytes arrive as a plain field: there is no file, and "Set-Cookie" must not come back.
    name: 'a literal CR/LF and a header inside the quoted name',
    status: 400,
    code: 'validation_error',
    details: { field: 'file' },
    send: (url) => postRawFile(url, `filename=${quoted(CRLF_NAME)}`),
  },
  {
    // filename="" is how a browser form says "no file chosen", so the part is not a file.
    name: 'an empty name (filename=""), read as no file chosen',
    status: 400,
    code: 'validation_error',
    details: { field: 'file' },
    send: asQuoted(''),
  },
];
