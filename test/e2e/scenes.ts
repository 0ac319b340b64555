// Photos that look like photos, for the screenshots that go in the README: landscapes drawn as SVG
// and encoded to JPEG by sharp at run time (no image is checked in). Functional tests use
// test/support/images.ts, whose images are exact in size and shape rather than pretty.
import sharp from 'sharp';
import type { FileSpec } from './browser.ts';

interface Scene {
  name: string;
  title: string;
  tags: string;
  description: string;
  sky: [string, string];
  sun: string;
  hills: [string, string, string];
  width: number;
  height: number;
}

export const SCENES: readonly Scene[] = [
  { name: 'sunset-ridge', title: 'Sunset over the ridge', tags: 'sunset,mountains', description: 'The last light on the western ridge.', sky: ['#1e1b4b', '#f97316'], sun: '#fde047', hills: ['#7c2d12', '#431407', '#1c0a04'], width: 1600, height: 1067 },
  { name: 'lake-morning', title: 'Morning on the lake', tags: 'lake,morning', description: 'Mist lifting off the water before seven.', sky: ['#bae6fd', '#f0f9ff'], sun: '#fef9c3', hills: ['#4d7c0f', '#365314', '#1a2e05'], width: 1600, height: 1200 },
  { name: 'desert-dunes', title: 'Dunes at noon', tags: 'desert', description: 'Wind lines across the big dune.', sky: ['#38bdf8', '#e0f2fe'], sun: '#fffbeb', hills: ['#f59e0b', '#d97706', '#b45309'], width: 1200, height: 1500 },
  { name: 'night-peaks', title: 'Peaks under the stars', tags: 'night,mountains', description: 'A clear night at the hut.', sky: ['#020617', '#1e3a8a'], sun: '#e2e8f0', hills: ['#334155', '#1e293b', '#0f172a'], width: 1600, height: 900 },
  { name: 'autumn-valley', title: 'Autumn valley', tags: 'autumn,forest', description: 'The beeches turning in October.', sky: ['#fed7aa', '#fff7ed'], sun: '#fef3c7', hills: ['#c2410c', '#9a3412', '#7c2d12'], width: 1500, height: 1000 },
  { name: 'sea-cliffs', title: 'Sea cliffs', tags: 'sea,coast', description: 'Swell against the chalk.', sky: ['#0ea5e9', '#e0f2fe'], sun: '#ffffff', hills: ['#e2e8f0', '#0369a1', '#075985'], width: 1600, height: 1067 },
  { name: 'green-hills', title: 'Green hills after rain', tags: 'hills,spring', description: 'Everything wet and shining.', sky: ['#94a3b8', '#e2e8f0'], sun: '#f8fafc', hills: ['#22c55e', '#15803d', '#14532d'], width: 1600, height: 1200 },
  { name: 'pink-dawn', title: 'Pink dawn', tags: 'sunrise', description: 'Five minutes of pink, then grey all day.', sky: ['#831843', '#fbcfe8'], sun: '#fff1f2', hills: ['#9d174d', '#500724', '#2e0416'], width: 1600, height: 1067 },
];

function svg(scene: Scene): string {
  const { width: w, height: h, sky, sun, hills } = scene;
  const ridge = (base: number, amplitude: number, phase: number): string => {
    const points: string[] = [];
    for (let x = 0; x <= w; x += w / 16) points.push(`${x.toFixed(0)},${(base + Math.sin(x / (w / 5) + phase) * amplitude + Math.cos(x / (w / 11) + phase * 2) * amplitude * 0.4).toFixed(0)}`);
    return `M0,${h} L${points.join(' L')} L${w},${h} Z`;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/></linearGradient></defs>
    <rect width="${w}" height="${h}" fill="url(#sky)"/>
    <circle cx="${w * 0.68}" cy="${h * 0.42}" r="${Math.min(w, h) * 0.09}" fill="${sun}" opacity="0.95"/>
    <path d="${ridge(h * 0.58, h * 0.07, 0.3)}" fill="${hills[0]}"/>
    <path d="${ridge(h * 0.7, h * 0.05, 1.7)}" fill="${hills[1]}"/>
    <path d="${ridge(h * 0.82, h * 0.04, 2.9)}" fill="${hills[2]}"/>
  </svg>`;
}

export async function sceneFile(scene: Scene): Promise<FileSpec> {
  const buffer = await sharp(Buffer.from(svg(scene))).jpeg({ quality: 82 }).toBuffer();
  return { name: `${scene.name}.jpg`, mimeType: 'image/jpeg', buffer };
}
