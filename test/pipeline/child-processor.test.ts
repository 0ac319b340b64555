// The local worker renders in a child process at the lowest CPU priority: the same variants as
// sharp in-process, the same verdict on a file no decoder reads, and a crash of the child costs
// one attempt, not the worker.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { ChildImageProcessor } from '../../adapters/sharp/child-image-processor.ts';
import { SharpImageProcessor, configureSharp } from '../../adapters/sharp/sharp-image-processor.ts';
import { isDomainError } from '../../core/errors.ts';
import { plainPhoto, truncatedPhoto } from '../support/photos.ts';

/** The nice value of every thread of a process, from /proc (field 19 of each thread's stat). */
function nicenessOfThreads(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((thread) => {
    const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

const onLinux = process.platform === 'linux';

describe('pipeline: rendering in a child process at low priority', function () {
  this.timeout(60_000);
  let child: ChildImageProcessor;
  beforeEach(() => (child = new ChildImageProcessor({ niceness: 19, threads: 1 })));
  afterEach(() => child.close());

  it('renders exactly what sharp renders in this process', async () => {
    configureSharp({ threads: 1 });
    const photo = await plainPhoto(1600, 1200, 3);
    const [there, here] = [await child.render(photo, 'jpeg'), await new SharpImageProcessor().render(photo, 'jpeg')];
    expect(there.placeholder).to.equal(here.placeholder);
    for (const name of ['thumb', 'display'] as const) {
      const { bytes, ...shape } = there.variants[name];
      expect(shape).to.deep.equal((({ bytes: _, ...rest }) => rest)(here.variants[name]));
      expect(Buffer.from(bytes).equals(Buffer.from(here.variants[name].bytes)), `${name} bytes`).to.equal(true);
    }
  });

  it('refuses a file no decoder reads as the in-process renderer does: a validation error, with its reason', async () => {
    const broken = await truncatedPhoto();
    const there = await child.render(broken, 'jpeg').then(() => expect.fail('rendered'), (error: unknown) => error);
    const here = await new SharpImageProcessor().render(broken, 'jpeg').then(() => expect.fail('rendered'), (error: unknown) => error);
    expect(isDomainError(there, 'validation'), String(there)).to.equal(true);
    expect((there as Error).message).to.equal((here as Error).message);
  });

  (onLinux ? it : it.skip)('runs every thread of the render process at nice 19, libvips threads included', async () => {
    await child.render(await plainPhoto(800, 600), 'jpeg');
    const niceness = nicenessOfThreads(child.pid!);
    expect(niceness.length, 'threads').to.be.above(3);
    expect([...new Set(niceness)]).to.deep.equal([19]);
    expect(nicenessOfThreads(process.pid)).to.include(0);
  });

  it('fails the render in flight when the render process dies, and starts a new one for the next', async () => {
    const photo = await plainPhoto(2400, 1800, 5);
    await child.render(photo, 'jpeg');
    const first = child.pid!;
    const inFlight = child.render(photo, 'jpeg');
    process.kill(first, 'SIGKILL');
    const error = await inFlight.then(() => expect.fail('rendered'), (reason: unknown) => reason as Error);
    expect(isDomainError(error)).to.equal(false);
    expect(error.message).to.match(/render process ended \(SIGKILL\)/);
    const again = await child.render(photo, 'jpeg');
    expect(again.variants.thumb).to.include({ width: 400, height: 400 });
    expect(child.pid).to.not.equal(first);
  });
});
