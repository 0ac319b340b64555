// Memory across repeated hostile uploads: the Express app in this process (in-memory storage, as
// the hostile suite runs it) gets every case of the hostile corpus that must store nothing, round
// after round, with a full GC after each round. A refused request should leave nothing behind, so
// after the warm-up round the heap should stop moving; it cannot be exactly flat (JIT code, inline
// caches, lazily loaded modules), so what matters is whether it keeps rising with each round. Client
// and server share the process, so the figures include supertest's side of every request. Run with
// `node --expose-gc --import tsx bench/hostile-memory.ts` (`npm run bench`); it asserts nothing.
// Compiled code is the usual cause of a rise that later levels off, so it has its own column; adding
// --no-opt --no-sparkplug to that command takes the JIT out altogether, to tell it from a leak.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { CORPUS } from '../test/hostile/corpus.ts';
import type { Rejection } from '../test/hostile/corpus.ts';
import { expressEntry, startApp } from '../test/support/app.ts';

const WARMUP_ROUNDS = 1;
const ROUNDS = 10;
// Each round sends the corpus this many times, so a leak of a few hundred bytes a request rises
// above the noise of a single GC.
const PASSES_PER_ROUND = 5;
const MB = 1024 * 1024;

/** From --expose-gc when given; else the flag set now reaches only contexts created after it, hence a new one. */
function gcFunction(): () => void {
  if (globalThis.gc !== undefined) return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const collect = gcFunction();

/** Full GCs with turns of the event loop between, so closed sockets and finalizers settle first. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    await nextTurn();
    collect();
  }
}

interface Sample {
  round: number;
  heapUsed: number;
  codeSpace: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  ms: number;
  logLines: number;
}

const cases: Rejection[] = Object.values(CORPUS.rejections).flat();
// Like the hostile suite, but with the write rate limiters switched on at a ceiling no round
// reaches, so their per-key stores are part of what is measured.
const app = await startApp(expressEntry, { env: { RATE_LIMIT_WRITES_PER_IP: '999999', RATE_LIMIT_WRITES_PER_CALLER: '999999' } });
const unexpected = new Map<string, string>();
const samples: Sample[] = [];
try {
  await settle();
  const base = process.memoryUsage();
  console.log(`Memory across the hostile corpus: ${cases.length} rejection cases x ${PASSES_PER_ROUND} passes a round, ${WARMUP_ROUNDS} warm-up + ${ROUNDS} rounds, Express in process, node ${process.version}`);
  console.log(`before any request: heapUsed ${(base.heapUsed / MB).toFixed(2)} MB, external ${(base.external / MB).toFixed(2)} MB, arrayBuffers ${(base.arrayBuffers / MB).toFixed(2)} MB, rss ${(base.rss / MB).toFixed(2)} MB\n`);
  for (let round = 1 - WARMUP_ROUNDS; round <= ROUNDS; round += 1) {
    const start = performance.now();
    for (let pass = 0; pass < PASSES_PER_ROUND; pass += 1) {
      for (const hostile of cases) {
        const response = await hostile.send(app.url);
        if (response.status !== hostile.status || response.body?.error !== hostile.code) {
          unexpected.set(hostile.name, `${response.status} ${String(response.body?.error)}`);
        }
      }
    }
    const ms = performance.now() - start;
    // The harness keeps every log line for tests to inspect; the service itself keeps none.
    const logLines = app.logs.length;
    app.logs.length = 0;
    await settle();
    const usage = process.memoryUsage();
    const codeSpace = getHeapSpaceStatistics().filter((space) => space.space_name.startsWith('code')).reduce((sum, space) => sum + space.space_used_size, 0);
    samples.push({ round, heapUsed: usage.heapUsed, codeSpace, external: usage.external, arrayBuffers: usage.arrayBuffers, rss: usage.rss, ms, logLines });
  }

  const stored = await app.objectCount();
  const listed = (await request(app.url).get('/images')).body.images?.length;

  const mb = (bytes: number): string => (bytes / MB).toFixed(2).padStart(9);
  console.log(`${'round'.padEnd(8)} | ${'heapUsed MB'.padStart(11)} | ${'of it code MB'.padStart(13)} | ${'external MB'.padStart(11)} | ${'arrayBuf MB'.padStart(11)} | ${'rss MB'.padStart(9)} | ${'time s'.padStart(7)} | log lines`);
  for (const s of samples) {
    const label = s.round < 1 ? 'warm-up' : String(s.round);
    console.log(`${label.padEnd(8)} | ${mb(s.heapUsed).padStart(11)} | ${mb(s.codeSpace).padStart(13)} | ${mb(s.external).padStart(11)} | ${mb(s.arrayBuffers).padStart(11)} | ${mb(s.rss)} | ${(s.ms / 1000).toFixed(2).padStart(7)} | ${s.logLines}`);
  }

  const measured = samples.filter((s) => s.round >= 1);
  const first = measured[0]!;
  const last = measured[measured.length - 1]!;
  const requests = cases.length * PASSES_PER_ROUND * (measured.length - 1);
  console.log(`\ngrowth from round ${first.round} to round ${last.round} (${requests} requests; external includes arrayBuffers):`);
  for (const key of ['heapUsed', 'codeSpace', 'external', 'arrayBuffers', 'rss'] as const) {
    const delta = last[key] - first[key];
    console.log(`  ${key.padEnd(12)} ${(delta >= 0 ? '+' : '') + (delta / MB).toFixed(3)} MB, ${(delta / requests).toFixed(1)} bytes per request`);
  }
  // A steady leak shows as a slope across every round, not only as a first-to-last difference.
  const slope = (value: (s: Sample) => number): number => {
    const xs = measured.map((s) => s.round);
    const ys = measured.map(value);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const num = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0);
    return num / xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  };
  const perRound = cases.length * PASSES_PER_ROUND;
  const slopes = { heapUsed: slope((s) => s.heapUsed), 'heapUsed without code space': slope((s) => s.heapUsed - s.codeSpace), rss: slope((s) => s.rss) };
  console.log(`  least-squares slope over rounds ${first.round}..${last.round}:`);
  for (const [name, value] of Object.entries(slopes)) {
    console.log(`    ${name.padEnd(28)} ${(value / 1024).toFixed(1).padStart(7)} KiB a round, ${(value / perRound).toFixed(1).padStart(7)} bytes per request`);
  }
  console.log(`\nafter all rounds: ${stored} objects in the blob store, ${String(listed)} images listed`);
  console.log(unexpected.size === 0
    ? `every case answered its expected status and code`
    : `answered otherwise than the corpus expects: ${[...unexpected].map(([name, got]) => `${name} -> ${got}`).join('; ')}`);
} finally {
  await app.close();
}
