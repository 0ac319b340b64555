import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WRITES_UNLIMITED } from './app.ts';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServerProcess {
  url: string;
  port: number;
  output: () => string;
  stop(): Promise<void>;
  /** `kill -9` of the whole process group, at once, as a crash or an OOM killer would. */
  crash(): Promise<void>;
  /**
   * SIGTERM to npm alone, as `kill <pid of npm start>` sends it: whether every process it started
   * has exited within 10 s (the group is killed afterwards either way).
   */
  terminateNpm(): Promise<boolean>;
}

/**
 * Runs `npm start` as a user would, on a free port, and waits until /health answers. Unless
 * the caller names one, the data folder is a fresh temporary one, removed on stop.
 */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT);
  const ownDataDir = env.DATA_DIR === undefined ? await mkdtemp(join(tmpdir(), 'image-service-')) : undefined;
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, PORT: String(port), ...WRITES_UNLIMITED, ...(ownDataDir === undefined ? {} : { DATA_DIR: ownDataDir }), ...env },
    // Its own process group, so stopping it also stops the node process npm started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://localhost:${port}`;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  const groupAlive = (): boolean => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  /** Waits up to 10 s for every process of the group to exit; whether they all did. */
  const groupGone = async (stepMs: number): Promise<boolean> => {
    for (let waited = 0; groupAlive() && waited < 10_000; waited += stepMs) await new Promise((resolve) => setTimeout(resolve, stepMs));
    return !groupAlive();
  };
  const stop = async (): Promise<void> => {
    // npm may exit before the server it started has closed its data folder: wait for the whole group.
    signalGroup('SIGTERM');
    await groupGone(50);
    signalGroup('SIGKILL');
    if (ownDataDir !== undefined) await rm(ownDataDir, { recursive: true, force: true });
  };

  const crash = async (): Promise<void> => {
    signalGroup('SIGKILL');
    await groupGone(20);
  };

  const terminateNpm = async (): Promise<boolean> => {
    child.kill('SIGTERM');
    const allGone = await groupGone(50);
    await stop();
    return allGone;
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy) return { url, port, output: () => output, stop, crash, terminateNpm };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`npm start did not answer /health within 30 s:\n${output}`);
}

/** Runs the server until it exits by itself (a refusal to start), with what it printed. */
export async function runServerToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server.ts'], {
    env: { ...process.env, PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}
