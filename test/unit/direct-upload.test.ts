import { expect } from 'chai';
import { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import { MemoryPendingUploads } from '../../adapters/memory/memory-pending-uploads.ts';
import { StructureProbe } from '../../adapters/probe/structure-probe.ts';
import { CompleteDirectUpload, StartDirectUpload } from '../../core/use-cases/direct-upload.ts';
import { ManualClock, RecordingQueue, SequentialIds } from '../support/fakes.ts';
import { Originals } from '../../core/use-cases/originals.ts';
import { StructureScrubber } from '../../adapters/probe/structure-scrubber.ts';
import { NodeContentHash } from '../../adapters/system/node-content-hash.ts';

import { makeImage } from '../support/images.ts';

const testOriginals = (): Originals => new Originals(new StructureScrubber(), new NodeContentHash(), false);

describe('completing a direct upload', () => {
  async function completeWith(file: Buffer): Promise<number[]> {
    const clock = new ManualClock();
    const blobs = new MemoryBlobStore(clock, 'http://localhost:8000');
    const pending = new MemoryPendingUploads();
    const reads: number[] = [];
    const readStart = blobs.readStart.bind(blobs);
    blobs.readStart = async (key, maxBytes) => (reads.push(maxBytes), readStart(key, maxBytes));
    const { upload } = await new StartDirectUpload(blobs, pending, clock, new SequentialIds()).execute({ userId: 'alice' });
    await blobs.put(upload.key, file, { contentType: 'image/jpeg', fileName: 'x' });
    const done = await new CompleteDirectUpload(blobs, new MemoryImageCatalog(), pending, new StructureProbe(), testOriginals(), new RecordingQueue(), clock).execute(upload.id, 'alice');
    // The padding is a comment, which the privacy scrub removes.
    expect(done.image.fileSize).to.be.within(1, file.length - 1);
    return reads;
  }

  it('reads the whole object once: a second frame header can hide anywhere in it', async () => {
    for (const format of ['png', 'jpeg'] as const) {
      const file = makeImage({ width: 2000, height: 1500, format, size: 3 * 1024 * 1024 });
      expect(await completeWith(file), format).to.deep.equal([file.length]);
    }
  });
});

describe('completing one direct upload from racing requests', () => {
  async function setup() {
    const clock = new ManualClock();
    const blobs = new MemoryBlobStore(clock, 'http://localhost:8000');
    const pending = new MemoryPendingUploads();
    const catalog = new MemoryImageCatalog();
    const { upload } = await new StartDirectUpload(blobs, pending, clock, new SequentialIds()).execute({ userId: 'alice' });
    await blobs.put(upload.key, makeImage({ width: 300, height: 200, format: 'png', size: 5000 }), { contentType: 'image/png', fileName: 'x' });
    const complete = new CompleteDirectUpload(blobs, catalog, pending, new StructureProbe(), testOriginals(), new RecordingQueue(), clock);
    return { blobs, pending, complete, id: upload.id };
  }

  it('answers with the image when the winner has moved the file but not yet removed the upload record', async () => {
    const { pending, complete, id } = await setup();
    // The winner is between its two removals: the object is gone, the record is still there.
    pending.delete = async () => {};
    const first = await complete.execute(id, 'alice');
    const second = await complete.execute(id, 'alice');
    expect([first.created, second.created]).to.deep.equal([true, false]);
    expect(second.image).to.deep.equal(first.image);
  });

  it('answers with the image when the winner moves the file away between this one\'s reading and copying it', async () => {
    const { blobs, complete, id } = await setup();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The file is padded with a comment, so the scrubbed original is written rather than copied.
    const put = blobs.put.bind(blobs);
    let writes = 0;
    blobs.put = async (key, bytes, blob) => {
      writes += 1;
      if (writes === 1) await gate;
      return put(key, bytes, blob);
    };
    const loser = complete.execute(id, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const winner = await complete.execute(id, 'alice');
    release();
    const late = await loser;
    expect([winner.created, late.created]).to.deep.equal([true, false]);
    expect(late.image.id).to.equal(winner.image.id);
  });
});
