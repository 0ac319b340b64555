import { resolve } from 'node:path';

/**
 * `local`: one machine, the catalog in SQLite and the bytes in files under DATA_DIR (default).
 * `aws`: S3 and DynamoDB on AWS, or any AWS-compatible endpoint such as LocalStack.
 * `memory`: nothing persists; for tests and quick tries.
 */
export type StorageMode = 'local' | 'aws' | 'memory';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface AwsConfig {
  region: string;
  /** Unset means AWS itself. */
  s3Endpoint: string | undefined;
  dynamodbEndpoint: string | undefined;
  /** Unset means the SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  bucket: string;
  table: string;
  /** Partitions of the by-time index; listing all images reads one stream per shard. */
  timeShards: number;
}

/**
 * `header`: the caller names itself (X-User-Id, user_id), as the service this one replaces.
 * `jwt`: the caller is the `sub` of a verified `Authorization: Bearer` token.
 */
export type IdentityConfig =
  | { mode: 'header' }
  | { mode: 'jwt'; issuer: string; audience: string[]; secret: Uint8Array; jwksUrl?: undefined }
  | { mode: 'jwt'; issuer: string; audience: string[]; jwksUrl: string; secret?: undefined };

/** Everything the service reads from its environment, validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** Base of the URLs the service hands out for its own routes: downloads and upload forms of the local store. */
  publicUrl: string;
  /** Whether PUBLIC_URL was set, rather than taken to be localhost. */
  publicUrlSet: boolean;
  storage: StorageMode;
  /** Absolute path of the local store's data folder. */
  dataDir: string;
  aws: AwsConfig;
  /** Unset: the local store keeps one in its data folder; other modes make one per process. */
  pageTokenSecret: Buffer | undefined;
  logLevel: LogLevel;
  /** Origins browsers may call from; `*` allows any (no credentials are ever allowed). */
  corsOrigins: '*' | string[];
  identity: IdentityConfig;
  /** Writes (uploads, deletes) allowed per minute per client IP and per caller; 0 turns a limit off. */
  rateLimit: { writesPerMinutePerIp: number; writesPerMinutePerCaller: number };
  /** Upload bytes all requests together may hold in memory at once; past it, new uploads get 503. */
  uploadBudgetBytes: number;
  /** A request body that sends nothing for this long is cut off with 408. */
  bodyIdleTimeoutMs: number;
  /** Store originals exactly as uploaded (metadata and all); then only their owner is given them. */
  keepOriginalMetadata: boolean;
  /**
   * `local`: `npm start` makes the variants itself, in a bounded worker. `external`: another
   * process does (the processor function on AWS, fed by the bucket's events).
   */
  processing: { mode: 'local' | 'external'; concurrency: number };
  /** Days a deleted image stays in its owner's trash before it is erased. */
  trashDays: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const STORAGE_MODES: readonly StorageMode[] = ['local', 'aws', 'memory'];
const MiB = 1024 * 1024;

