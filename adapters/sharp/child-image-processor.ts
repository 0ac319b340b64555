import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../../core/errors.ts';
import type { ErrorDetails, ErrorKind } from '../../core/errors.ts';
import type { ImageFormat } from '../../core/image.ts';
import type { ImageProcessor, RenderedImage } from '../../core/ports/image-processor.port.ts';

export interface RenderRequest {
  id: number;
  original: Uint8Array;
  format: ImageFormat;
}

export type RenderReply =
  | { id: number; result: RenderedImage }
  | { id: number; error: { kind?: ErrorKind; code?: string; message: string; details?: ErrorDetails } };

export interface ChildProcessorOptions {
  /** The render process's nice value: 19, the lowest priority, lets the API always go first. */
  niceness: number;
  /** libvips threads per image in the render process. */
  threads: number;
}

const SCRIPT = fileURLToPath(new URL('./render-process.ts', import.meta.url));

/**
 * Renders in a child process at low CPU priority (render-process.ts), so that on one machine
 * the worker takes only what the API leaves: measured with bench/pipeline.ts, uploads while the
 * worker was busy took 1.37x as long as with no worker when sharp ran in the API's process. The
 * child also keeps libvips' memory, and any crash of it, out of the API. It is started on first
 * use and again after it dies; a render in flight when it dies fails, and the worker retries.
 */
export class ChildImageProcessor implements ImageProcessor {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, { resolve(result: RenderedImage): void; reject(error: Error): void }>();
  private next = 0;

  constructor(private readonly options: ChildProcessorOptions) {}

  render(original: Uint8Array, format: ImageFormat): Promise<RenderedImage> {
    const child = this.child ?? this.start();
    const id = ++this.next;
    return new Promise<RenderedImage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Only while something is rendering does the child keep this process alive.
      child.channel?.ref();
      child.send({ id, original, format } satisfies RenderRequest, (error) => {
        if (error !== null) this.settle(id, () => reject(error));
      });
    });
  }

  /** The render process's id while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the render process; renders in flight fail. */
  async close(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
  }

  private start(): ChildProcess {
    // The parent's execArgv (tsx's loader, under `npm start` and the tests) comes along.
    const child = fork(SCRIPT, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, RENDER_NICENESS: String(this.options.niceness), RENDER_THREADS: String(this.options.threads) },
    });
    child.unref();
    child.channel?.unref();
    child.on('message', (reply: RenderReply) => {
      this.settle(reply.id, (handlers) => {
        if ('result' in reply) handlers.resolve(reply.result);
        else handlers.reject(reply.error.kind !== undefined ? new DomainError(reply.error.kind, reply.error.code ?? reply.error.kind, reply.error.message, { details: reply.error.details }) : new Error(reply.error.message));
      });
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, (handlers) => handlers.reject(new Error(`the render process ended (${signal ?? `exit code ${code}`})`)));
    });
    child.on('error', () => {
      // Reported through 'exit' (or a failed send) to the renders it concerns.
    });
    this.child = child;
    return child;
  }

  private settle(id: number, deliver: (handlers: { resolve(result: RenderedImage): void; reject(error: Error): void }) => void): void {
    const handlers = this.pending.get(id);
    if (handlers === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.child?.channel?.unref();
    deliver(handlers);
  }
}
