// Listing on DynamoDB Local, at two table sizes and with one and four time shards: latency (a
// listing reads a bounded number of items whatever the table holds, so the ratio between the
// sizes should stay near 1) and items read per item returned, from the Query answers'
// ScannedCount (the issue's goal: about 1.25 at most). Run with `npm run bench`; it asserts nothing.
import { performance } from 'node:perf_hooks';
import type { Image } from '../core/image.ts';
import type { CatalogQuery } from '../core/ports/image-catalog.port.ts';
import { makeDynamoClients } from '../adapters/dynamodb/dynamodb-client.ts';
import { DynamoDbImageCatalog } from '../adapters/dynamodb/dynamodb-image-catalog.ts';
import { ensureTable } from '../adapters/dynamodb/table-setup.ts';
import { startDynamoDbLocal } from '../test/support/dynamodb-local.ts';
import { LOCAL_CREDENTIALS } from '../scripts/local-aws-servers.ts';
import type { LocalServer } from '../scripts/local-aws-servers.ts';

const SIZES = [1_000, 10_000];
const SHARDS = [1, 4];
const USERS = 25;
const TAGS = 50;
const RUNS = 200;
const PAGE = 20;

const MODES: Record<string, Omit<CatalogQuery, 'limit'>> = {
  all: {},
  'by user': { userId: 'user-7' },
  'by tag': { tags: ['tag-3'] },
  'by user and tag': { userId: 'user-3', tags: ['tag-3'] },
  // Inside the span of the smaller table: one image a minute from 2025-01-01.
  'by date range': { from: '2025-01-01T02:00:00.000Z', to: '2025-01-01T14:00:00.000Z' },
  'two tags (any)': { tags: ['tag-3', 'tag-4'] },
};

interface Figures {
  median: number;
  p95: number;
  /** Items the Queries read, per item the page returned. */
  readPerReturned: number;
}

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
    checksum: `sha256:${String(i).padStart(64, '0')}`,
    status: 'ready',
    createdAt,
    updatedAt: createdAt,
  };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(server: LocalServer, size: number, shards: number): Promise<Record<string, Figures>> {
  const { client, doc } = makeDynamoClients({ region: 'us-east-1', endpoint: server.endpoint, credentials: LOCAL_CREDENTIALS });
  let scanned = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      scanned += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countScanned' },
  );
  const table = `Bench-${size}-${shards}`;
  try {
    await ensureTable(client, table);
    const catalog = new DynamoDbImageCatalog(doc, table, { timeShards: shards });
    const seedStart = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < size) await catalog.create(image(next++));
    }));
    console.log(`seeded ${size} images (${shards} time shard${shards === 1 ? '' : 's'}) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const results: Record<string, Figures> = {};
    for (const [mode, query] of Object.entries(MODES)) {
      for (let i = 0; i < 10; i += 1) await catalog.list({ ...query, limit: PAGE });
      const times: number[] = [];
      scanned = 0;
      let returned = 0;
      for (let i = 0; i < RUNS; i += 1) {
        const start = performance.now();
        const page = await catalog.list({ ...query, limit: PAGE });
        times.push(performance.now() - start);
        if (page.items.length !== PAGE) throw new Error(`${mode}: expected a full page, got ${page.items.length}`);
        returned += page.items.length;
      }
      times.sort((a, b) => a - b);
      results[mode] = { median: percentile(times, 50), p95: percentile(times, 95), readPerReturned: scanned / returned };
    }
    return results;
  } finally {
    client.destroy();
  }
}

const dynamo = await startDynamoDbLocal();
if ('skipReason' in dynamo) {
  console.log(`\nList latency: skipped (${dynamo.skipReason})`);
} else {
  try {
    for (const shards of SHARDS) {
      const bySize = new Map<number, Record<string, Figures>>();
      for (const size of SIZES) bySize.set(size, await measure(dynamo.server, size, shards));
      const [small, large] = SIZES.map((size) => bySize.get(size)!);
      console.log(`\nList, page of ${PAGE}, ${RUNS} runs each, DynamoDB Local, ${shards} time shard${shards === 1 ? '' : 's'}, node ${process.version}`);
      console.log(`${'mode'.padEnd(16)} | ${SIZES.map((s) => `${s} images: median / p95`.padEnd(30)).join(' | ')} | ratio ${SIZES[1]}/${SIZES[0]} | items read per item returned`);
      for (const mode of Object.keys(MODES)) {
        const cells = SIZES.map((size) => {
          const { median, p95 } = bySize.get(size)![mode]!;
          return `${median.toFixed(2)} ms / ${p95.toFixed(2)} ms`.padEnd(30);
        });
        console.log(`${mode.padEnd(16)} | ${cells.join(' | ')} | ${(large![mode]!.median / small![mode]!.median).toFixed(2).padStart(12)} | ${large![mode]!.readPerReturned.toFixed(2)}`);
      }
    }
  } finally {
    await dynamo.server.close();
  }
}
