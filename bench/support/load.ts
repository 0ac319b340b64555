import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  /** Answers other than the expected status, and connection failures. */
  failures: number;
}

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  body?: Buffer;
  headers?: Record<string, string>;
  expect: number;
  clients: number;
  seconds: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

/**
 * `clients` keep-alive connections, each sending its next request as soon as the last is
 * answered, for `seconds`: requests per second and latency percentiles. Plain node:http, so the
 * client costs as little CPU as possible on a machine it shares with the server.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.path, options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(options.body.length) }) };
  const latencies: number[] = [];
  let failures = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request(target, { method: options.method, agent, headers }, (res) => {
        res.resume();
        res.once('end', () => {
          if (res.statusCode === options.expect) latencies.push(performance.now() - started);
          else failures += 1;
          resolve();
        });
      });
      req.once('error', () => {
        failures += 1;
        resolve();
      });
      req.end(options.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (performance.now() < deadline) await once();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, perSecond: latencies.length / elapsed, p50Ms: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95), failures };
}

/** `count` requests sent at once, one per connection: how many got the expected status. */
export async function burst(options: Omit<LoadOptions, 'clients' | 'seconds'> & { count: number }): Promise<{ ok: number; failed: number }> {
  const target = new URL(options.path, options.url);
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(options.body.length) }) };
  const outcomes = await Promise.all(
    Array.from(
      { length: options.count },
      () =>
        new Promise<boolean>((resolve) => {
          const req = request(target, { method: options.method, headers, agent: false }, (res) => {
            res.resume();
            res.once('end', () => resolve(res.statusCode === options.expect));
          });
          req.once('error', () => resolve(false));
          req.end(options.body);
        }),
    ),
  );
  return { ok: outcomes.filter(Boolean).length, failed: outcomes.filter((ok) => !ok).length };
}

/** A multipart/form-data upload body, built once and sent as is by every request. */
export function uploadForm(file: Buffer, fields: Record<string, string>): { body: Buffer; headers: Record<string, string> } {
  const boundary = `bench${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
