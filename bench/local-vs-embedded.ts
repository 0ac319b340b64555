// Uploads and listings over HTTP: the local store (SQLite and files, today's `npm start`) against
// the embedded S3 and DynamoDB servers it replaced (commit 4fb8f16's `npm start`), both as their
// own processes on loopback, measured in alternating rounds (A B A B) so a noisy machine weighs
// on both alike. Then the memory a burst of 16 uploads of 10 MiB leaves behind in each.
// Run with `npm run bench`; it prints figures and asserts nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeImage } from '../test/support/images.ts';
import { plainPhoto } from '../test/support/photos.ts';
import { burst, median, runLoad, uploadForm } from './support/load.ts';
import { checkoutOf, startBenchServer } from './support/servers.ts';
import type { BenchServer } from './support/servers.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const EMBEDDED_COMMIT = '4fb8f16';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const MiB = 1024 * 1024;

// A 640x480 photo-like JPEG (72 KB of noise, no metadata): stored byte for byte, as a padded
// file would not be (the scrub drops padding, which would flatter the local store).
const photo = await plainPhoto(640, 480);
const KB = Math.round(photo.length / 1000);
const form = uploadForm(photo, { user_id: 'bench', title: 'Bench', tags: 'bench,sea' });

type Scenario = { name: string; run: (server: BenchServer) => Promise<number> };

const uploads = (clients: number): Scenario => ({
  name: `uploads/s, ${KB} KB JPEG, ${clients} client${clients === 1 ? '' : 's'}`,
  run: async (server) => (await runLoad({ url: server.url, method: 'POST', path: '/images', body: form.body, headers: form.headers, expect: 201, clients, seconds: SECONDS })).perSecond,
});

const listing = (clients: number): Scenario => ({
  name: `listings/s, 20 items, ${clients} clients`,
  run: async (server) => (await runLoad({ url: server.url, method: 'GET', path: '/images?limit=20', expect: 200, clients, seconds: SECONDS })).perSecond,
});

async function main(): Promise<void> {
  const oldTree = checkoutOf(ROOT, EMBEDDED_COMMIT, `embedded-${EMBEDDED_COMMIT}`);
  const dirs = { local: await mkdtemp(join(tmpdir(), 'bench-local-')), embedded: await mkdtemp(join(tmpdir(), 'bench-embedded-')) };
  const servers = [
    await startBenchServer('local (SQLite + files)', ROOT, { DATA_DIR: dirs.local }),
    await startBenchServer(`embedded (s3rver + dynalite, ${EMBEDDED_COMMIT})`, oldTree, { DATA_DIR: dirs.embedded }),
  ];
  try {
    const scenarios = [uploads(1), uploads(8), uploads(32), listing(8)];
    console.log(`\n== local store against the embedded stack it replaced: ${ROUNDS} alternating rounds of ${SECONDS} s each, medians`);
    console.log(`${'scenario'.padEnd(40)} | ${servers.map((s) => s.name.padStart(36)).join(' | ')} | ratio`);
    for (const scenario of scenarios) {
      const samples = servers.map(() => [] as number[]);
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const [i, server] of servers.entries()) samples[i]!.push(await scenario.run(server));
      }
      const medians = samples.map(median);
      console.log(`${scenario.name.padEnd(40)} | ${medians.map((m) => m.toFixed(1).padStart(36)).join(' | ')} | ${(medians[0]! / medians[1]!).toFixed(2)}x`);
    }

    console.log('\n== memory: 16 concurrent uploads of 10 MiB, resident set before, at its peak, and 5 s after');
    const big = uploadForm(makeImage({ width: 4000, height: 3000, format: 'jpeg', size: 10 * MiB - 4096 }), { user_id: 'bench' });
    for (const server of servers) {
      const before = await server.memory();
      const result = await burst({ url: server.url, method: 'POST', path: '/images', body: big.body, headers: big.headers, expect: 201, count: 16 });
      const peak = await server.memory();
      await new Promise((done) => setTimeout(done, 5000));
      const after = await server.memory();
      console.log(
        `${server.name.padEnd(40)} | RSS ${before.rssMiB.toFixed(0)} MiB, peak +${(peak.peakMiB - before.rssMiB).toFixed(0)} MiB, after +${(after.rssMiB - before.rssMiB).toFixed(0)} MiB (${result.ok} stored, ${result.failed} refused)`,
      );
    }
  } finally {
    for (const server of servers) await server.stop();
    await Promise.all(Object.values(dirs).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

await main();
