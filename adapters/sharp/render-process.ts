// The child process that ChildImageProcessor renders in: sharp's work at the lowest CPU
// priority, so the API in the parent keeps the cores whenever it has something to do.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isDomainError } from '../../core/errors.ts';
import type { ImageFormat } from '../../core/image.ts';
import { SharpImageProcessor, configureSharp } from './sharp-image-processor.ts';
import type { RenderReply, RenderRequest } from './child-image-processor.ts';

/**
 * On Linux a nice value belongs to a thread, and a new thread takes its creator's: every thread
 * there is now (V8's, libuv's) is lowered, and libvips' threads, made later, inherit it.
 */
function lowerPriority(niceness: number): void {
  let threads: number[] = [0];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // Not Linux: the process's own priority is what there is.
  }
  for (const thread of threads) {
    try {
      setPriority(thread, niceness);
    } catch {
      // A thread that ended meanwhile, or a system that refuses: rendering works, only sooner.
    }
  }
}

lowerPriority(Number(process.env.RENDER_NICENESS ?? 19));
configureSharp({ threads: Number(process.env.RENDER_THREADS ?? 1) });
const processor = new SharpImageProcessor();

process.on('message', (request: RenderRequest) => {
  const reply = (message: RenderReply) => process.send?.(message);
  processor.render(request.original, request.format as ImageFormat).then(
    (result) => reply({ id: request.id, result }),
    (error: unknown) =>
      reply({
        id: request.id,
        error: isDomainError(error)
          ? { kind: error.kind, code: error.code, message: error.message, details: error.details }
          : { message: (error as Error)?.message ?? String(error) },
      }),
  );
});
// The parent is gone (stopped, or killed): nothing is left to render for.
process.on('disconnect', () => process.exit(0));
