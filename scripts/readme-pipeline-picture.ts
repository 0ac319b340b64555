// Makes docs/pipeline.png, the README's picture of what the pipeline does to a phone photo: the
// original's pixels as stored (sideways, with EXIF orientation 6), then the thumb and the display
// variant the real processor renders from it. Run: npx tsx scripts/readme-pipeline-picture.ts
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { OverlayOptions } from 'sharp';
import { SharpImageProcessor } from '../adapters/sharp/sharp-image-processor.ts';
import { SCENES, sceneFile } from '../test/e2e/scenes.ts';

const HEIGHT = 360;
const GAP = 24;
const LABEL = 56;

const scene = SCENES.find((candidate) => candidate.name === 'desert-dunes')!;
const upright = (await sceneFile(scene)).buffer;
// A camera held upright stores the sensor's landscape pixels and says "turn me" in EXIF.
const original = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 85 }).toBuffer();
const { variants } = await new SharpImageProcessor().render(original, 'jpeg');

const panel = async (bytes: Buffer | Uint8Array): Promise<{ input: Buffer; width: number }> => {
  // The stored pixels as they are: no autoOrient here, that is the point of the first panel.
  const { data, info } = await sharp(bytes).resize({ height: HEIGHT }).png().toBuffer({ resolveWithObject: true });
  return { input: data, width: info.width };
};
const panels = [
  { ...(await panel(original)), label: 'original: pixels as stored', sub: `${(await sharp(original).metadata()).width}x${(await sharp(original).metadata()).height}, EXIF orientation 6` },
  { ...(await panel(variants.thumb.bytes)), label: 'thumb', sub: `${variants.thumb.width}x${variants.thumb.height} WebP, centre crop` },
  { ...(await panel(variants.display.bytes)), label: 'display', sub: `${variants.display.width}x${variants.display.height} WebP, turned upright` },
];
const width = panels.reduce((sum, p) => sum + p.width, 0) + GAP * (panels.length + 1);
let x = GAP;
const composites: OverlayOptions[] = [];
const labels: string[] = [];
for (const p of panels) {
  composites.push({ input: p.input, left: x, top: GAP });
  labels.push(`<text x="${x}" y="${GAP + HEIGHT + 24}" font-family="sans-serif" font-size="18" font-weight="bold" fill="#0f172a">${p.label}</text>`);
  labels.push(`<text x="${x}" y="${GAP + HEIGHT + 46}" font-family="sans-serif" font-size="15" fill="#475569">${p.sub}</text>`);
  x += p.width + GAP;
}
const height = GAP + HEIGHT + LABEL + GAP / 2;
const text = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${labels.join('')}</svg>`);
const picture = await sharp({ create: { width, height, channels: 3, background: '#f8fafc' } })
  .composite([...composites, { input: text, left: 0, top: 0 }])
  .png({ compressionLevel: 9 })
  .toBuffer();
await writeFile(new URL('../docs/pipeline.png', import.meta.url), picture);
console.log(`docs/pipeline.png ${width}x${height}, ${picture.length} bytes`);
