import { expect } from 'chai';
import { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import { MemoryPendingUploads } from '../../adapters/memory/memory-pending-uploads.ts';
import { StructureProbe } from '../../adapters/probe/structure-probe.ts';
import { CompleteDirectUpload, StartDirectUpload } from '../../core/use-cases/direct-upload.ts';
import { ManualClock, SequentialIds } from '../support/fakes.ts';
import { makeImage } from '../support/images.ts';

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
    const done = await new CompleteDirectUpload(blobs, new MemoryImageCatalog(), pending, new StructureProbe(), clock).execute(upload.id, 'alice');
    expect(done.image.fileSize).to.equal(file.length);
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
    const complete = new CompleteDirectUpload(blobs, catalog, pending, new StructureProbe(), clock);
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
    const copy = blobs.copy.bind(blobs);
    let copies = 0;
    blobs.copy = async (from, to, blob) => {
      copies += 1;
      if (copies === 1) await gate;
      return copy(from, to, blob);
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
