// Listing latency against the embedded DynamoDB (dynalite on disk), at two table sizes.
// A listing reads a bounded number of items whatever the table holds, so the ratio between
// the two sizes should stay near 1. Run with `npm run bench`; it prints figures and asserts nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Image } from '../core/image.ts';
import type { CatalogQuery } from '../core/ports/image-catalog.port.ts';
import { makeDynamoClients } from '../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../adapters/dynamodb/dynamodb-image-catalog.ts';
import { ensureTable } from '../adapters/dynamodb/table-setup.ts';
import { LOCAL_CREDENTIALS, startDynalite } from '../test/support/local-aws-servers.ts';

const SIZES = [1_000, 20_000];
const USERS = 25;
const TAGS = 50;
const RUNS = 200;
const PAGE = 20;

const MODES: Record<string, Omit<CatalogQuery, 'limit'>> = {
  all: {},
  'by user': { userId: 'user-7' },
  'by tag': { tags: ['tag-3'] },
};

function image(i: number): Image {
  const createdAt = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString();
  const id = `bench-${String(i).padStart(6, '0')}`;
  return {
    id,
    ownerId: `user-${i % USERS}`,
    title: `Image ${i}`,
    description: null,
    tags: [`tag-${i % TAGS}`, `tag-${(i * 7) % TAGS}`],
    fileName: `${id}.jpg`,
    fileSize: 100_000,
    contentType: 'image/jpeg',
    format: 'jpeg',
    width: 1200,
    height: 800,
    storageKey: `images/${id}.jpg`,
    createdAt,
    updatedAt: createdAt,
  };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(size: number): Promise<Record<string, { median: number; p95: number }>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-dynalite-'));
  const server = await startDynalite({ directory: dir });
  const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: server.endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureTable(client, 'Bench');
    const catalog = new DynamoDbImageCatalog(doc, 'Bench', { timeShards: 4 });
    const seedStart = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < size) await catalog.create(image(next++));
    }));
    console.log(`seeded ${size} images in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const results: Record<string, { median: number; p95: number }> = {};
    for (const [mode, query] of Object.entries(MODES)) {
      for (let i = 0; i < 10; i += 1) await catalog.list({ ...query, limit: PAGE });
      const times: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const start = performance.now();
        const page = await catalog.list({ ...query, limit: PAGE });
        times.push(performance.now() - start);
        if (page.items.length !== PAGE) throw new Error(`${mode}: expected a full page, got ${page.items.length}`);
      }
      times.sort((a, b) => a - b);
      results[mode] = { median: percentile(times, 50), p95: percentile(times, 95) };
    }
    return results;
  } finally {
    client.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const bySize = new Map<number, Record<string, { median: number; p95: number }>>();
for (const size of SIZES) bySize.set(size, await measure(size));

const [small, large] = SIZES.map((size) => bySize.get(size)!);
console.log(`\nList latency, page of ${PAGE}, ${RUNS} runs each, dynalite on disk, node ${process.version}`);
console.log(`${'mode'.padEnd(10)} | ${SIZES.map((s) => `${s} images: median / p95`.padEnd(30)).join(' | ')} | median ratio ${SIZES[1]}/${SIZES[0]}`);
for (const mode of Object.keys(MODES)) {
  const cells = SIZES.map((size) => {
    const { median, p95 } = bySize.get(size)![mode]!;
    return `${median.toFixed(2)} ms / ${p95.toFixed(2)} ms`.padEnd(30);
  });
  console.log(`${mode.padEnd(10)} | ${cells.join(' | ')} | ${(large![mode]!.median / small![mode]!.median).toFixed(2)}`);
}
