import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from '../../apps/config.ts';

describe('configuration', () => {
  it('has working defaults with an empty environment: the local store under ./.data', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).to.deep.include({ port: 8000, host: '127.0.0.1', publicUrl: 'http://localhost:8000', publicUrlSet: false, storage: 'local', dataDir: '/srv/app/.data', logLevel: 'info', corsOrigins: '*', pageTokenSecret: undefined });
    expect(config).to.deep.include({ uploadBudgetBytes: 256 * 1024 * 1024, bodyIdleTimeoutMs: 30_000 });
    expect(config.aws).to.deep.equal({ region: 'us-east-1', s3Endpoint: undefined, dynamodbEndpoint: undefined, credentials: undefined, bucket: 'instagram-images-dev', table: 'ImageMetadata-dev', timeShards: 1 });
  });

  it('switches to external AWS endpoints (LocalStack) with AWS_ENDPOINT_URL, with stand-in keys when none are set', () => {
    const config = loadConfig({ AWS_ENDPOINT_URL: 'http://localhost:4566' });
    expect(config.storage).to.equal('aws');
    expect(config.aws).to.deep.include({ s3Endpoint: 'http://localhost:4566', dynamodbEndpoint: 'http://localhost:4566', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const own = loadConfig({ AWS_ENDPOINT_URL: 'http://localhost:4566', AWS_ENDPOINT_URL_S3: 'http://localhost:9000', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' });
    expect(own.aws).to.deep.include({ s3Endpoint: 'http://localhost:9000', dynamodbEndpoint: 'http://localhost:4566', credentials: undefined });
    expect(loadConfig({ STORAGE: 'memory', AWS_ENDPOINT_URL: 'http://localhost:4566' }).storage).to.equal('memory');
    expect(loadConfig({ STORAGE: 'aws' }).aws.s3Endpoint, 'real AWS').to.equal(undefined);
  });

  it('reads the old service variable names', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      S3_BUCKET_NAME: 'my-bucket',
      DYNAMODB_TABLE_NAME: 'Images_prod',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      PUBLIC_URL: 'https://img.example.com/',
      DATA_DIR: '/var/lib/images',
      DYNAMODB_TIME_SHARDS: '16',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
    });
    expect(config).to.deep.include({ port: 9000, host: '0.0.0.0', publicUrl: 'https://img.example.com' });
    expect(config.corsOrigins).to.deep.equal(['https://app.example.com', 'http://localhost:5173']);
    expect(config.aws).to.deep.include({ region: 'eu-west-1', s3Endpoint: 'http://localhost:4566', bucket: 'my-bucket', table: 'Images_prod', timeShards: 16 });
    expect(config.dataDir).to.equal('/var/lib/images');
  });

  it("takes the region from AWS_REGION (Lambda's variable) when AWS_DEFAULT_REGION is unset", () => {
    expect(loadConfig({ AWS_REGION: 'ap-south-1' }).aws.region).to.equal('ap-south-1');
    expect(loadConfig({ AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-west-3' }).aws.region).to.equal('eu-west-3');
  });

  it('says what replaced STORAGE=embedded', () => {
    expect(() => loadConfig({ STORAGE: 'embedded' })).to.throw(ConfigError, /STORAGE=embedded is gone[\s\S]*STORAGE=local[\s\S]*migrate:embedded/);
  });

  it('takes the upload budget in MiB and the body idle timeout in seconds', () => {
    expect(loadConfig({ UPLOAD_BUDGET_MB: '64', BODY_IDLE_TIMEOUT_SECONDS: '5' })).to.deep.include({ uploadBudgetBytes: 64 * 1024 * 1024, bodyIdleTimeoutMs: 5000 });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', S3_BUCKET_NAME: '' })).to.deep.include({ port: 8000 });
  });

  it('reports every bad value at once, naming the variable', () => {
    const bad = { PORT: '80a', S3_BUCKET_NAME: 'Bad_Bucket', AWS_ENDPOINT_URL: 'ftp://x', STORAGE: 'disk', PAGE_TOKEN_SECRET: 'short', LOG_LEVEL: 'loud', AWS_DEFAULT_REGION: 'mars', CORS_ORIGINS: 'https://a.example/path', DYNAMODB_TIME_SHARDS: '0', UPLOAD_BUDGET_MB: '10', BODY_IDLE_TIMEOUT_SECONDS: '0' };
    try {
      loadConfig(bad);
      expect.fail('expected a ConfigError');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      for (const name of Object.keys(bad)) expect((error as Error).message).to.include(`${name}=`);
    }
    expect(() => loadConfig({ PORT: '65536' })).to.throw(ConfigError, /PORT/);
  });

  it('needs issuer, audience and one key source for jwt identity, and says which are missing', () => {
    expect(() => loadConfig({ IDENTITY: 'jwt' })).to.throw(ConfigError, /IDENTITY=jwt needs JWT_ISSUER and JWT_AUDIENCE[\s\S]*JWT_SECRET \(HS256\) or JWT_JWKS_URL/);
    const both = { IDENTITY: 'jwt', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a', JWT_SECRET: 's'.repeat(32), JWT_JWKS_URL: 'https://i/jwks' };
    expect(() => loadConfig(both)).to.throw(ConfigError, /not both/);
    expect(() => loadConfig({ ...both, JWT_JWKS_URL: '', JWT_SECRET: 'short' })).to.throw(ConfigError, /JWT_SECRET=/);
    expect(loadConfig({ ...both, JWT_JWKS_URL: '' }).identity).to.deep.include({ mode: 'jwt', issuer: 'i', audience: ['a'] });
    expect(loadConfig({}).identity).to.deep.equal({ mode: 'header' });
    expect(loadConfig({}).rateLimit).to.deep.equal({ writesPerMinutePerIp: 60, writesPerMinutePerCaller: 30 });
  });

  it('makes the server exit non-zero with a clear message on a bad value', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/server.ts'], {
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('PORT="eighty" is not valid');
    expect(result.stderr).not.to.match(/at \w+ \(/, 'no stack trace');
    const jwt = spawnSync(process.execPath, ['--import', 'tsx', 'apps/server.ts'], { env: { ...process.env, IDENTITY: 'jwt' }, encoding: 'utf8', timeout: 20_000 });
    expect(jwt.status).to.equal(1);
    expect(jwt.stderr).to.include('IDENTITY=jwt needs JWT_ISSUER and JWT_AUDIENCE');
  });
});
