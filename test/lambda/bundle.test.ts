import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Metafile } from 'esbuild';
import { loadConfig } from '../../apps/config.ts';
import { LOCAL_CREDENTIALS, startS3rver } from '../../scripts/local-aws-servers.ts';
import { startDynamoDbLocal } from '../support/dynamodb-local.ts';
import { pendingSuite } from '../support/aws-test-stack.ts';
import type { LocalServer } from '../../scripts/local-aws-servers.ts';
import { awsStorage } from '../../apps/storage/aws.ts';
import { PIPELINE_PACKAGES, ROOT, buildLambda, forbiddenInputs, lambdaNode, pipelineInputs } from '../../scripts/build-lambda.ts';
import type { LambdaBuild } from '../../scripts/build-lambda.ts';
import { makeImage } from '../support/images.ts';

// Plain JavaScript, so it runs on Node 22 exactly as Lambda's runtime would load the handler.
const DRIVER = `import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const [entry, eventsFile, resultsFile] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(entry).href);
const results = {};
for (const [name, event] of Object.entries(JSON.parse(await readFile(eventsFile, 'utf8')))) results[name] = await handler(event);
await writeFile(resultsFile, JSON.stringify(results));
`;

type Result = APIGatewayProxyStructuredResultV2;

function event(method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer } = {}): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.com', ...options.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'bundle-test' },
      requestId: `bundle-${method}-${path}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: options.body !== undefined,
    ...(options.body === undefined ? {} : { body: options.body.toString('base64') }),
  };
}

function multipart(fields: Record<string, string>, file: Buffer): { body: Buffer; contentType: string } {
  const boundary = 'bundle-test-boundary';
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n`), file);
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const bodyBytes = (result: Result): Buffer => Buffer.from(result.body ?? '', result.isBase64Encoded === true ? 'base64' : 'utf8');
const json = (result: Result): Record<string, unknown> => JSON.parse(bodyBytes(result).toString('utf8')) as Record<string, unknown>;

