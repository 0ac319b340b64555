import { randomBytes } from 'node:crypto';

export type StorageMode = 'memory';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the service reads from its environment, validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** Base of URLs the service hands out for its own routes (in-memory download URLs). */
  publicUrl: string;
  storage: StorageMode;
  aws: { region: string; endpointUrl: string | undefined; bucket: string; table: string };
  pageTokenSecret: Buffer;
  logLevel: LogLevel;
  /** Origins browsers may call from; `*` allows any (no credentials are ever allowed). */
  corsOrigins: '*' | string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and checks every setting, reporting all bad values at once rather than the first. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  // An empty variable is treated as unset, the way shells and .env files usually mean it.
  const read = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const check = <T>(name: string, fallback: T, parse: (raw: string) => T | undefined, expected: string): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = parse(raw);
    if (value === undefined) problems.push(`${name}=${JSON.stringify(raw)} is not valid: expected ${expected}.`);
    return value ?? fallback;
  };

  const port = check('PORT', 8000, (raw) => (/^\d{1,5}$/.test(raw) && Number(raw) <= 65_535 ? Number(raw) : undefined), 'a port number from 0 to 65535');
  const host = check('HOST', '127.0.0.1', (raw) => (/^[A-Za-z0-9.:[\]-]+$/.test(raw) ? raw : undefined), 'a host name or IP address');
  const publicUrl = check('PUBLIC_URL', `http://localhost:${port}`, parseHttpUrl, 'an http(s) URL such as http://localhost:8000');
  const storage = check('STORAGE', 'memory' as StorageMode, (raw) => (raw === 'memory' ? raw : undefined), 'memory');
  const region = check('AWS_DEFAULT_REGION', 'us-east-1', (raw) => (/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(raw) ? raw : undefined), 'an AWS region such as us-east-1');
  const endpointUrl = check('AWS_ENDPOINT_URL', undefined, parseHttpUrl, 'an http(s) URL such as http://localhost:4566');
  const bucket = check('S3_BUCKET_NAME', 'instagram-images-dev', (raw) => (/^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(raw) && !raw.includes('..') ? raw : undefined), 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)');
  const table = check('DYNAMODB_TABLE_NAME', 'ImageMetadata-dev', (raw) => (/^[A-Za-z0-9_.-]{3,255}$/.test(raw) ? raw : undefined), 'a DynamoDB table name (3-255 letters, digits, _ . -)');
  const secret = check('PAGE_TOKEN_SECRET', undefined, (raw) => (raw.length >= 32 ? Buffer.from(raw) : undefined), 'at least 32 characters');
  const corsOrigins = check('CORS_ORIGINS', '*' as Config['corsOrigins'], parseOrigins, "'*' or comma-separated origins such as https://app.example.com");
  const logLevel = check('LOG_LEVEL', 'info' as LogLevel, (raw) => LOG_LEVELS.find((level) => level === raw), LOG_LEVELS.join(', '));

  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return {
    port,
    host,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    storage,
    aws: { region, endpointUrl, bucket, table },
    // Without a configured secret, tokens only need to outlive this process, as in-memory data does.
    pageTokenSecret: secret ?? randomBytes(32),
    logLevel,
    corsOrigins,
  };
}

function parseOrigins(raw: string): Config['corsOrigins'] | undefined {
  if (raw.trim() === '*') return '*';
  const origins = raw.split(',').map((origin) => origin.trim());
  return origins.every((origin) => parseHttpUrl(origin) !== undefined && new URL(origin).origin === origin) ? origins : undefined;
}

function parseHttpUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? raw : undefined;
  } catch {
    return undefined;
  }
}
