// The image pipeline on one machine: what making variants costs, and what it costs the uploads
// that share the machine with it. Uploads answer 201 before their variants exist (status
// `processing`) and the local worker makes them on the same machine (sharp in a child process of
// the API at nice 19), so the figures that matter are how long each kind of image takes (a 12 MP
// photo, a 4000x4000 PNG, a 60-frame GIF), how long after its 201 an image turns `ready` (alone,
// and 8 at once), how much memory the render process takes, and whether uploads stay as fast
// while it runs (the goal: within 10% of the same service with PROCESSING=external, where
// nothing processes on the machine).
//   1. sharp's render, then the whole ProcessImage use case (read, render, write the variants,
//      record them) on the local store, in this process, with sharp set up as apps/server.ts
//      sets it up (one libvips thread);
//   2. the service started as `npm start` runs it (STORAGE=local), PROCESSING=local: 201 to
//      `ready` (polled), and the resident sets of the API process and of its render process at
//      their peaks (VmHWM, reset before each step); the same uploads to PROCESSING=external show
//      what the uploads alone take;
//   3. upload latency of 12 MP photos, pipeline on against off, in alternating rounds (A B A B)
//      so a noisy machine weighs on both alike; the worker is busy throughout each A round.
// The images are made here: noise over gradients for the photo, as sharp's time depends on the
// content and a flat colour would flatter it. The processor's zip and the API's cold start
// have their own benches (processor-package.ts, lambda-cold-start.ts).
// Run with `npm run bench`; it prints figures and asserts nothing.
import { request } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { SharpImageProcessor, configureSharp } from '../adapters/sharp/sharp-image-processor.ts';
import { SystemClock } from '../adapters/system/system-clock.ts';
import { loadConfig } from '../apps/config.ts';
import { buildContainer, resolve } from '../apps/container.ts';
import { openStorage } from '../apps/storage/storage.ts';
import { TOKENS } from '../apps/tokens.ts';
import type { ImageFormat } from '../core/image.ts';
import { median, runLoad, uploadForm } from './support/load.ts';
import { startBenchServer } from './support/servers.ts';
import type { BenchServer } from './support/servers.ts';

