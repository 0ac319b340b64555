import { expect } from 'chai';
import { MemoryBlobStore } from '../../adapters/memory/memory-blob-store.ts';
import { MemoryImageCatalog } from '../../adapters/memory/memory-image-catalog.ts';
import { MemoryPendingUploads } from '../../adapters/memory/memory-pending-uploads.ts';
import { HeaderImageProbe } from '../../adapters/probe/header-image-probe.ts';
import { CompleteDirectUpload, HEADER_BYTES, StartDirectUpload } from '../../core/use-cases/direct-upload.ts';
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
    const done = await new CompleteDirectUpload(blobs, new MemoryImageCatalog(), pending, new HeaderImageProbe(), clock).execute(upload.id, 'alice');
    expect(done.image.fileSize).to.equal(file.length);
    return reads;
  }

  it('reads only the first bytes of the object, not all of it', async () => {
    const file = makeImage({ width: 2000, height: 1500, format: 'png', size: 8 * 1024 * 1024 });
    expect(await completeWith(file)).to.deep.equal([HEADER_BYTES]);
  });

  it('reads further only when metadata pushes the header past the first MiB', async () => {
    // The generator pads JPEGs with comment segments before the frame header.
    const file = makeImage({ width: 2000, height: 1500, format: 'jpeg', size: 3 * 1024 * 1024 });
    expect(await completeWith(file)).to.deep.equal([HEADER_BYTES, file.length]);
  });
});
