import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/support/server-process.ts';

export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  /** Resident memory now, and the most it has held (kernel's VmRSS and VmHWM), in MiB. */
  memory(): Promise<{ rssMiB: number; peakMiB: number }>;
  stop(): Promise<void>;
}

/** The service as `npm start` runs it (node with tsx, from `cwd`), on a free port, ready once /health answers. */
export async function startBenchServer(name: string, cwd: string, env: Record<string, string>): Promise<BenchServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'apps/server.ts'], {
    cwd,
    env: { ...process.env, PORT: String(port), RATE_LIMIT_WRITES_PER_IP: '0', RATE_LIMIT_WRITES_PER_CALLER: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${errors}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const status = async (field: string): Promise<number> => {
    const text = await readFile(`/proc/${child.pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? Number.NaN) / 1024;
  };
  return {
    name,
    url,
    pid: child.pid!,
    memory: async () => ({ rssMiB: await status('VmRSS'), peakMiB: await status('VmHWM') }),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    },
  };
}

/**
 * A checkout of an earlier commit with its own dependencies, kept under `.bench/` between runs,
 * so today's service can be measured against what it replaced in the same run.
 */
export function checkoutOf(root: string, commit: string, folder: string): string {
  const path = join(root, '.bench', folder);
  if (!existsSync(join(path, 'node_modules'))) {
    if (!existsSync(path)) execFileSync('git', ['worktree', 'add', '--detach', path, commit], { cwd: root, stdio: 'ignore' });
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: path, stdio: 'ignore' });
  }
  return path;
}
