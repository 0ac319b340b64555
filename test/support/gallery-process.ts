import { buildWeb } from '../../scripts/build-web.ts';
import { startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

// The gallery is built from the sources once per test run (into dist/web, where the service reads
// it), so a suite run on its own never tests a stale bundle.
let built: Promise<unknown> | undefined;

export type GalleryProcess = Pick<ServerProcess, 'url' | 'output' | 'stop'>;

/**
 * The service as `npm start` runs it (its own process, a fresh data folder, writes unlimited),
 * gallery included; the page, the API and the image bytes share its one origin. `env` adds to the
 * service's environment.
 */
export async function startGallery(env: Record<string, string> = {}): Promise<GalleryProcess> {
  await (built ??= buildWeb(undefined, { quiet: true }));
  return startServerProcess({ LOG_LEVEL: 'warn', ...env });
}