/** Reads and checks every setting, reporting all bad values at once rather than the first. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
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
  const port = (name: string, fallback: number) =>
    check(name, fallback, (raw) => (/^\d{1,5}$/.test(raw) && Number(raw) <= 65_535 ? Number(raw) : undefined), 'a port number from 0 to 65535');
  const url = (name: string) => check<string | undefined>(name, undefined, parseHttpUrl, 'an http(s) URL such as http://localhost:4566');

  const httpPort = port('PORT', 8000);
  const host = check('HOST', '127.0.0.1', (raw) => (/^[A-Za-z0-9.:[\]-]+$/.test(raw) ? raw : undefined), 'a host name or IP address');
  const publicUrl = check('PUBLIC_URL', `http://localhost:${httpPort}`, parseHttpUrl, 'an http(s) URL such as http://localhost:8000');
  const endpoint = url('AWS_ENDPOINT_URL');
  if (read('STORAGE') === 'embedded') {
    problems.push('STORAGE=embedded is gone: the default, STORAGE=local, keeps images in SQLite and files under DATA_DIR (see `npm run migrate:embedded` for data from the embedded servers).');
  }
  // Pointing the service at an endpoint (LocalStack) means using it, unless told otherwise.
  const storage = check('STORAGE', endpoint === undefined ? 'local' : 'aws', (raw) => STORAGE_MODES.find((m) => m === raw) ?? (raw === 'embedded' ? 'local' : undefined), STORAGE_MODES.join(', '));
  const s3Endpoint = url('AWS_ENDPOINT_URL_S3') ?? endpoint;
  const dynamodbEndpoint = url('AWS_ENDPOINT_URL_DYNAMODB') ?? endpoint;
  const accessKeyId = read('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read('AWS_SECRET_ACCESS_KEY');
  // LocalStack takes any keys; a newcomer without AWS credentials should not have to invent some.
  const credentials =
    accessKeyId === undefined && secretAccessKey === undefined && (s3Endpoint !== undefined || dynamodbEndpoint !== undefined)
      ? { accessKeyId: 'test', secretAccessKey: 'test' }
      : undefined;

  const config: Config = {
    port: httpPort,
    host,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    publicUrlSet: read('PUBLIC_URL') !== undefined,
    storage,
    dataDir: resolve(cwd, read('DATA_DIR') ?? '.data'),
    aws: {
      // The old service's AWS_DEFAULT_REGION first; Lambda's runtime documents AWS_REGION.
      region: check('AWS_DEFAULT_REGION', check('AWS_REGION', 'us-east-1', parseRegion, 'an AWS region such as us-east-1'), parseRegion, 'an AWS region such as us-east-1'),
      s3Endpoint,
      dynamodbEndpoint,
      credentials,
      bucket: check('S3_BUCKET_NAME', 'instagram-images-dev', (raw) => (/^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(raw) && !raw.includes('..') ? raw : undefined), 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'),
      table: check('DYNAMODB_TABLE_NAME', 'ImageMetadata-dev', (raw) => (/^[A-Za-z0-9_.-]{3,255}$/.test(raw) ? raw : undefined), 'a DynamoDB table name (3-255 letters, digits, _ . -)'),
      // One partition takes about 1,000 index writes a second; each more costs every listing of
      // all images about one more item read per page (see the README's figures).
      timeShards: check('DYNAMODB_TIME_SHARDS', 1, (raw) => (/^\d{1,2}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 64 ? Number(raw) : undefined), 'a whole number from 1 to 64'),
    },
    pageTokenSecret: check('PAGE_TOKEN_SECRET', undefined, (raw) => (raw.length >= 32 ? Buffer.from(raw) : undefined), 'at least 32 characters'),
    logLevel: check('LOG_LEVEL', 'info' as LogLevel, (raw) => LOG_LEVELS.find((level) => level === raw), LOG_LEVELS.join(', ')),
    corsOrigins: check('CORS_ORIGINS', '*' as Config['corsOrigins'], parseOrigins, "'*' or comma-separated origins such as https://app.example.com"),
    identity: { mode: 'header' },
    rateLimit: {
      writesPerMinutePerIp: check('RATE_LIMIT_WRITES_PER_IP', 60, parseCount, 'a whole number of writes per minute (0 turns it off)'),
      writesPerMinutePerCaller: check('RATE_LIMIT_WRITES_PER_CALLER', 30, parseCount, 'a whole number of writes per minute (0 turns it off)'),
    },
    // 256 MiB is 25 uploads at the 10 MiB limit: room for a busy 1-2 GiB machine to keep working.
    uploadBudgetBytes: check('UPLOAD_BUDGET_MB', 256, (raw) => (/^\d{1,6}$/.test(raw) && Number(raw) >= 11 ? Number(raw) : undefined), 'a whole number of MiB, at least 11 (one upload at the limit)') * MiB,
    keepOriginalMetadata: check('KEEP_ORIGINAL_METADATA', false, parseBoolean, 'true or false'),
    processing: {
      mode: check('PROCESSING', 'local' as 'local' | 'external', (raw) => (raw === 'local' || raw === 'external' ? raw : undefined), 'local or external'),
      concurrency: check('PROCESSING_CONCURRENCY', 1, (raw) => (/^\d{1,2}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 16 ? Number(raw) : undefined), 'a whole number from 1 to 16'),
    },
    trashDays: check('TRASH_DAYS', 30, (raw) => (/^\d{1,4}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 3650 ? Number(raw) : undefined), 'a whole number of days from 1 to 3650'),
    bodyIdleTimeoutMs: check('BODY_IDLE_TIMEOUT_SECONDS', 30, (raw) => (/^\d{1,4}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined), 'a whole number of seconds, at least 1') * 1000,
  };
  config.identity = identityConfig(read, check, problems);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

type Check = <T>(name: string, fallback: T, parse: (raw: string) => T | undefined, expected: string) => T;

/** JWT mode needs its issuer, audience and exactly one key source; missing ones stop the start. */
function identityConfig(read: (name: string) => string | undefined, check: Check, problems: string[]): IdentityConfig {
  const mode = check('IDENTITY', 'header' as 'header' | 'jwt', (raw) => (raw === 'header' || raw === 'jwt' ? raw : undefined), 'header or jwt');
  if (mode === 'header') return { mode };
  const issuer = read('JWT_ISSUER');
  const audience = read('JWT_AUDIENCE');
  const secret = check('JWT_SECRET', undefined, (raw) => (raw.length >= 32 ? new TextEncoder().encode(raw) : undefined), 'an HS256 secret of at least 32 characters');
  const jwksUrl = check('JWT_JWKS_URL', undefined, parseHttpUrl, 'the https URL of a JSON Web Key Set');
  const missing = [issuer === undefined && 'JWT_ISSUER', audience === undefined && 'JWT_AUDIENCE'].filter((name) => name !== false);
  if (missing.length > 0) problems.push(`IDENTITY=jwt needs ${missing.join(' and ')}.`);
  const hasSecret = read('JWT_SECRET') !== undefined;
  const hasJwks = read('JWT_JWKS_URL') !== undefined;
  if (!hasSecret && !hasJwks) problems.push('IDENTITY=jwt needs JWT_SECRET (HS256) or JWT_JWKS_URL.');
  if (hasSecret && hasJwks) problems.push('Set JWT_SECRET or JWT_JWKS_URL, not both.');
  // Comma-separated, as API Gateway's JWT authorizer takes several client ids.
  const audiences = (audience ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (secret !== undefined) return { mode, issuer: issuer ?? '', audience: audiences, secret };
  return { mode, issuer: issuer ?? '', audience: audiences, jwksUrl: jwksUrl ?? '' };
}

function parseBoolean(raw: string): boolean | undefined {
  return raw === 'true' ? true : raw === 'false' ? false : undefined;
}

function parseCount(raw: string): number | undefined {
  return /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
}

function parseRegion(raw: string): string | undefined {
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(raw) ? raw : undefined;
}

function parseHttpUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

function parseOrigins(raw: string): Config['corsOrigins'] | undefined {
  if (raw.trim() === '*') return '*';
  const origins = raw.split(',').map((origin) => origin.trim());
  return origins.every((origin) => parseHttpUrl(origin) !== undefined && new URL(origin).origin === origin) ? origins : undefined;
}

/** For entry points: a bad setting ends the process with the message alone (no stack trace). */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
