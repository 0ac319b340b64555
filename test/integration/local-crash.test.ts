import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { densePng } from '../support/images.ts';
import { TAGS, USERS, download, expectNothingHalfStored } from '../support/listing-checks.ts';
import { runServerToExit, startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

describe('local store: kill -9 at any moment', function () {
  this.timeout(300_000);
  let dataDir: string;
  let server: ServerProcess | undefined;

  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'image-service-crash-'))));
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('comes back serving every acknowledged image byte for byte, with nothing half-stored', async () => {
    const acknowledged = new Map<string, Buffer>();
    let interrupted = 0;
    const ROUNDS = 6;
    for (let round = 0; round < ROUNDS; round += 1) {
      server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
      const { url } = server;
      // Sizes from 30 KB to 600 KB, so some writes are still in flight when the kill lands.
      let firstAcknowledged: () => void = () => {};
      const someAcknowledged = new Promise<void>((resolve) => (firstAcknowledged = resolve));
      const uploads = Array.from({ length: 20 }, (_, i) => {
        const file = densePng(30_000 + ((i * 7919 + round * 104_729) % 570_000), round * 100 + i + 1);
        const form = new FormData();
        form.append('file', new Blob([file]), `crash-${round}-${i}.img`);
        form.append('user_id', USERS[i % USERS.length]!);
        form.append('tags', [TAGS[i % 3], TAGS[(i + round) % 3]].join(','));
        return fetch(`${url}/images`, { method: 'POST', body: form }).then(
          async (response) => {
            if (response.status !== 201) return false;
            acknowledged.set(((await response.json()) as { image_id: string }).image_id, file);
            firstAcknowledged();
            return true;
          },
          () => false,
        );
      });
      // The kill lands at a different moment each round, measured from the first answer, so
      // however fast this machine is, some uploads are acknowledged and some are cut off.
      await Promise.race([someAcknowledged, sleep(10_000)]);
      await sleep(((round * 37) % 5) * 15);
      await server.crash();
      const outcomes = await Promise.all(uploads);
      interrupted += outcomes.filter((ok) => !ok).length;

      // Restarted without the worker, which would write variants (through temporary files)
      // while the checks run: what is in the temporary folder then is what start-up left.
      server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', PROCESSING: 'external' });
      for (const [id, bytes] of acknowledged) expect((await download(server.url, id)).equals(bytes), `bytes of ${id}`).to.equal(true);
      const listed = await expectNothingHalfStored(server.url);
      expect(listed, 'listed images include every acknowledged one').to.be.at.least(acknowledged.size);
      expect(await readdir(join(dataDir, 'tmp')), 'temporary files after the restart').to.deep.equal([]);
      await server.stop();
      server = undefined;
    }
    expect(interrupted, 'uploads cut off by a kill (else the test crashed nothing)').to.be.greaterThan(0);
    expect(acknowledged.size, 'uploads acknowledged before a kill').to.be.greaterThan(0);
  });
});

describe('local store: one data folder, one service', function () {
  this.timeout(120_000);
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'image-service-lock-'))));
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second service on the same DATA_DIR with a message naming the folder, and the first keeps serving', async () => {
    server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const second = await runServerToExit({ DATA_DIR: dataDir });
    expect(second.code).to.equal(1);
    expect(second.output).to.include(`Another image service is already using the data folder ${dataDir}`);
    expect(second.output).not.to.match(/\n\s+at .+:\d+:\d+/, 'no stack trace');
    expect((await fetch(`${server.url}/health/ready`)).status).to.equal(200);
  });

  it('recognises the data folder of the old embedded S3 and DynamoDB servers and says how to proceed', async () => {
    await mkdir(join(dataDir, 's3', 'instagram-images-dev'), { recursive: true });
    await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
    const started = await runServerToExit({ DATA_DIR: dataDir });
    expect(started.code).to.equal(1);
    expect(started.output).to.include(`The data folder ${dataDir} holds images from the embedded S3 and DynamoDB servers`);
    expect(started.output).to.include('npm run migrate:embedded');
    expect(started.output).not.to.match(/\n\s+at .+:\d+:\d+/, 'no stack trace');
    expect(await readdir(dataDir), 'nothing of the new layout was written into it').to.have.members(['s3', 'dynamodb']);
  });
});
