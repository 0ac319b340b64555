// exiftool (Debian's libimage-exiftool-perl) as the outside oracle for metadata: it writes the
// metadata into test files and reads what is left in served ones, independently of our own parser.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const hasExiftool = (() => {
  try {
    execFileSync('exiftool', ['-ver'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Marks the running test or hook pending, with the reason in its title, rather than letting it pass untested. */
export function needsExiftool(context: Mocha.Context): void {
  if (hasExiftool) return;
  const runnable = context.currentTest ?? context.test;
  if (runnable) runnable.title += ' (pending: exiftool is not on the PATH)';
  context.skip();
}

/** exiftool -G1 keys, "Group:Tag", mapped to their values. */
export type Tags = Record<string, unknown>;

async function withFile<T>(bytes: Uint8Array, extension: string, use: (file: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'exiftool-'));
  try {
    const file = join(folder, `file.${extension}`);
    await writeFile(file, bytes);
    return await use(file);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Every tag exiftool finds, duplicates included (-a), by group (-G1); `numeric` gives -n values (Orientation 6, not "Rotate 90 CW"). */
export async function readTags(bytes: Uint8Array, extension: string, numeric = false): Promise<Tags> {
  return withFile(bytes, extension, async (file) => {
    const { stdout } = await run('exiftool', ['-j', '-G1', '-a', ...(numeric ? ['-n'] : []), file], { maxBuffer: 16 * 1024 * 1024 });
    const [tags] = JSON.parse(stdout) as Tags[];
    return tags ?? {};
  });
}

/** The bytes with exiftool's assignments (`-Tag=value`) written into them, and the ICC profile given. */
export async function writeTags(bytes: Uint8Array, extension: string, assignments: string[], iccProfile?: Uint8Array): Promise<Buffer> {
  return withFile(bytes, extension, async (file) => {
    const profile = `${file}.icc`;
    if (iccProfile !== undefined) await writeFile(profile, iccProfile);
    await run('exiftool', ['-overwrite_original', '-q', '-q', ...assignments, ...(iccProfile === undefined ? [] : [`-ICC_Profile<=${profile}`]), file]);
    return readFile(file);
  });
}

/** What a phone writes that locates or identifies someone: GPS, camera and serial, XMP, IPTC, a comment. */
export const IDENTIFYING_ASSIGNMENTS = [
  '-GPSLatitude=48.8584', '-GPSLatitudeRef=N', '-GPSLongitude=2.2945', '-GPSLongitudeRef=E', '-GPSAltitude=35',
  '-Make=Pixelphone', '-Model=P9 Pro', '-SerialNumber=SN-0042-7731', '-LensSerialNumber=LS-991', '-OwnerName=Alice Example',
  '-XMP-dc:Creator=Alice Example', '-XMP-dc:Description=At home', '-IPTC:Keywords=secret', '-IPTC:City=Paris', '-Comment=taken at home',
];

const IDENTIFYING_TAGS = ['Make', 'Model', 'SerialNumber', 'LensSerialNumber', 'OwnerName', 'Creator', 'Keywords', 'City', 'Comment', 'Description'];

/** The keys that locate or identify: any GPS tag, camera and serial fields, anything XMP, IPTC or Photoshop, comments. */
export function identifyingTags(tags: Tags): string[] {
  return Object.keys(tags).filter((key) => {
    const [group = '', tag = ''] = key.split(':');
    return /GPS/i.test(key) || IDENTIFYING_TAGS.includes(tag) || group.startsWith('XMP') || group === 'IPTC' || group === 'Photoshop'
      || group === 'ExifIFD' || group === 'MakerNotes';
  });
}

/**
 * What exiftool reports about a bare WebP, and nothing else: the file system's view, the container's
 * structure (size, alpha, animation), and sizes it computes. No EXIF, XMP, ICC or text of any kind.
 */
const WEBP_BASICS: Record<string, readonly string[] | 'any'> = {
  ExifTool: 'any',
  System: 'any',
  File: ['FileType', 'FileTypeExtension', 'MIMEType'],
  RIFF: [
    'VP8Version', 'ImageWidth', 'ImageHeight', 'HorizontalScale', 'VerticalScale', 'WebP_Flags',
    'AlphaPreprocessing', 'AlphaFiltering', 'AlphaCompression', 'BackgroundColor', 'AnimationLoopCount', 'Duration',
  ],
  Composite: ['ImageSize', 'Megapixels'],
};

/** Tags of a WebP beyond its file basics: metadata a variant must not carry. */
export function webpMetadata(tags: Tags): string[] {
  return Object.keys(tags).filter((key) => {
    if (key === 'SourceFile') return false;
    const [group = '', tag = ''] = key.split(':');
    const allowed = WEBP_BASICS[group];
    if (allowed === undefined) return true;
    if (tag === 'WebP_Flags' && /EXIF|XMP|ICC/i.test(String(tags[key]))) return true;
    return allowed !== 'any' && !allowed.includes(tag);
  });
}
