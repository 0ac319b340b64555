// Deployment package sizes: the processor function's zip (its bundle and sharp with libvips for
// linux-arm64) and the API function's bundle and zip, which must carry no part of the pipeline.
// Goals: API bundle at most 1.5 MB; processor zip within Lambda's 50 MB for a direct upload and
// 250 MB unzipped. Run with `npm run bench` (needs the npm registry for sharp's arm64 packages);
// it asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLambda, bytesByPackage, pipelineInputs, size } from '../scripts/build-lambda.ts';
import { buildProcessor } from '../scripts/build-processor.ts';

const GOAL_API_BUNDLE_BYTES = 800_000;
const LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024;
const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

/** A file's package (node_modules/a, node_modules/@s/b) or top-level folder. */
function ownerOf(name: string): string {
  const parts = name.split('/');
  if (parts[0] !== 'node_modules') return parts.length > 1 ? `${parts[0]}/` : name;
  return parts.slice(0, parts[1]!.startsWith('@') ? 3 : 2).join('/');
}

/** Uncompressed bytes of every file in a zip, by package or top-level folder. */
function unzipped(zipPath: string): Map<string, number> {
  const totals = new Map<string, number>();
  const listing = execFileSync('unzip', ['-Z', '-l', zipPath], { encoding: 'utf8' }).split('\n');
  for (const line of listing) {
    // zipinfo -l: permissions, version, os, size, type, compressed size, method, date, time, name
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || !/^\d+$/.test(fields[3]!)) continue;
    const owner = ownerOf(fields.slice(9).join(' '));
    totals.set(owner, (totals.get(owner) ?? 0) + Number(fields[3]));
  }
  return totals;
}

const work = await mkdtemp(join(tmpdir(), 'bench-packages-'));
try {
  const processor = await buildProcessor(join(work, 'processor'));
  const api = await buildLambda(join(work, 'api'));

  const processorFiles = unzipped(processor.zipPath);
  const processorUnzipped = [...processorFiles.values()].reduce((a, b) => a + b, 0);
  console.log('Deployment packages (sizes in decimal units)');
  console.log(`\nprocessor zip   ${size(processor.zipBytes).padStart(9)} (${processor.zipBytes} bytes; Lambda takes 50 MiB as a direct upload: ${processor.zipBytes <= LAMBDA_ZIP_LIMIT ? 'within' : 'over'})`);
  console.log(`  unzipped      ${size(processorUnzipped).padStart(9)} (limit 250 MiB: ${processorUnzipped <= LAMBDA_UNZIPPED_LIMIT ? 'within' : 'over'}), of which:`);
  for (const [owner, bytes] of [...processorFiles].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`    ${size(bytes).padStart(9)}  ${owner}`);
  console.log(`  bundle        ${size(processor.bundleBytes).padStart(9)} (sharp ${processor.sharpVersion} installed beside it, not bundled); largest in it: ${bytesByPackage(processor.metafile).slice(0, 4).map(([owner, bytes]) => `${owner} ${size(bytes)}`).join(', ')}`);

  const pipeline = pipelineInputs(api.metafile);
  console.log(`\nAPI bundle      ${size(api.bundleBytes).padStart(9)} (${api.bundleBytes} bytes, chunks included; goal at most ${size(GOAL_API_BUNDLE_BYTES)}: ${api.bundleBytes <= GOAL_API_BUNDLE_BYTES ? 'met' : 'missed'})`);
  console.log(`  cold-loaded   ${size(api.coldBytes).padStart(9)} (index.mjs and the chunks it imports: what a cold start loads)`);
  console.log(`API zip         ${size(api.zipBytes).padStart(9)} (bundle, documentation assets, the gallery's ${api.webFiles.length} files)`);
  console.log(`  pipeline code in the API bundle: ${pipeline.length === 0 ? 'none (no sharp, no thumbhash)' : pipeline.join(', ')}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