/** Every package an input path lies in, nested ones included. */
const packagesIn = (input: string): string[] => [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((match) => match[1]!);

describe('Lambda bundle', function () {
  let work: string;
  let built: LambdaBuild;
  let node: string;
  let task: string;
  const servers: LocalServer[] = [];
  let env: Record<string, string>;

  /** Imports the unzipped index.mjs in a fresh Node 22 process and passes each event to its handler. */
  async function invoke(events: Record<string, APIGatewayProxyEventV2>): Promise<Record<string, Result>> {
    const eventsFile = join(work, 'events.json');
    const resultsFile = join(work, 'results.json');
    await writeFile(eventsFile, JSON.stringify(events));
    await new Promise<void>((resolve, reject) => {
      // Lambda's working directory is the unzipped package; nothing in this repository is reachable.
      const child = spawn(node, [join(work, 'driver.mjs'), join(task, 'index.mjs'), eventsFile, resultsFile], {
        cwd: task,
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the bundle's process exited with ${code}:\n${output}`))));
    });
    return JSON.parse(await readFile(resultsFile, 'utf8')) as Record<string, Result>;
  }

  before(async function () {
    // The first run on a machine without Node 22 downloads it.
    this.timeout(180_000);
    work = await mkdtemp(join(tmpdir(), 'lambda-bundle-'));
    built = await buildLambda(join(work, 'dist'));
    task = join(work, 'task');
    execFileSync('unzip', ['-q', built.zipPath, '-d', task]);
    await writeFile(join(work, 'driver.mjs'), DRIVER);
    node = lambdaNode();

    // DynamoDB Local, because the catalog writes an image and its tag links in one transaction.
    const dynamoLocal = await startDynamoDbLocal();
    if ('skipReason' in dynamoLocal) pendingSuite(this, dynamoLocal.skipReason);
    const dynamo = dynamoLocal.server;
    servers.push(dynamo);
    const s3 = await startS3rver({ directory: join(work, 's3') });
    servers.push(s3);
    env = {
      STORAGE: 'aws',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };
    // The config leaves keys given in the environment to the SDK's chain, which reads this
    // process's environment, not `env`; the bundle's process gets them from its environment.
    const storage = awsStorage({ ...loadConfig(env).aws, credentials: LOCAL_CREDENTIALS }, '*');
    try {
      await storage.setup();
    } finally {
      storage.close();
    }
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('zips index.mjs, its chunks, the gallery, and only the documentation assets the docs routes read', async () => {
    const entries = execFileSync('unzip', ['-Z1', built.zipPath], { encoding: 'utf8' }).trim().split('\n');
    const chunks = entries.filter((entry) => entry.startsWith('chunks/'));
    expect(chunks.length, 'code loaded on demand sits in chunks').to.be.above(0);
    expect(chunks.every((entry) => entry.endsWith('.mjs'))).to.equal(true);
    // web/ beside index.mjs, where apps/http/web-routes.ts looks in a bundle: the page, its manifest and every asset it names.
    const manifest = JSON.parse(await readFile(join(task, 'web', 'manifest.json'), 'utf8')) as { page: string; assets: Record<string, string> };
    const web = entries.filter((entry) => entry.startsWith('web/'));
    expect(web).to.have.members(['web/manifest.json', `web/${manifest.page}`, ...Object.keys(manifest.assets).map((name) => `web/${name}`)]);
    expect(Object.keys(manifest.assets).some((name) => name.endsWith('.js'))).to.equal(true);
    expect(entries.filter((entry) => !entry.startsWith('chunks/') && !entry.startsWith('web/'))).to.have.members([
      'index.mjs',
      'node_modules/swagger-ui-dist/package.json',
      'node_modules/swagger-ui-dist/swagger-ui.css',
      'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
      'node_modules/redoc/package.json',
      'node_modules/redoc/bundles/redoc.standalone.js',
    ]);
  });

  it('bundles no dev dependency, no test server, and nothing of the local store (SQLite, files)', async () => {
    const metafile = JSON.parse(await readFile(built.metafilePath, 'utf8')) as Metafile;
    const { devDependencies } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).to.include.members(['apps/lambda.ts', 'apps/container.ts']);
    expect(inputs.some((input) => packagesIn(input).includes('@aws-sdk/client-s3')), 'the check sees packages').to.equal(true);
    const offending = inputs.filter(
      (input) =>
        packagesIn(input).some((name) => name in devDependencies || ['s3rver', 'dynalite', 'better-sqlite3'].includes(name)) ||
        /^(adapters\/(sqlite|filesystem)\/|apps\/storage\/local\.ts)/.test(input),
    );
    expect(offending, offending.join('\n')).to.deep.equal([]);
  });

  it('bundles nothing of the image pipeline: no sharp, no thumbhash, no processor, and stays within 0.8 MB', async () => {
    const metafile = JSON.parse(await readFile(built.metafilePath, 'utf8')) as Metafile;
    const inputs = Object.keys(metafile.inputs);
    const pipeline = inputs.filter((input) => packagesIn(input).some((name) => ['sharp', 'thumbhash', '@img/colour'].includes(name) || name.startsWith('@img/sharp')) || /^(adapters\/sharp\/|apps\/processor\/lambda)/.test(input));
    expect(pipeline, pipeline.join('\n')).to.deep.equal([]);
    // Nor could a native addon or libvips have come in beside the bundle.
    const entries = execFileSync('unzip', ['-Z1', built.zipPath], { encoding: 'utf8' }).trim().split('\n');
    expect(entries.filter((entry) => /sharp|thumbhash|libvips|\.node$|\.so(\.|$)/.test(entry))).to.deep.equal([]);
    expect(built.bundleBytes, 'every JavaScript file of the bundle, chunks included').to.be.at.most(800_000);
  });

  it('fails the build for an input of the image pipeline', () => {
    const input = { bytes: 1, imports: [] };
    const metafile = {
      inputs: {
        'node_modules/@aws-sdk/client-s3/dist-es/index.js': input,
        'node_modules/sharp/dist/index.mjs': input,
        'node_modules/thumbhash/thumbhash.js': input,
        'adapters/sharp/sharp-image-processor.ts': input,
        'apps/processor/lambda.ts': input,
        'apps/processor/external-queue.ts': input,
      },
      outputs: {},
    } satisfies Metafile;
    expect(PIPELINE_PACKAGES).to.include.members(['sharp', 'thumbhash']);
    expect(pipelineInputs(metafile)).to.have.members([
      'node_modules/sharp/dist/index.mjs',
      'node_modules/thumbhash/thumbhash.js',
      'adapters/sharp/sharp-image-processor.ts',
      'apps/processor/lambda.ts',
    ]);
  });

  it('fails the build for an input from a devDependency, a dev-only package, a test server or the local store', () => {
    const input = { bytes: 1, imports: [] };
    const metafile = {
      inputs: {
        'node_modules/@aws-sdk/client-s3/dist-es/index.js': input,
        'node_modules/s3rver/lib/s3rver.js': input,
        'node_modules/multer/node_modules/dynalite/index.js': input,
        'node_modules/better-sqlite3/lib/index.js': input,
        'adapters/sqlite/database.ts': input,
        'adapters/filesystem/file-blob-store.ts': input,
        'node_modules/mocha/index.js': input,
        'node_modules/supports-color/index.js': input,
      },
      outputs: {},
    } satisfies Metafile;
    expect(forbiddenInputs(metafile, { mocha: '^12.0.0' }, { 'node_modules/supports-color': { dev: true } })).to.have.members([
      'node_modules/s3rver/lib/s3rver.js',
      'node_modules/multer/node_modules/dynalite/index.js',
      'node_modules/better-sqlite3/lib/index.js',
      'adapters/sqlite/database.ts',
      'adapters/filesystem/file-blob-store.ts',
      'node_modules/mocha/index.js',
      'node_modules/supports-color/index.js',
    ]);
  });

  it('serves health, the gallery and the docs with their assets from the zip, the OpenAPI document, uploads and listings on Node 22', async function () {
    this.timeout(60_000);
    const image = makeImage({ width: 200, height: 150, format: 'png', size: 4096 });
    const form = multipart({ user_id: 'alice', title: 'Sunset', tags: 'nature,sunset' }, image);
    const manifest = JSON.parse(await readFile(join(task, 'web', 'manifest.json'), 'utf8')) as { assets: Record<string, string> };
    const script = Object.keys(manifest.assets).find((name) => name.endsWith('.js'))!;
    const results = await invoke({
      health: event('GET', '/health'),
      page: event('GET', '/'),
      script: event('GET', `/assets/${script}`),
      docs: event('GET', '/docs'),
      css: event('GET', '/docs/swagger-ui.css'),
      redoc: event('GET', '/redoc/redoc.standalone.js'),
      openapi: event('GET', '/openapi.json'),
      emptyList: event('GET', '/images'),
      upload: event('POST', '/images', { headers: { 'content-type': form.contentType }, body: form.body }),
      list: event('GET', '/images'),
    });

    expect(results.health!.statusCode).to.equal(200);
    expect(json(results.health!)).to.deep.include({ status: 'healthy', service: 'image-service' });

    // The gallery comes from web/ in the zip: nothing of this repository is reachable from the task folder.
    expect(results.page!.statusCode, bodyBytes(results.page!).toString('utf8')).to.equal(200);
    expect(results.page!.headers?.['content-type']).to.match(/^text\/html/);
    expect(bodyBytes(results.page!).toString('utf8')).to.include(`/assets/${script}`);
    expect(results.script!.statusCode).to.equal(200);
    expect(bodyBytes(results.script!).equals(await readFile(join(task, 'web', script)))).to.equal(true);

    expect(results.docs!.statusCode).to.equal(200);
    expect(results.docs!.headers?.['content-type']).to.match(/^text\/html/);
    expect(bodyBytes(results.docs!).toString('utf8')).to.include('<div id="swagger-ui"></div>');

    // import.meta.url is index.mjs's own URL in the bundle: the assets come from the zip's node_modules.
    expect(results.css!.statusCode).to.equal(200);
    expect(results.css!.isBase64Encoded).to.equal(true);
    expect(bodyBytes(results.css!).equals(await readFile(join(task, 'node_modules/swagger-ui-dist/swagger-ui.css')))).to.equal(true);
    expect(bodyBytes(results.css!).length).to.be.greaterThan(0);
    expect(results.redoc!.statusCode).to.equal(200);
    expect(bodyBytes(results.redoc!).length).to.be.greaterThan(0);

    expect(results.openapi!.statusCode).to.equal(200);
    expect(json(results.openapi!)).to.have.property('openapi').that.matches(/^3\./);

    expect(results.emptyList!.statusCode, results.emptyList!.body).to.equal(200);
    expect(json(results.emptyList!)).to.deep.include({ images: [], has_more: false });

    expect(results.upload!.statusCode, results.upload!.body).to.equal(201);
    const uploaded = json(results.upload!) as { image_id: string; image: { width: number; height: number } };
    expect(uploaded.image).to.include({ width: 200, height: 150 });
    const listed = json(results.list!) as { images: { image_id: string; download_url: string }[] };
    expect(listed.images.map((each) => each.image_id)).to.deep.equal([uploaded.image_id]);
    expect(listed.images[0]!.download_url.startsWith(env.AWS_ENDPOINT_URL_S3!)).to.equal(true);
  });
});
