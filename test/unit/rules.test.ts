import { expect } from 'chai';
import { DomainError } from '../../core/errors.ts';
import {
  LIMITS,
  acceptedFormat,
  checkDimensions,
  checkFileSize,
  checkIntegerInRange,
  displayFileName,
  normaliseTags,
  parseDescription,
  parseInstant,
  parseRangeEnd,
  parseTitle,
  parseUserId,
} from '../../core/rules.ts';

/** Runs `action` and returns the DomainError it raised, failing the test if it raised none. */
function raised(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    return error as DomainError;
  }
  expect.fail('expected a DomainError');
}

const chars = (n: number, char = 'a'): string => char.repeat(n);

describe('image rules', () => {
  describe('file size: 1 KiB to 10 MiB', () => {
    it('accepts both limits', () => {
      expect(() => checkFileSize(1024)).not.to.throw();
      expect(() => checkFileSize(10 * 1024 * 1024)).not.to.throw();
    });
    it('refuses one byte under the minimum as invalid input', () => {
      expect(raised(() => checkFileSize(1023))).to.include({ kind: 'validation', code: 'validation_error' });
    });
    it('refuses one byte over the maximum as too large', () => {
      expect(raised(() => checkFileSize(10 * 1024 * 1024 + 1))).to.include({ kind: 'too_large', code: 'payload_too_large' });
    });
  });

  describe('dimensions: 50x50 to 4000x4000', () => {
    it('accepts the limits on each side', () => {
      for (const [w, h] of [[50, 50], [4000, 4000], [50, 4000], [4000, 50]] as const) expect(() => checkDimensions(w, h)).not.to.throw();
    });
    it('refuses one pixel past a limit on either side', () => {
      for (const [w, h] of [[49, 50], [50, 49], [4001, 4000], [4000, 4001]] as const) {
        expect(raised(() => checkDimensions(w, h)).kind, `${w}x${h}`).to.equal('validation');
      }
    });
  });

  describe('formats', () => {
    it('maps detected types to the four accepted formats', () => {
      expect(acceptedFormat('image/jpeg')).to.equal('jpeg');
      expect(acceptedFormat('image/png')).to.equal('png');
      expect(acceptedFormat('image/apng')).to.equal('png');
      expect(acceptedFormat('image/gif')).to.equal('gif');
      expect(acceptedFormat('image/webp')).to.equal('webp');
    });
    it('refuses anything else, or nothing detected, as unsupported media', () => {
      for (const type of ['image/svg+xml', 'image/avif', 'image/bmp', 'image/tiff', 'image/heic', 'text/plain', undefined]) {
        expect(raised(() => acceptedFormat(type)), String(type)).to.include({ kind: 'unsupported_media', code: 'unsupported_media_type' });
      }
    });
  });

  describe('title', () => {
    it('is optional and trimmed', () => {
      expect(parseTitle(undefined)).to.equal(null);
      expect(parseTitle('  Sunset  ')).to.equal('Sunset');
    });
    it('accepts 200 characters, counting code points, and refuses 201', () => {
      expect(parseTitle(chars(200))).to.have.length(200);
      expect(parseTitle(chars(200, '😀'))).to.equal(chars(200, '😀'));
      expect(raised(() => parseTitle(chars(201))).details).to.deep.include({ field: 'title' });
    });
    it('refuses a blank title, invisible characters included', () => {
      for (const blank of ['   ', '', '\u200B\u200B\u200B', ' \u2060\uFEFF\u00AD ', '\u3164', '\u2800\u200D']) {
        expect(raised(() => parseTitle(blank)).details, JSON.stringify(blank)).to.deep.include({ field: 'title' });
      }
    });
    it('refuses control characters and bidirectional controls, and keeps joined emoji', () => {
      for (const bad of ['a\u0000b', 'line\nbreak', 'tab\there', 'bell\u0007', 'evil\u202Egnp.exe', 'iso\u2066late\u2069', 'mark\u200F']) {
        expect(raised(() => parseTitle(bad)).details, JSON.stringify(bad)).to.deep.include({ field: 'title' });
      }
      expect(parseTitle('family 👨‍👩‍👧')).to.equal('family 👨‍👩‍👧');
    });
    it('is stored in NFC, so composed and decomposed input are the same title', () => {
      expect(parseTitle('Cafe\u0301')).to.equal('Café').and.to.equal(parseTitle('Caf\u00E9'));
    });
  });

  describe('description', () => {
    it('accepts 1000 characters and refuses 1001', () => {
      expect(parseDescription(chars(1000))).to.have.length(1000);
      expect(raised(() => parseDescription(chars(1001))).details).to.deep.include({ field: 'description' });
    });
    it('treats absent, empty or invisible as no description', () => {
      expect(parseDescription(undefined)).to.equal(null);
      expect(parseDescription('  ')).to.equal(null);
      expect(parseDescription('\u200B\n\u200B')).to.equal(null);
    });
    it('keeps line breaks and tabs (CRLF as LF), and refuses other control and bidirectional characters', () => {
      expect(parseDescription('first\r\nsecond\tcolumn')).to.equal('first\nsecond\tcolumn');
      for (const bad of ['nul\u0000', 'esc\u001B[31m', 'over\u202Dride']) {
        expect(raised(() => parseDescription(bad)).details, JSON.stringify(bad)).to.deep.include({ field: 'description' });
      }
    });
  });

  describe('tags', () => {
    it('are trimmed, lower-cased and de-duplicated in order', () => {
      expect(normaliseTags([' Nature', 'SUNSET ', 'nature', 'mountain view', 'a_b-c', 'Été'])).to.deep.equal([
        'nature',
        'sunset',
        'mountain view',
        'a_b-c',
        'été',
      ]);
    });
    it('accept 10 tags and refuse 11, counted after de-duplication', () => {
      const ten = Array.from({ length: 10 }, (_, i) => `t${i}`);
      expect(normaliseTags([...ten, 'T0', 't1'])).to.have.length(10);
      expect(raised(() => normaliseTags([...ten, 't10'])).details).to.deep.include({ field: 'tags', max: 10 });
    });
    it('accept a 50-character tag and refuse 51', () => {
      expect(normaliseTags([chars(50)])).to.deep.equal([chars(50)]);
      expect(raised(() => normaliseTags([chars(51)])).kind).to.equal('validation');
    });
    it('refuse empty tags and characters outside letters, digits, space, - and _', () => {
      for (const tag of ['', '   ', 'a,b', 'a.b', '<script>', 'a/b', "a'b", 'tab\there', '\u200B', '\u0301', 'a\u202Eb']) {
        expect(raised(() => normaliseTags([tag])).kind, JSON.stringify(tag)).to.equal('validation');
      }
    });
    it('are NFC before the letter check: café typed decomposed (as macOS sends it), İstanbul, Hindi and Thai are tags', () => {
      expect(normaliseTags(['cafe\u0301', 'café'])).to.deep.equal(['café']);
      expect(normaliseTags(['İstanbul'])).to.deep.equal(['i\u0307stanbul']);
      expect(normaliseTags(['हिन्दी', 'ภาษาไทย'])).to.deep.equal(['हिन्दी', 'ภาษาไทย']);
    });
    it('collapse inner runs of spaces, so "sea  view" and "sea view" are one tag', () => {
      expect(normaliseTags(['sea  view', 'Sea View'])).to.deep.equal(['sea view']);
    });
  });

  describe('user ids', () => {
    it('accept letters, digits, - and _ up to 128 characters', () => {
      expect(parseUserId('user_123-A')).to.equal('user_123-A');
      expect(parseUserId(chars(128))).to.have.length(128);
    });
    it('refuse 129 characters, other characters, and absence', () => {
      for (const id of [chars(129), 'a b', 'a/b', 'é', 'a.b', '', undefined]) {
        expect(raised(() => parseUserId(id)).kind, String(id)).to.equal('validation');
      }
    });
  });

  describe('integer ranges (download expiry, page size)', () => {
    it('accept the limits and refuse one past them', () => {
      expect(checkIntegerInRange(60, LIMITS.expiresIn, 'expires_in')).to.equal(60);
      expect(checkIntegerInRange(86_400, LIMITS.expiresIn, 'expires_in')).to.equal(86_400);
      expect(raised(() => checkIntegerInRange(59, LIMITS.expiresIn, 'expires_in')).details).to.deep.include({ field: 'expires_in' });
      expect(raised(() => checkIntegerInRange(86_401, LIMITS.expiresIn, 'expires_in')).kind).to.equal('validation');
      expect(checkIntegerInRange(1, LIMITS.pageSize, 'limit')).to.equal(1);
      expect(checkIntegerInRange(100, LIMITS.pageSize, 'limit')).to.equal(100);
      expect(raised(() => checkIntegerInRange(0, LIMITS.pageSize, 'limit')).kind).to.equal('validation');
      expect(raised(() => checkIntegerInRange(101, LIMITS.pageSize, 'limit')).kind).to.equal('validation');
      expect(raised(() => checkIntegerInRange(1.5, LIMITS.pageSize, 'limit')).kind).to.equal('validation');
    });
  });

  describe('display file names', () => {
    it('keep only the last path segment', () => {
      expect(displayFileName('../../etc/passwd.png', 'png')).to.equal('passwd.png');
      expect(displayFileName('C:\\Users\\me\\cat.jpg', 'jpeg')).to.equal('cat.jpg');
    });
    it('drop control characters (BEL too), CR/LF, quotes and bidirectional overrides', () => {
      expect(displayFileName('a\r\nb\u0000c"d\u202Egnp.png', 'png')).to.equal('abcdgnp.png');
      expect(displayFileName('ring\u0007.jpg', 'jpeg')).to.equal('ring.jpg');
    });
    it('carry the extension of the format the bytes are, so a saved file opens as the image it is', () => {
      expect(displayFileName('x.html', 'png')).to.equal('x.png');
      expect(displayFileName('run.js', 'gif')).to.equal('run.gif');
      expect(displayFileName('archive.zip', 'webp')).to.equal('archive.webp');
      expect(displayFileName('no extension', 'jpeg')).to.equal('no extension.jpg');
      expect(displayFileName('evil\u202Egnp.exe', 'png')).to.equal('evilgnp.png');
      expect(displayFileName('My Photo.JPG', 'jpeg')).to.equal('My Photo.JPG');
      expect(displayFileName('scan.jpeg', 'jpeg')).to.equal('scan.jpeg');
      expect(displayFileName('moving.apng', 'png')).to.equal('moving.apng');
    });
    it('cap the length at 255 characters and keep the extension', () => {
      const name = displayFileName(`${chars(400)}.jpeg`, 'jpeg');
      expect([...name]).to.have.length(255);
      expect(name.endsWith('.jpeg')).to.equal(true);
    });
    it('fall back to a generic name when nothing usable is left', () => {
      expect(displayFileName(undefined, 'webp')).to.equal('image.webp');
      expect(displayFileName('../', 'gif')).to.equal('image.gif');
      expect(displayFileName('\u202E\r\n', 'jpeg')).to.equal('image.jpg');
    });
  });

  describe('ISO 8601 instants', () => {
    it('normalise dates and date-times to UTC with milliseconds', () => {
      expect(parseInstant('2024-05-01', 'start_date')).to.equal('2024-05-01T00:00:00.000Z');
      expect(parseInstant('2024-05-01T12:30', 'start_date')).to.equal('2024-05-01T12:30:00.000Z');
      expect(parseInstant('2024-05-01T12:30:15.5+02:00', 'start_date')).to.equal('2024-05-01T10:30:15.500Z');
      expect(parseInstant('2024-02-29T23:59:59Z', 'start_date')).to.equal('2024-02-29T23:59:59.000Z');
    });
    it('refuse impossible or malformed dates instead of rolling them over', () => {
      for (const raw of ['2024-02-30', '2023-02-29T00:00:00Z', '2024-13-01', '2024-01-01T24:00:00Z', 'yesterday', '1714560000', '']) {
        expect(raised(() => parseInstant(raw, 'end_date')).details, raw).to.deep.include({ field: 'end_date' });
      }
    });
    it('say how to send an offset whose + a query string turned into a space', () => {
      for (const raw of ['2024-05-01T12:00:00 01:00', '2024-05-01T12:00 0130']) {
        expect(raised(() => parseInstant(raw, 'end_date')).message, raw).to.include('%2B');
      }
      expect(raised(() => parseInstant('2024-05-01T12', 'end_date')).message).not.to.include('%2B');
    });
    it('take offsets up to ±23:59 and refuse others (400, not a RangeError)', () => {
      expect(parseInstant('2024-01-01T00:00:00+23:59', 'start_date')).to.equal('2023-12-31T00:01:00.000Z');
      expect(parseInstant('2024-01-01T00:00:00-0130', 'start_date')).to.equal('2024-01-01T01:30:00.000Z');
      for (const raw of ['2024-01-01T00:00:00+99:99', '2024-01-01T00:00:00+24:00', '2024-01-01T00:00:00-23:60']) {
        expect(raised(() => parseInstant(raw, 'start_date')).details, raw).to.deep.include({ field: 'start_date' });
      }
    });
    it('refuse an instant that leaves the years 0000-9999, where the text form would no longer sort', () => {
      expect(raised(() => parseInstant('9999-12-31T23:59:59-23:59', 'start_date')).details).to.deep.include({ field: 'start_date' });
      expect(raised(() => parseInstant('0000-01-01T00:00:00+00:01', 'start_date')).details).to.deep.include({ field: 'start_date' });
      expect(parseInstant('0001-01-01', 'start_date')).to.equal('0001-01-01T00:00:00.000Z');
    });
    it('read a bare end date as the whole of that day (9999-12-31 as no end), and refuse a date-time end past 9999', () => {
      expect(parseRangeEnd('2026-11-29', 'end_date')).to.equal('2026-11-30T00:00:00.000Z');
      expect(parseRangeEnd('2026-11-29T10:00:00Z', 'end_date')).to.equal('2026-11-29T10:00:00.000Z');
      expect(parseRangeEnd('9999-12-31', 'end_date')).to.equal(undefined);
      expect(raised(() => parseRangeEnd('9999-12-31T23:59:59-23:59', 'end_date')).details).to.deep.include({ field: 'end_date' });
    });
  });
});