const ROOT = resolvePath(fileURLToPath(import.meta.url), '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
/** More rounds than the other benches: the two servers' latencies differ by a few percent at most, or should. */
const LATENCY_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Timed runs per image and step, after one untimed run. */
const REPEATS = Number(process.env.BENCH_PIPELINE_REPEATS ?? 3);
/** How often an image's status is read while waiting for `ready`. */
const POLL_MS = 20;
const MiB = 1024 * 1024;
const LABEL = 46;

// ---- the images ----

/** Seeded xorshift: the same images every run. */
function random(seed: number): () => number {
  let state = (seed * 2654435761 + 1) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/** A cellsW x cellsH grid of random values, smoothly enlarged to width x height: gradients. */
async function smooth(width: number, height: number, cellsW: number, cellsH: number, channels: 1 | 3, seed: number): Promise<Buffer> {
  const next = random(seed);
  const cells = Buffer.alloc(cellsW * cellsH * channels);
  for (let i = 0; i < cells.length; i++) cells[i] = next() & 0xff;
  return sharp(cells, { raw: { width: cellsW, height: cellsH, channels } }).resize(width, height, { kernel: 'cubic' }).raw().toBuffer();
}

/**
 * Photo-like RGB pixels: broad colour gradients (the scene), finer grey texture (surfaces) and
 * per-pixel grain (the sensor). A 12 MP JPEG of it at quality 90 weighs what a phone's does.
 */
async function photoPixels(width: number, height: number, seed: number, grain: number): Promise<Buffer> {
  const scene = await smooth(width, height, 16, 12, 3, seed);
  const texture = await smooth(width, height, Math.round(width / 8), Math.round(height / 8), 1, seed + 1);
  const next = random(seed + 2);
  const pixels = Buffer.alloc(width * height * 3);
  for (let p = 0, i = 0; p < width * height; p++) {
    const shade = 25 + ((texture[p]! - 128) * 30) / 128 + (grain === 0 ? 0 : (((next() & 0xff) - 128) * grain) / 128);
    for (let c = 0; c < 3; c++, i++) pixels[i] = Math.max(0, Math.min(255, scene[i]! * 0.8 + shade));
  }
  return pixels;
}

/** A 12 MP (4000x3000) photo as a phone saves it: JPEG, quality 90, about 3.7 MB. */
async function photoJpeg(): Promise<Buffer> {
  const pixels = await photoPixels(4000, 3000, 1, 10);
  return sharp(pixels, { raw: { width: 4000, height: 3000, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/**
 * A 4000x4000 PNG within the 10 MiB upload limit: a screenshot-like graphic (gradients, flat
 * shapes and a photo), as a PNG that large is; photo-like pixels all over would weigh 20 MB and more.
 */
async function graphicPng(): Promise<Buffer> {
  const side = 4000;
  const pixels = await smooth(side, side, 16, 16, 3, 5);
  const next = random(6);
  for (let shape = 0; shape < 300; shape++) {
    const [w, h] = [50 + (next() % 600), 50 + (next() % 600)];
    const [x0, y0] = [next() % (side - w), next() % (side - h)];
    const colour = [next() & 0xff, next() & 0xff, next() & 0xff];
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) pixels.set(colour, (y * side + x) * 3);
  }
  // And a photo in it, as in a screenshot: pixels that compress as little as a photo's.
  const photo = { width: 1600, height: 1200 };
  const inset = await photoPixels(photo.width, photo.height, 7, 6);
  for (let y = 0; y < photo.height; y++) inset.copy(pixels, ((1200 + y) * side + 1200) * 3, y * photo.width * 3, (y + 1) * photo.width * 3);
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

const CLIP = { width: 480, height: 360, frames: 60 };

/** A 60-frame, 480x360 GIF clip: a camera panning across a photo-like scene, 15 frames a second. */
async function clipGif(): Promise<Buffer> {
  const { width, height, frames } = CLIP;
  const sceneWidth = width + 3 * frames;
  const scene = await photoPixels(sceneWidth, height, 9, 4);
  const strip = Buffer.alloc(width * height * 3 * frames);
  for (let frame = 0; frame < frames; frame++) {
    for (let y = 0; y < height; y++) {
      const from = (y * sceneWidth + 3 * frame) * 3;
      scene.copy(strip, ((frame * height + y) * width) * 3, from, from + width * 3);
    }
  }
  // The fastest palette settings: the default effort takes minutes for 60 frames.
  return sharp(strip, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ loop: 0, delay: new Array<number>(frames).fill(66), effort: 1, dither: 0 })
    .toBuffer();
}

interface BenchImage { name: string; format: ImageFormat; bytes: Buffer }

// ---- in this process ----

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function inProcess(images: BenchImage[]): Promise<void> {
  configureSharp({ threads: 1 });
  const processor = new SharpImageProcessor();
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-pipeline-inproc-'));
  const config = loadConfig({ STORAGE: 'local', DATA_DIR: dataDir, PROCESSING: 'external', LOG_LEVEL: 'silent' }, ROOT);
  const storage = await openStorage(config, new SystemClock());
  try {
    const container = buildContainer(config, storage, { queue: { enqueue: () => {} }, processor });
    const upload = resolve(container, TOKENS.UploadImage);
    const processImage = resolve(container, TOKENS.ProcessImage);
    const processOne = async (image: BenchImage): Promise<number> => {
      const { id } = (await upload.execute({ userId: 'bench', fileName: `bench.${image.format}`, bytes: image.bytes })).image;
      let result = '';
      const ms = await timed(async () => (result = await processImage.execute(id)));
      if (result !== 'ready') throw new Error(`${image.name}: processing ended ${result}`);
      return ms;
    };

    console.log(`\n== processing time per image, in this process, sharp as apps/server.ts sets it (1 libvips thread): median of ${REPEATS} after 1 untimed`);
    console.log(`${'image'.padEnd(LABEL)} | ${'render'.padStart(10)} | ${'ProcessImage'.padStart(12)} | variants made`);
    for (const image of images) {
      const rendered = await processor.render(image.bytes, image.format);
      const renders: number[] = [];
      for (let i = 0; i < REPEATS; i++) renders.push(await timed(() => processor.render(image.bytes, image.format)));
      await processOne(image);
      const uses: number[] = [];
      for (let i = 0; i < REPEATS; i++) uses.push(await processOne(image));
      const { thumb, display } = rendered.variants;
      const frames = (await sharp(display.bytes).metadata()).pages ?? 1;
      console.log(
        `${image.name.padEnd(LABEL)} | ${seconds(median(renders)).padStart(10)} | ${seconds(median(uses)).padStart(12)} | thumb ${thumb.width}x${thumb.height}, display ${display.width}x${display.height}${frames > 1 ? ` x ${frames} frames` : ''} (${(display.bytes.byteLength / 1024).toFixed(0)} KiB)`,
      );
    }
  } finally {
    storage.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---- over HTTP ----

interface Answer { status: number; body: string; ms: number }

/** One request on a connection of its own; plain node:http, so the client costs little CPU. */
function send(url: string, method: 'GET' | 'POST' | 'DELETE', path: string, options: { body?: Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const started = performance.now();
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(options.body.length) }) };
  return new Promise((done, fail) => {
    const req = request(new URL(path, url), { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
    });
    req.once('error', fail);
    req.end(options.body);
  });
}

/** POST /images, expecting 201: the new image's id, and when the answer came. */
async function upload(server: BenchServer, image: BenchImage, owner: string): Promise<{ id: string; answeredAt: number; ms: number }> {
  const form = uploadForm(image.bytes, { user_id: owner, title: image.name });
  const answer = await send(server.url, 'POST', '/images', { body: form.body, headers: form.headers });
  if (answer.status !== 201) throw new Error(`${server.name}: upload of ${image.name} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  return { id: (JSON.parse(answer.body) as { image: { image_id: string } }).image.image_id, answeredAt: performance.now(), ms: answer.ms };
}

/** Reads the image's status until it is `ready`: when that was seen. */
async function readyAt(server: BenchServer, id: string, owner: string): Promise<number> {
  for (const deadline = performance.now() + 120_000; performance.now() < deadline; ) {
    const answer = await send(server.url, 'GET', `/images/${id}`, { headers: { 'x-user-id': owner } });
    const { status, status_reason: reason } = JSON.parse(answer.body) as { status: string; status_reason?: string };
    if (status === 'ready') return performance.now();
    if (status !== 'processing') throw new Error(`${server.name}: image ${id} is ${status}: ${reason ?? ''}`);
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
  throw new Error(`${server.name}: image ${id} not ready after 120 s`);
}

/** The processes a server has started: its render process, once it has rendered. */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Starts a new peak for the server and its children: the kernel sets VmHWM back to the current resident set. */
async function resetPeak(server: BenchServer): Promise<boolean> {
  const pids = [server.pid, ...(await childrenOf(server.pid))];
  const done = await Promise.all(pids.map((pid) => writeFile(`/proc/${pid}/clear_refs`, '5').then(() => true, () => false)));
  return done.every(Boolean);
}

/** The peak resident set of the server's render process since the last reset, or 0 without one. */
async function renderPeakMiB(server: BenchServer): Promise<number> {
  let peak = 0;
  for (const pid of await childrenOf(server.pid)) {
    const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(text)?.[1] ?? 0) / 1024);
  }
  return peak;
}

const mib = (value: number): string => `${value.toFixed(0)} MiB`;

async function readiness(on: BenchServer, off: BenchServer, images: BenchImage[]): Promise<void> {
  const idle = { on: await on.memory(), off: await off.memory() };
  const resets = (await resetPeak(on)) && (await resetPeak(off));
  console.log(`\n== 201 to ready, ${on.name} (polled every ${POLL_MS} ms), and peak resident sets (API process; render process): ${REPEATS} uploads one at a time, then 8 at once`);
  console.log(`resident set at rest: pipeline on ${mib(idle.on.rssMiB)}, off ${mib(idle.off.rssMiB)}${resets ? '' : ' (VmHWM could not be reset: peaks below are since start)'}`);
  console.log(`${'uploads'.padEnd(LABEL)} | ${'201'.padStart(8)} | ${'201 to ready'.padStart(24)} | ${'API, on'.padStart(8)} | ${'render process'.padStart(14)} | ${'API, off'.padStart(8)}`);

  const step = async (label: string, image: BenchImage, count: number, owner: string, repeats: number): Promise<void> => {
    await resetPeak(on);
    await resetPeak(off);
    const answers: number[] = [];
    const waits: number[] = [];
    let last = 0;
    for (let i = 0; i < repeats; i++) {
      const sent = performance.now();
      await Promise.all(
        Array.from({ length: count }, async () => {
          const stored = await upload(on, image, owner);
          answers.push(stored.ms);
          waits.push((await readyAt(on, stored.id, owner)) - stored.answeredAt);
        }),
      );
      last = Math.max(last, performance.now() - sent);
      // The same uploads where nothing processes: what the upload alone holds in memory.
      await Promise.all(Array.from({ length: count }, () => upload(off, image, owner)));
    }
    const peak = { on: (await on.memory()).peakMiB, render: await renderPeakMiB(on), off: (await off.memory()).peakMiB };
    const wait = count === 1 ? seconds(median(waits)) : `${seconds(median(waits))}, last ${seconds(Math.max(...waits))}`;
    console.log(
      `${label.padEnd(LABEL)} | ${`${median(answers).toFixed(0)} ms`.padStart(8)} | ${wait.padStart(24)} | ${mib(peak.on).padStart(8)} | ${mib(peak.render).padStart(14)} | ${mib(peak.off).padStart(8)}`,
    );
    if (count > 1) console.log(`${''.padEnd(LABEL)} | all ${count} ready ${seconds(last)} after they were sent (PROCESSING_CONCURRENCY=1: one after another)`);
  };

  for (const image of images) await step(`${image.name}, 1 at a time`, image, 1, 'bench-ready', REPEATS);
  await step(`${images[0]!.name}, 8 at once`, images[0]!, 8, 'bench-ready', 1);
}

/** Erases the owner's images and waits until the worker has nothing left queued before them. */
async function drain(server: BenchServer, owner: string, sentinel: BenchImage): Promise<void> {
  for (let erasure = await send(server.url, 'DELETE', `/users/${owner}/images?purge=true`, { headers: { 'x-user-id': owner } }); erasure.status === 202; ) {
    await new Promise((done) => setTimeout(done, 200));
    erasure = await send(server.url, 'GET', `/users/${owner}/erasure`, { headers: { 'x-user-id': owner } });
    if (erasure.status === 200 && (JSON.parse(erasure.body) as { finished_at?: string | null }).finished_at != null) break;
  }
  // The worker takes images in the order they came: once this one is ready, the queue is empty.
  const { id } = await upload(server, sentinel, 'bench-sentinel');
  await readyAt(server, id, 'bench-sentinel');
}

/** CPU seconds each thread of a process has used so far, by thread id, with the thread's name. */
async function threadTimes(pid: number): Promise<Map<string, { name: string; seconds: number }>> {
  const times = new Map<string, { name: string; seconds: number }>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // Fields after the name: utime and stime are the 12th and 13th, in clock ticks (100 a second).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    times.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
  }
  return times;
}

/** CPU used by a process between two readings: all of it, and that of its libvips threads. */
function cpuBetween(before: Map<string, { seconds: number }>, after: Map<string, { name: string; seconds: number }>): { all: number; libvips: number } {
  let all = 0;
  let libvips = 0;
  for (const [tid, { name, seconds: used }] of after) {
    const spent = used - (before.get(tid)?.seconds ?? 0);
    all += spent;
    if (name.startsWith('libvips')) libvips += spent;
  }
  return { all, libvips };
}

interface Round { p50: number; p95: number; perSecond: number; failures: number; cpu: number; libvips: number; clientCpu: number; seconds: number }

async function uploadLatency(on: BenchServer, off: BenchServer, photo: BenchImage, sentinel: BenchImage): Promise<void> {
  const owner = 'bench-load';
  const form = uploadForm(photo.bytes, { user_id: owner, title: 'Bench', tags: 'bench' });
  console.log(`\n== upload latency, ${photo.name}, 1 client back to back: ${LATENCY_ROUNDS} alternating rounds of ${SECONDS} s each, medians`);
  console.log(`(pipeline on: the worker is busy throughout, as uploads outpace it; its backlog is erased between rounds. Load average at the start: ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores)`);
  const rounds = { on: [] as Round[], off: [] as Round[] };
  const servers = [['on', on], ['off', off]] as const;
  for (let round = 0; round < LATENCY_ROUNDS; round += 1) {
    for (const [key, server] of servers) {
      // The render process's threads count as the server's: it is the worker.
      const pids = async () => [server.pid, ...(await childrenOf(server.pid))];
      const times = async () => new Map((await Promise.all((await pids()).map(threadTimes))).flatMap((map) => [...map]));
      const before = await times();
      const client = process.cpuUsage();
      const started = performance.now();
      const load = await runLoad({ url: server.url, method: 'POST', path: '/images', body: form.body, headers: form.headers, expect: 201, clients: 1, seconds: SECONDS });
      const seconds = (performance.now() - started) / 1000;
      const clientUsage = process.cpuUsage(client);
      const cpu = cpuBetween(before, await times());
      rounds[key].push({ p50: load.p50Ms, p95: load.p95Ms, perSecond: load.perSecond, failures: load.failures, cpu: cpu.all, libvips: cpu.libvips, clientCpu: (clientUsage.user + clientUsage.system) / 1e6, seconds });
      // What the worker still has queued would weigh on the next round of the other server.
      if (key === 'on') await drain(on, owner, sentinel);
    }
  }
  const stat = (key: 'on' | 'off', pick: (round: Round) => number): number => median(rounds[key].map(pick));
  const cores = (key: 'on' | 'off', pick: (round: Round) => number): string => stat(key, (round) => pick(round) / round.seconds).toFixed(2);
  console.log(`${'server'.padEnd(LABEL)} | ${'p50'.padStart(9)} | ${'p95'.padStart(9)} | ${'uploads/s'.padStart(9)} | cores used: server+render (libvips), client | failures`);
  for (const [key, server] of servers) {
    console.log(
      `${server.name.padEnd(LABEL)} | ${`${stat(key, (r) => r.p50).toFixed(1)} ms`.padStart(9)} | ${`${stat(key, (r) => r.p95).toFixed(1)} ms`.padStart(9)} | ${stat(key, (r) => r.perSecond).toFixed(1).padStart(9)} | ` +
        `${`${cores(key, (r) => r.cpu)} (${cores(key, (r) => r.libvips)}), ${cores(key, (r) => r.clientCpu)}`.padEnd(36)} | ${rounds[key].reduce((sum, r) => sum + r.failures, 0)}`,
    );
  }
  const ratio = stat('on', (r) => r.p50) / stat('off', (r) => r.p50);
  const paired = median(rounds.on.map((r, i) => r.p50 / rounds.off[i]!.p50));
  console.log(
    `ratio on/off of the median latencies: ${ratio.toFixed(2)}x (p95 ${(stat('on', (r) => r.p95) / stat('off', (r) => r.p95)).toFixed(2)}x; median of the rounds' own ratios ${paired.toFixed(2)}x); goal at most 1.10x: ${ratio <= 1.1 ? 'met' : 'not met'}`,
  );
  console.log(`p50 by round, on: ${rounds.on.map((r) => r.p50.toFixed(1)).join(', ')} ms; off: ${rounds.off.map((r) => r.p50.toFixed(1)).join(', ')} ms`);
}

async function main(): Promise<void> {
  const made = performance.now();
  const images: BenchImage[] = [
    { name: '12 MP JPEG (4000x3000 photo)', format: 'jpeg', bytes: await photoJpeg() },
    { name: '4000x4000 PNG (screenshot)', format: 'png', bytes: await graphicPng() },
    { name: `${CLIP.frames}-frame GIF (${CLIP.width}x${CLIP.height})`, format: 'gif', bytes: await clipGif() },
  ];
  const sentinel: BenchImage = { name: 'sentinel', format: 'jpeg', bytes: await sharp(await photoPixels(200, 150, 3, 10), { raw: { width: 200, height: 150, channels: 3 } }).jpeg().toBuffer() };
  console.log(`\n== pipeline bench images (made in ${seconds(performance.now() - made)}): ${images.map((i) => `${i.name} ${(i.bytes.byteLength / MiB).toFixed(1)} MiB`).join('; ')}`);

  await inProcess(images);

  const dirs = { on: await mkdtemp(join(tmpdir(), 'bench-pipeline-on-')), off: await mkdtemp(join(tmpdir(), 'bench-pipeline-off-')) };
  const servers: BenchServer[] = [];
  try {
    servers.push(await startBenchServer('pipeline on (PROCESSING=local)', ROOT, { STORAGE: 'local', PROCESSING: 'local', DATA_DIR: dirs.on }));
    servers.push(await startBenchServer('pipeline off (PROCESSING=external)', ROOT, { STORAGE: 'local', PROCESSING: 'external', DATA_DIR: dirs.off }));
    const [on, off] = servers as [BenchServer, BenchServer];
    await readiness(on, off, images);
    await uploadLatency(on, off, images[0]!, sentinel);
  } finally {
    for (const server of servers) await server.stop();
    await Promise.all(Object.values(dirs).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

await main();
