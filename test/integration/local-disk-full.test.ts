import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { densePng } from '../support/images.ts';
import { download, expectNothingHalfStored, listAll } from '../support/listing-checks.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

/** A small tmpfs to fill, or why there cannot be one here (mounting needs root). */
function mountSmallDisk(path: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', path], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a small tmpfs to fill (${((error as { stderr?: Buffer }).stderr?.toString() ?? String(error)).trim().split('\n')[0]})`;
  }
}

async function upload(url: string, file: Buffer, name: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([file]), name);
  form.append('user_id', 'ana');
  form.append('tags', 'sea,sun');
  return fetch(`${url}/images`, { method: 'POST', body: form });
}

async function untilNothingProcessing(url: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; ; ) {
    const images = (await listAll(url, '/images')) as unknown as { status: string }[];
    if (!images.some((image) => image.status === 'processing')) return;
    expect(Date.now(), 'images still processing after a minute').to.be.below(deadline);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('local store: a full disk', function () {
  this.timeout(120_000);
  let dataDir: string;
  let mounted = false;
  let server: ServerProcess | undefined;

  before(async function () {
    dataDir = await mkdtemp(join(tmpdir(), 'image-service-full-'));
    const reason = mountSmallDisk(dataDir);
    if (reason !== undefined) {
      this.test!.parent!.title += ` (pending: ${reason})`;
      this.skip();
    }
    mounted = true;
  });
  after(async () => {
    await server?.stop();
    if (mounted) execFileSync('umount', [dataDir]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers writes with 503, keeps reading and serving, stores nothing by halves, and recovers when space returns', async () => {
    server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const first = densePng(60_000);
    const stored = await upload(server.url, first, 'first.png');
    expect(stored.status).to.equal(201);
    const firstId = ((await stored.json()) as { image_id: string }).image_id;

    // Leave about 250 KB free, then upload 120 KB files until the disk says no.
    const { bavail, bsize } = await statfs(dataDir);
    const filler = join(dataDir, 'filler');
    await writeFile(filler, Buffer.alloc(Math.max(bavail * bsize - 250_000, 0)));
    const statuses: number[] = [];
    let refusal: { error: string; message: string } | undefined;
    for (let i = 0; i < 12 && refusal === undefined; i += 1) {
      const response = await upload(server.url, densePng(120_000 + i * 16, i + 2), `fill-${i}.png`);
      statuses.push(response.status);
      if (response.status !== 201) refusal = (await response.json()) as { error: string; message: string };
    }
    expect(statuses.at(-1), `statuses: ${statuses.join(', ')}`).to.equal(503);
    expect(refusal).to.deep.include({ error: 'service_unavailable' });
    expect(refusal!.message).to.match(/disk space|unavailable/);

    // Reads go on, the process is alive, and what is listed is whole.
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
    expect((await download(server.url, firstId)).equals(first)).to.equal(true);
    await expectNothingHalfStored(server.url);

    await rm(filler);
    const again = await upload(server.url, densePng(120_000, 99), 'after.png');
    expect(again.status, 'uploads work again once there is space').to.equal(201);
    await expectNothingHalfStored(server.url);
    // Variants refused for want of space are made now; once nothing is being written, no
    // temporary file is left behind by any refused write (checked earlier, one being written
    // by the worker at that moment would be counted).
    await untilNothingProcessing(server.url);
    expect(await readdir(join(dataDir, 'tmp')), 'temporary files left by refused writes').to.deep.equal([]);
  });
});
