import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument, visit } from 'yaml';
import type { CollectionTag, ScalarTag, YAMLSeq } from 'yaml';
import tableDefinition from '../../adapters/dynamodb/table-definition.json' with { type: 'json' };
import bucketCors from '../../adapters/s3/bucket-cors.json' with { type: 'json' };
import { loadConfig } from '../../apps/config.ts';
import { buildContainer, httpRoutes } from '../../apps/container.ts';
import type { Route } from '../../apps/http/types.ts';
import { awsStorage } from '../../apps/storage/aws.ts';
import { processorSettings } from '../../apps/processor/lambda-handler.ts';
import { variantKey } from '../../core/image.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const templatePath = join(root, 'infra', 'template.yaml');

type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a path of keys (keys may hold dots or colons, hence no dotted strings). */
function dig(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = isObj(current) ? current[key] : undefined;
  }
  return current;
}

function obj(value: unknown, what: string): Obj {
  expect(isObj(value), `${what} is a mapping`).to.equal(true);
  return value as Obj;
}

function list(value: unknown, what: string): unknown[] {
  expect(Array.isArray(value), `${what} is a list`).to.equal(true);
  return value as unknown[];
}

// CloudFormation's short forms, turned into the long forms CloudFormation itself sees.
const INTRINSICS = ['Sub', 'GetAtt', 'If', 'Equals', 'Not', 'And', 'Or', 'Join', 'Select', 'Split', 'Base64', 'FindInMap', 'GetAZs', 'ImportValue'];

function intrinsicTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [
    { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
    { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) },
  ];
  for (const name of INTRINSICS) {
    const key = `Fn::${name}`;
    tags.push({
      tag: `!${name}`,
      // `!GetAtt Resource.Attribute` is the one scalar short form that means a list.
      resolve: (value: string) => (name === 'GetAtt' ? { [key]: [value.slice(0, value.indexOf('.')), value.slice(value.indexOf('.') + 1)] } : { [key]: value }),
    });
    tags.push({ tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [key]: (seq as YAMLSeq).toJSON() }) });
  }
  return tags;
}

/** The template and its main parts, each checked to be present. */
async function loadTemplate() {
  const source = await readFile(templatePath, 'utf8');
  const template = obj(parse(source, { customTags: intrinsicTags() }), 'the template');
  const resources = obj(template.Resources, 'Resources');
  const resource = (name: string, type: string): Obj => {
    const found = obj(resources[name], `resource ${name}`);
    expect(found.Type, `${name}'s type`).to.equal(type);
    return found;
  };
  const props = (name: string, type: string): Obj => obj(resource(name, type).Properties, `${name}.Properties`);
  return { source, template, resources, resource, props, parameters: obj(template.Parameters, 'Parameters'), conditions: obj(template.Conditions, 'Conditions') };
}

async function sources(dir: string): Promise<{ file: string; text: string }[]> {
  const names = (await readdir(join(root, dir))).filter((name) => name.endsWith('.ts')).sort();
  return Promise.all(names.map(async (name) => ({ file: name, text: await readFile(join(root, dir, name), 'utf8') })));
}

/** `new XxxCommand(` names the adapter sends, with the files they appear in. */
async function sentCommands(dir: string): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>();
  for (const { file, text } of await sources(dir)) {
    for (const match of text.matchAll(/\bnew\s+(\w+)Command\s*\(/g)) {
      const name = match[1]!;
      found.set(name, (found.get(name) ?? new Set()).add(file));
    }
  }
  return found;
}

const SETUP_ONLY = { dynamodb: ['CreateTable', 'DescribeTable'], s3: ['CreateBucket', 'PutBucketCors'] };

/**
 * lib-dynamodb's document commands carry shorter names than the API actions they call. A
 * transaction has no IAM action of its own: each item in it is authorised as its own action.
 */
const DOCUMENT_COMMANDS: Record<string, string[]> = {
  Get: ['GetItem'],
  Put: ['PutItem'],
  Update: ['UpdateItem'],
  Delete: ['DeleteItem'],
  BatchGet: ['BatchGetItem'],
  BatchWrite: ['BatchWriteItem'],
  TransactGet: ['GetItem'],
  TransactWrite: ['PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
};

/** The IAM actions each S3 command needs; HEAD requests are reads, a copy reads its source and writes its target. */
const S3_ACTIONS: Record<string, string[]> = {
  PutObject: ['s3:PutObject'],
  GetObject: ['s3:GetObject'],
  HeadObject: ['s3:GetObject'],
  CopyObject: ['s3:GetObject', 's3:PutObject'],
  DeleteObject: ['s3:DeleteObject'],
  HeadBucket: ['s3:ListBucket'],
};

const ALLOWED_ACTIONS = [
  's3:PutObject',
  's3:GetObject',
  's3:DeleteObject',
  's3:ListBucket',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
];

const LAMBDA_RESERVED = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME', '_HANDLER', 'TZ', 'LAMBDA_TASK_ROOT'];

const NO_VALUE = { Ref: 'AWS::NoValue' };

/** Exactly the routes the API function serves: its container over the AWS stores (building it contacts nothing). */
function servedOnLambda(): Route[] {
  const config = loadConfig({ STORAGE: 'aws', LOG_LEVEL: 'silent' });
  const storage = awsStorage(config.aws, config.corsOrigins);
  try {
    return httpRoutes(buildContainer(config, storage));
  } finally {
    storage.close();
  }
}

/** The bucket's name when none is given: `image-service-` and the stack's UUID, known before the bucket exists. */
const STACK_BUCKET_NAME = { 'Fn::Join': ['-', ['image-service', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]] };

describe('infra/template.yaml', () => {
  it('parses the short-form intrinsics into their long forms', () => {
    const parsed = parse('a: !Ref X\nb: !GetAtt R.Arn\nc: !Sub "${R.Arn}/x"\nd: !If [C, !Ref Y, !Ref AWS::NoValue]\ne: !Join [",", !Split [",", !Ref Z]]\nf: !Not [!Equals [!Ref X, ""]]', {
      customTags: intrinsicTags(),
    });
    expect(parsed).to.deep.equal({
      a: { Ref: 'X' },
      b: { 'Fn::GetAtt': ['R', 'Arn'] },
      c: { 'Fn::Sub': '${R.Arn}/x' },
      d: { 'Fn::If': ['C', { Ref: 'Y' }, { Ref: 'AWS::NoValue' }] },
      e: { 'Fn::Join': [',', { 'Fn::Split': [',', { Ref: 'Z' }] }] },
      f: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'X' }, ''] }] },
    });
  });

  it('is a SAM template whose references all resolve, with no YAML aliases (CloudFormation rejects them)', async () => {
    const { source, template, resources, parameters, conditions } = await loadTemplate();
    expect(template.Transform).to.equal('AWS::Serverless-2016-10-31');
    let aliases = 0;
    visit(parseDocument(source, { customTags: intrinsicTags() }), {
      Alias: () => {
        aliases += 1;
      },
    });
    expect(aliases, 'YAML aliases').to.equal(0);

    const names = new Set([...Object.keys(parameters), ...Object.keys(resources)]);
    const known = (name: string) => names.has(name) || name.startsWith('AWS::');
    const problems: string[] = [];
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${where}[${i}]`));
      if (!isObj(value)) return;
      if (typeof value.Ref === 'string' && !known(value.Ref)) problems.push(`${where}: Ref ${value.Ref}`);
      const getAtt = value['Fn::GetAtt'];
      if (Array.isArray(getAtt) && !resources[String(getAtt[0])]) problems.push(`${where}: GetAtt ${String(getAtt[0])}`);
      const ifArgs = value['Fn::If'];
      if (Array.isArray(ifArgs) && !conditions[String(ifArgs[0])]) problems.push(`${where}: condition ${String(ifArgs[0])}`);
      const sub = value['Fn::Sub'];
      const [text, variables] = typeof sub === 'string' ? [sub, {}] : Array.isArray(sub) ? [String(sub[0]), obj(sub[1], 'Fn::Sub variables')] : [undefined, {}];
      for (const match of (text ?? '').matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = match[1]!.startsWith('AWS::') ? match[1]! : match[1]!.split('.')[0]!;
        if (!known(name) && !(name in variables)) problems.push(`${where}: Sub \${${match[1]}}`);
      }
      for (const [key, child] of Object.entries(value)) walk(child, `${where}.${key}`);
    };
    walk(resources, 'Resources');
    walk(template.Outputs, 'Outputs');
    walk(template.Rules, 'Rules');
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  describe('(a) the table', () => {
    it('has exactly the keys and indexes of adapters/dynamodb/table-definition.json, on demand, with PITR', async () => {
      const { props, resource } = await loadTemplate();
      const table = props('ImageTable', 'AWS::DynamoDB::Table');
      expect(table.AttributeDefinitions).to.deep.equal(tableDefinition.AttributeDefinitions);
      expect(table.KeySchema).to.deep.equal(tableDefinition.KeySchema);
      expect(table.GlobalSecondaryIndexes).to.deep.equal(tableDefinition.GlobalSecondaryIndexes);
      expect(tableDefinition.BillingMode).to.equal('PAY_PER_REQUEST');
      expect(table.BillingMode).to.equal(tableDefinition.BillingMode);
      expect(table.PointInTimeRecoverySpecification).to.deep.equal({ PointInTimeRecoveryEnabled: true });
      expect(table.SSESpecification).to.deep.equal({ SSEEnabled: true });
      expect(table.TimeToLiveSpecification).to.deep.equal({ AttributeName: 'expiresAt', Enabled: true });
      expect(table.TableName).to.deep.equal({ Ref: 'TableName' });
      expect(resource('ImageTable', 'AWS::DynamoDB::Table')).to.include({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });
  });

  describe('(b) the function environment', () => {
    async function configNames(): Promise<Set<string>> {
      const source = await readFile(join(root, 'apps', 'config.ts'), 'utf8');
      return new Set([...source.matchAll(/\b(?:read|check|port|url)(?:<[^>]*>)?\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!));
    }

    it('finds the names apps/config.ts reads (so the checks below are not vacuous)', async () => {
      const names = await configNames();
      expect([...names]).to.include.members(['PORT', 'STORAGE', 'AWS_DEFAULT_REGION', 'S3_BUCKET_NAME', 'DYNAMODB_TABLE_NAME', 'DYNAMODB_TIME_SHARDS', 'PAGE_TOKEN_SECRET', 'LOG_LEVEL', 'CORS_ORIGINS', 'AWS_ENDPOINT_URL']);
    });

    it('sets only variables apps/config.ts reads, all that AWS needs, STORAGE=aws, and nothing Lambda reserves', async () => {
      const { props } = await loadTemplate();
      const variables = obj(dig(props('ImageFunction', 'AWS::Serverless::Function'), 'Environment', 'Variables'), 'Environment.Variables');
      const names = await configNames();
      const unread = Object.keys(variables).filter((name) => !names.has(name));
      expect(unread, 'set but never read by apps/config.ts').to.deep.equal([]);
      expect(Object.keys(variables)).to.include.members(['STORAGE', 'S3_BUCKET_NAME', 'DYNAMODB_TABLE_NAME', 'PAGE_TOKEN_SECRET']);
      expect(variables.STORAGE).to.equal('aws');
      expect(variables.S3_BUCKET_NAME).to.deep.equal({ Ref: 'ImageBucket' });
      expect(variables.DYNAMODB_TABLE_NAME).to.deep.equal({ Ref: 'ImageTable' });
      expect(variables.PAGE_TOKEN_SECRET).to.deep.equal({ Ref: 'PageTokenSecret' });
      expect(Object.keys(variables).filter((name) => LAMBDA_RESERVED.includes(name) || name.startsWith('AWS_'))).to.deep.equal([]);
    });

    it('keeps the page-token secret required, hidden and long enough', async () => {
      const { parameters } = await loadTemplate();
      const secret = obj(parameters.PageTokenSecret, 'PageTokenSecret');
      expect(secret).to.include({ Type: 'String', NoEcho: true, MinLength: 32 });
      expect(secret).not.to.have.property('Default');
    });

    it('hands apps/config.ts values it accepts, with every parameter at its default', async () => {
      const { props, parameters } = await loadTemplate();
      const variables = obj(dig(props('ImageFunction', 'AWS::Serverless::Function'), 'Environment', 'Variables'), 'Environment.Variables');
      // Every parameter at its default, unless a case below sets it.
      let given: Record<string, string> = {};
      const parameterValue = (name: string): string => {
        const parameter = obj(parameters[name], `parameter ${name}`);
        if (given[name] !== undefined) return given[name];
        if (name === 'PageTokenSecret') return 's'.repeat(Number(parameter.MinLength));
        return String(parameter.Default);
      };
      const conditions: Record<string, () => boolean> = { HasJwt: () => parameterValue('JwtIssuer') !== '', HasJwksUrl: () => parameterValue('JwtJwksUrl') !== '' };
      // What CloudFormation would substitute: a generated bucket name looks like this one.
      const refValue = (name: string): string =>
        name === 'ImageBucket' ? 'image-service-imagebucket-1x2y3z4w5v6u' : name === 'ImageTable' ? parameterValue('TableName') : parameterValue(name);
      const value = (raw: unknown): string | undefined => {
        if (typeof raw === 'string') return raw;
        if (isObj(raw) && raw.Ref === 'AWS::NoValue') return undefined;
        if (isObj(raw) && typeof raw.Ref === 'string') return refValue(raw.Ref);
        const choice = dig(raw, 'Fn::If');
        if (Array.isArray(choice) && typeof choice[0] === 'string' && conditions[choice[0]] !== undefined) return value(conditions[choice[0]]!() ? choice[1] : choice[2]);
        const sub = dig(raw, 'Fn::Sub');
        if (typeof sub === 'string') return sub.replace(/\$\{(\w+)\}/g, (_, name: string) => refValue(name));
        const join = dig(raw, 'Fn::Join');
        if (Array.isArray(join) && isObj(join[1]) && typeof join[1].Ref === 'string') {
          return refValue(join[1].Ref).split(',').join(String(join[0]));
        }
        throw new Error(`No stand-in for ${JSON.stringify(raw)}`);
      };
      const environment = () => Object.fromEntries(Object.entries(variables).flatMap(([name, raw]) => (value(raw) === undefined ? [] : [[name, value(raw)!]])));
      const env = environment();
      const config = loadConfig(env);
      expect(config.identity.mode, 'no authorizer: header identity').to.equal('header');
      // With an authorizer, the function checks tokens itself, against the issuer's keys.
      given = { JwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc', JwtAudience: 'client-a,client-b' };
      expect(loadConfig(environment()).identity).to.deep.equal({
        mode: 'jwt',
        issuer: given.JwtIssuer,
        audience: ['client-a', 'client-b'],
        jwksUrl: `${given.JwtIssuer}/.well-known/jwks.json`,
      });
      given = {};
      expect(config.storage).to.equal('aws');
      expect(config.aws).to.include({ bucket: 'image-service-imagebucket-1x2y3z4w5v6u', table: 'ImageMetadata', timeShards: 1, s3Endpoint: undefined, dynamodbEndpoint: undefined });
      expect(config.pageTokenSecret).to.not.equal(undefined);

      const shards = obj(parameters.TimeShards, 'TimeShards');
      for (const edge of [shards.MinValue, shards.MaxValue]) expect(loadConfig({ ...env, DYNAMODB_TIME_SHARDS: String(edge) }).aws.timeShards).to.equal(edge);
      for (const level of list(obj(parameters.LogLevel, 'LogLevel').AllowedValues, 'LogLevel.AllowedValues')) {
        expect(loadConfig({ ...env, LOG_LEVEL: String(level) }).logLevel).to.equal(level);
      }
    });
  });

  describe('(c) the function role', () => {
    async function statements(): Promise<Obj[]> {
      const { props } = await loadTemplate();
      const policies = list(props('ImageFunction', 'AWS::Serverless::Function').Policies, 'Policies');
      // Inline documents only: a managed policy or SAM policy template would grant more than we can see here.
      expect(policies.every((policy) => isObj(policy) && Array.isArray(policy.Statement)), 'every policy is an inline document').to.equal(true);
      return policies.flatMap((policy) => list(dig(policy, 'Statement'), 'Statement').map((s) => obj(s, 'statement')));
    }
    const actionsOf = (statement: Obj): string[] => (Array.isArray(statement.Action) ? statement.Action.map(String) : [String(statement.Action)]);
    const resourcesOf = (statement: Obj): unknown[] => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]);

    it('allows exactly the permitted actions, on exactly the bucket, its three prefixes, the table and its indexes', async () => {
      const all = await statements();
      expect(all.every((statement) => statement.Effect === 'Allow' && statement.NotAction === undefined && statement.NotResource === undefined)).to.equal(true);
      const actions = all.flatMap(actionsOf);
      expect(actions.filter((action) => action.includes('*')), 'wildcard actions').to.deep.equal([]);
      expect([...new Set(actions)].sort()).to.deep.equal([...ALLOWED_ACTIONS].sort());
      const grants = all.flatMap((statement) => actionsOf(statement).flatMap((action) => resourcesOf(statement).map((resource) => `${action} on ${JSON.stringify(resource)}`)));
      expect(grants.length, 'no action granted twice on one resource').to.equal(new Set(grants).size);

      const byPrefix = (prefix: string) => all.filter((statement) => actionsOf(statement).every((action) => action.startsWith(prefix)));
      expect(byPrefix('s3:').length + byPrefix('dynamodb:').length, 'no statement mixes services').to.equal(all.length);
      for (const statement of all) {
        const resources = resourcesOf(statement);
        if (actionsOf(statement).includes('s3:ListBucket')) {
          expect(actionsOf(statement)).to.deep.equal(['s3:ListBucket']);
          expect(resources).to.deep.equal([{ 'Fn::GetAtt': ['ImageBucket', 'Arn'] }]);
        } else if (statement.Sid === 'VariantObjects') {
          // Variants are the processor's to write: the API signs their URLs and erases them.
          expect(actionsOf(statement).sort()).to.deep.equal(['s3:DeleteObject', 's3:GetObject']);
          expect(resources).to.deep.equal([{ 'Fn::Sub': '${ImageBucket.Arn}/variants/*' }]);
        } else if (actionsOf(statement)[0]!.startsWith('s3:')) {
          expect(resources).to.have.deep.members([{ 'Fn::Sub': '${ImageBucket.Arn}/images/*' }, { 'Fn::Sub': '${ImageBucket.Arn}/pending/*' }]);
          expect(resources).to.have.length(2);
        } else {
          expect(resources).to.have.deep.members([{ 'Fn::GetAtt': ['ImageTable', 'Arn'] }, { 'Fn::Sub': '${ImageTable.Arn}/index/*' }]);
          expect(resources).to.have.length(2);
        }
      }
    });

    it('stores objects only under the prefixes the object grant covers', async () => {
      const sources = await Promise.all(['inspect-image.ts', 'direct-upload.ts'].map((file) => readFile(join(root, 'core', 'use-cases', file), 'utf8')));
      const prefixes = sources.flatMap((source) => [...source.matchAll(/(?:storageKey|key):\s*`([a-z0-9-]+)\//g)].map((m) => m[1]));
      expect(prefixes.sort()).to.deep.equal(['images', 'pending']);
    });

    it('grants every DynamoDB action the adapter sends', async () => {
      const commands = await sentCommands('adapters/dynamodb');
      for (const name of SETUP_ONLY.dynamodb) {
        expect([...(commands.get(name) ?? [])], `${name} is for setup only`).to.satisfy((files: string[]) => files.every((file) => file === 'table-setup.ts'));
      }
      const sources = (await readFile(join(root, 'adapters/dynamodb/dynamodb-image-catalog.ts'), 'utf8')) + (await readFile(join(root, 'adapters/dynamodb/dynamodb-pending-uploads.ts'), 'utf8'));
      // Within a transaction, only the kinds of item the adapter writes need granting.
      const inTransactions = ['Put', 'Update', 'Delete', 'ConditionCheck'].filter((kind) => new RegExp(`\\{ ${kind}: `).test(sources)).map((kind) => (kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`));
      const needed = [...commands.keys()]
        .filter((name) => !SETUP_ONLY.dynamodb.includes(name))
        .flatMap((name) => (name === 'TransactWrite' ? inTransactions : (DOCUMENT_COMMANDS[name] ?? [name])))
        .map((action) => `dynamodb:${action}`);
      expect(needed).to.include.members(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
      const granted = (await statements()).flatMap(actionsOf);
      expect(needed.filter((action) => !granted.includes(action)), 'sent but not granted').to.deep.equal([]);
    });

    it('grants every S3 action the blob store sends', async () => {
      const commands = await sentCommands('adapters/s3');
      for (const name of SETUP_ONLY.s3) {
        expect([...(commands.get(name) ?? [])], `${name} is for setup only`).to.satisfy((files: string[]) => files.every((file) => file === 'bucket-setup.ts'));
      }
      const runtime = [...commands.keys()].filter((name) => !SETUP_ONLY.s3.includes(name));
      expect(runtime.filter((name) => S3_ACTIONS[name] === undefined), 'S3 commands with no known IAM action').to.deep.equal([]);
      const needed = runtime.flatMap((name) => S3_ACTIONS[name]!);
      expect(needed).to.include.members(['s3:PutObject', 's3:GetObject', 's3:ListBucket']);
      const granted = (await statements()).flatMap(actionsOf);
      expect(needed.filter((action) => !granted.includes(action)), 'sent but not granted').to.deep.equal([]);
    });
  });

  describe('(d) the bucket', () => {
    it('blocks public access, encrypts, enforces the owner and is kept when the stack goes', async () => {
      const { props, resource } = await loadTemplate();
      const bucket = props('ImageBucket', 'AWS::S3::Bucket');
      expect(bucket.PublicAccessBlockConfiguration).to.deep.equal({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(dig(bucket, 'BucketEncryption', 'ServerSideEncryptionConfiguration')).to.deep.equal([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }]);
      expect(bucket.OwnershipControls).to.deep.equal({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(bucket.BucketName).to.deep.equal({ 'Fn::If': ['HasBucketName', { Ref: 'BucketName' }, STACK_BUCKET_NAME] });
      expect(resource('ImageBucket', 'AWS::S3::Bucket')).to.include({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('has the CORS rules of adapters/s3/bucket-cors.json, with the origins parameter, allowing GET', async () => {
      const { props } = await loadTemplate();
      const rules = list(dig(props('ImageBucket', 'AWS::S3::Bucket'), 'CorsConfiguration', 'CorsRules'), 'CorsRules');
      // CloudFormation spells two of the S3 API's names differently.
      const expected = bucketCors.CORSRules.map((rule) => ({
        AllowedOrigins: { Ref: 'CorsAllowedOrigins' },
        AllowedMethods: rule.AllowedMethods,
        AllowedHeaders: rule.AllowedHeaders,
        ExposedHeaders: rule.ExposeHeaders,
        MaxAge: rule.MaxAgeSeconds,
      }));
      expect(rules).to.deep.equal(expected);
      expect(list(dig(rules, 0, 'AllowedMethods'), 'AllowedMethods')).to.include('GET');
    });

    it('expires abandoned pending uploads and unfinished multipart uploads after a day', async () => {
      const { props } = await loadTemplate();
      const rules = list(dig(props('ImageBucket', 'AWS::S3::Bucket'), 'LifecycleConfiguration', 'Rules'), 'lifecycle rules').map((r) => obj(r, 'rule'));
      expect(rules.every((rule) => rule.Status === 'Enabled')).to.equal(true);
      const pending = rules.filter((rule) => rule.Prefix === 'pending/');
      expect(pending).to.have.length(1);
      expect(pending[0]!.ExpirationInDays).to.equal(1);
      const abort = rules.filter((rule) => dig(rule, 'AbortIncompleteMultipartUpload', 'DaysAfterInitiation') === 1);
      expect(abort, 'a rule aborting multipart uploads').to.have.length(1);
      expect(abort[0]!.Prefix === undefined || abort[0]!.Prefix === 'pending/').to.equal(true);
      // Nothing under images/ may ever expire: those are the user's images.
      expect(rules.filter((rule) => rule.ExpirationInDays !== undefined && rule.Prefix !== 'pending/')).to.deep.equal([]);
    });

    it('lets nothing erased survive as a noncurrent version, should versioning be turned on', async () => {
      const { props } = await loadTemplate();
      const rules = list(dig(props('ImageBucket', 'AWS::S3::Bucket'), 'LifecycleConfiguration', 'Rules'), 'lifecycle rules').map((r) => obj(r, 'rule'));
      const noncurrent = rules.filter((rule) => dig(rule, 'NoncurrentVersionExpiration', 'NoncurrentDays') !== undefined);
      expect(noncurrent).to.have.length(1);
      expect(noncurrent[0]).to.deep.include({ Status: 'Enabled', ExpiredObjectDeleteMarker: true });
      expect(noncurrent[0]!.Prefix, 'every prefix').to.equal(undefined);
      expect(Number(dig(noncurrent[0], 'NoncurrentVersionExpiration', 'NoncurrentDays'))).to.be.at.most(1);
    });

    it('refuses any request not made over TLS', async () => {
      const { props } = await loadTemplate();
      const policy = props('ImageBucketPolicy', 'AWS::S3::BucketPolicy');
      expect(policy.Bucket).to.deep.equal({ Ref: 'ImageBucket' });
      const statements = list(dig(policy, 'PolicyDocument', 'Statement'), 'bucket policy statements');
      expect(statements).to.deep.include({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [{ 'Fn::GetAtt': ['ImageBucket', 'Arn'] }, { 'Fn::Sub': '${ImageBucket.Arn}/*' }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      expect(statements.every((statement) => dig(statement, 'Effect') === 'Deny'), 'the bucket policy only denies').to.equal(true);
    });
  });

  describe('(e) the function', () => {
    it('runs the built bundle on Node 22, arm64, inside the API Gateway time limit', async () => {
      const { props } = await loadTemplate();
      const fn = props('ImageFunction', 'AWS::Serverless::Function');
      expect(fn).to.include({ Runtime: 'nodejs22.x', Handler: 'index.handler', MemorySize: 1024, Timeout: 29 });
      expect(fn.Architectures).to.deep.equal(['arm64']);
      expect(typeof fn.CodeUri).to.equal('string');
      expect(resolve(dirname(templatePath), String(fn.CodeUri))).to.equal(join(root, 'dist', 'lambda.zip'));
      expect(basename(String(fn.CodeUri))).to.equal('lambda.zip');
    });

    it('runs the lifecycle background work on a schedule of minutes (the handler takes scheduled events)', async () => {
      const { props } = await loadTemplate();
      const events = obj(props('ImageFunction', 'AWS::Serverless::Function').Events, 'Events');
      const schedules = Object.values(events).map((e) => obj(e, 'event')).filter((e) => e.Type === 'Schedule');
      expect(schedules).to.have.length(1);
      const rate = /^rate\((\d+) minutes?\)$/.exec(String(dig(schedules[0], 'Properties', 'Schedule')));
      expect(rate, 'a rate in minutes').to.not.equal(null);
      // A 202's erasure should not wait long, and a pass must fit in the function's time.
      expect(Number(rate![1])).to.be.within(1, 15);
    });
  });

  describe('(f) the HTTP API', () => {
    async function api() {
      const loaded = await loadTemplate();
      const props = loaded.props('HttpApi', 'AWS::Serverless::HttpApi');
      return { ...loaded, api: props, body: obj(props.DefinitionBody, 'DefinitionBody') };
    }

    it('throttles every route from the parameters', async () => {
      const { api: props, parameters } = await api();
      expect(props.DefaultRouteSettings).to.deep.equal({ ThrottlingBurstLimit: { Ref: 'ThrottleBurstLimit' }, ThrottlingRateLimit: { Ref: 'ThrottleRateLimit' } });
      for (const name of ['ThrottleBurstLimit', 'ThrottleRateLimit']) {
        const parameter = obj(parameters[name], name);
        expect(parameter.Type).to.equal('Number');
        expect(parameter.Default).to.be.a('number').greaterThan(0);
      }
    });

    it('defines the JWT authorizer only when JwtIssuer is set', async () => {
      const { body, conditions, template } = await api();
      expect(conditions.HasJwt).to.deep.equal({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'JwtIssuer' }, ''] }] });
      expect(dig(body, 'components', 'securitySchemes')).to.deep.equal({
        'Fn::If': [
          'HasJwt',
          {
            JwtAuthorizer: {
              type: 'oauth2',
              'x-amazon-apigateway-authorizer': {
                type: 'jwt',
                identitySource: '$request.header.Authorization',
                jwtConfiguration: { issuer: { Ref: 'JwtIssuer' }, audience: { 'Fn::Split': [',', { Ref: 'JwtAudience' }] } },
              },
            },
          },
          NO_VALUE,
        ],
      });
      expect(dig(template, 'Rules', 'JwtAudienceWithIssuer', 'RuleCondition')).to.deep.equal(conditions.HasJwt);
    });

    it('sends every route to the function, and CORS comes from the parameter without credentials', async () => {
      const { body, resources } = await api();
      expect(body['x-amazon-apigateway-cors']).to.deep.equal({
        allowOrigins: { Ref: 'CorsAllowedOrigins' },
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['content-type', 'authorization', 'x-user-id', 'idempotency-key', 'if-match'],
        exposeHeaders: ['location', 'x-request-id', 'etag', 'retry-after', 'idempotent-replayed'],
        maxAge: 600,
        allowCredentials: false,
      });
      const routes = templateRoutes(body);
      expect(routes.length).to.be.greaterThan(1);
      for (const route of routes) {
        expect(dig(route.operation, 'x-amazon-apigateway-integration'), `${route.method} ${route.path}`).to.deep.equal({
          type: 'aws_proxy',
          httpMethod: 'POST',
          uri: { 'Fn::Sub': 'arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ImageFunction.Arn}/invocations' },
          payloadFormatVersion: '2.0',
        });
      }
      const permission = obj(obj(resources.ImageFunctionApiPermission, 'ImageFunctionApiPermission').Properties, 'permission');
      expect(permission).to.deep.equal({
        Action: 'lambda:InvokeFunction',
        FunctionName: { Ref: 'ImageFunction' },
        Principal: 'apigateway.amazonaws.com',
        SourceArn: { 'Fn::Sub': 'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*' },
      });
    });

    it('allows and exposes across origins every header the service allows and exposes when it answers CORS itself, and every method it serves', async () => {
      const { body } = await api();
      const cors = obj(body['x-amazon-apigateway-cors'], 'x-amazon-apigateway-cors');
      const lower = (value: unknown, what: string) => list(value, what).map((each) => String(each).toLowerCase());
      // The Express entry point's own CORS settings, read from its source as it declares them.
      const express = await readFile(join(root, 'apps', 'express-app.ts'), 'utf8');
      const declared = (option: string): string[] => {
        const found = new RegExp(`${option}:\\s*\\[([^\\]]*)\\]`).exec(express);
        expect(found, `apps/express-app.ts declares ${option}`).to.not.equal(null);
        return [...found![1]!.matchAll(/'([^']+)'/g)].map((match) => match[1]!.toLowerCase());
      };
      const allowed = declared('allowedHeaders');
      expect(allowed).to.include.members(['idempotency-key', 'if-match']);
      expect(lower(cors.allowHeaders, 'allowHeaders')).to.include.members(allowed);
      // Write limits, and so their headers, exist only where Express serves.
      const exposed = declared('exposedHeaders').filter((name) => !name.startsWith('ratelimit'));
      expect(exposed).to.include.members(['etag', 'retry-after', 'idempotent-replayed']);
      expect(lower(cors.exposeHeaders, 'exposeHeaders')).to.include.members(exposed);

      const methods = servedOnLambda().map((route) => route.method);
      expect(list(cors.allowMethods, 'allowMethods')).to.include.members([...new Set([...methods, 'PATCH', 'OPTIONS'])]);
    });

    it('serves the gallery (GET / and its assets) without the authorizer', async () => {
      const { body } = await api();
      const routes = templateRoutes(body);
      for (const path of ['/', '/assets/{proxy+}']) {
        for (const method of ['GET', 'HEAD']) {
          const route = routes.find((each) => each.path === path && each.method === method);
          expect(route, `a ${method} ${path} route`).to.not.equal(undefined);
          expect(route!.operation.security, `${method} ${path} is public`).to.equal(undefined);
        }
      }
      expect(selectRoute(routes, 'GET', '/').path).to.equal('/');
      expect(selectRoute(routes, 'GET', '/assets/app-0123456789.js').path).to.equal('/assets/{proxy+}');
      // The app serves these very paths.
      expect(servedOnLambda().map((route) => `${route.method} ${route.path}`)).to.include.members(['GET /', 'GET /assets/:name']);
    });

    it('with the authorizer, requires a token for every write the app serves and for anything unmatched, and keeps reads public', async () => {
      const { body } = await api();
      const routes = templateRoutes(body);
      const secured = { 'Fn::If': ['HasJwt', [{ JwtAuthorizer: [] }], NO_VALUE] };
      const fallback = routes.find((route) => route.path === '$default');
      expect(fallback, 'a $default route').to.not.equal(undefined);
      expect(fallback!.operation.isDefaultRoute).to.equal(true);
      expect(fallback!.operation.security).to.deep.equal(secured);
      expect(routes.filter((route) => route !== fallback && route.operation.security !== undefined), 'only $default carries security').to.deep.equal([]);
      expect(routes.filter((route) => route !== fallback && !['GET', 'HEAD', 'OPTIONS'].includes(route.method)), 'public routes are reads or preflights').to.deep.equal([]);

      const appRoutes = servedOnLambda();
      const sample = (path: string) => path.replace(/:\w+/g, 'sample-1').replace(/\*\w+/g, 'a/b');
      const writes = appRoutes.filter((route) => route.method !== 'GET').map((route) => `${route.method} ${route.path}`);
      expect(writes).to.include.members(['POST /images', 'DELETE /images/:image_id']);

      const problems: string[] = [];
      const expectRoute = (method: string, path: string, wantSecured: boolean) => {
        const matched = selectRoute(routes, method, path);
        const isSecured = matched === fallback;
        if (isSecured !== wantSecured) problems.push(`${method} ${path} reaches ${matched.method} ${matched.path}, ${isSecured ? 'secured' : 'public'}`);
      };
      for (const route of appRoutes) expectRoute(route.method, sample(route.path), route.method !== 'GET');
      // The function answers HEAD wherever it answers GET: public alike.
      for (const route of appRoutes.filter((each) => each.method === 'GET')) expectRoute('HEAD', sample(route.path), false);
      // Spellings the app's router also accepts (case, trailing slash), and writes yet to come.
      for (const [method, path] of [['DELETE', '/IMAGES/x'], ['POST', '/images/'], ['POST', '/Images'], ['POST', '/uploads'], ['POST', '/uploads/x/complete'], ['PUT', '/images/x'], ['PATCH', '/images/x']] as const) {
        expectRoute(method, path, true);
      }
      // Preflights carry no token, so they must not meet the authorizer.
      for (const path of ['/images', '/images/x', '/uploads']) expectRoute('OPTIONS', path, false);
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });
  });

  describe('(g) the image pipeline', () => {
    async function pipeline() {
      const loaded = await loadTemplate();
      const fn = loaded.props('ProcessorFunction', 'AWS::Serverless::Function');
      const queue = loaded.props('ProcessingQueue', 'AWS::SQS::Queue');
      const deadLetters = loaded.props('ProcessingDeadLetterQueue', 'AWS::SQS::Queue');
      const variables = obj(dig(fn, 'Environment', 'Variables'), 'ProcessorFunction.Environment.Variables');
      const events = Object.values(obj(fn.Events, 'ProcessorFunction.Events')).map((event) => obj(event, 'event'));
      const ofType = (type: string): Obj[] => events.filter((event) => event.Type === type).map((event) => obj(event.Properties, `${type} event properties`));
      return { ...loaded, fn, queue, deadLetters, variables, ofType };
    }
    const minutesOfRate = (rate: unknown): number => {
      const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(String(rate));
      expect(match, `${String(rate)} is a rate() schedule`).to.not.equal(null);
      return Number(match![1]) * (match![2]!.startsWith('hour') ? 60 : 1);
    };

    it('runs its own package on Node 22 and arm64, with memory for sharp', async () => {
      const { fn } = await pipeline();
      expect(fn).to.include({ Runtime: 'nodejs22.x', Handler: 'index.handler' });
      expect(fn.Architectures).to.deep.equal(['arm64']);
      expect(resolve(dirname(templatePath), String(fn.CodeUri))).to.equal(join(root, 'dist', 'processor.zip'));
      expect(fn.MemorySize).to.be.a('number').within(1024, 1536);
      expect(fn.Timeout).to.be.a('number').within(10, 900);
    });

    it('takes the queue in batches with partial failures, at a bounded concurrency', async () => {
      const { ofType, parameters, fn } = await pipeline();
      const sqs = ofType('SQS');
      expect(sqs).to.have.length(1);
      expect(sqs[0]!.Queue).to.deep.equal({ 'Fn::GetAtt': ['ProcessingQueue', 'Arn'] });
      expect(list(sqs[0]!.FunctionResponseTypes, 'FunctionResponseTypes')).to.deep.equal(['ReportBatchItemFailures']);
      expect(sqs[0]!.BatchSize).to.be.a('number').within(1, 10);
      const maximum = dig(sqs[0], 'ScalingConfig', 'MaximumConcurrency');
      expect(maximum ?? fn.ReservedConcurrentExecutions, 'a bound on concurrent invocations').to.not.equal(undefined);
      expect(maximum).to.deep.equal({ Ref: 'ProcessorMaxConcurrency' });
      const parameter = obj(parameters.ProcessorMaxConcurrency, 'ProcessorMaxConcurrency');
      // The event source mapping refuses a maximum below 2.
      expect(parameter).to.include({ Type: 'Number' });
      expect(parameter.MinValue).to.be.at.least(2);
      expect(parameter.Default).to.be.a('number').within(Number(parameter.MinValue), Number(parameter.MaxValue));
    });

    it('has a queue that hides a message for at least 6x the function timeout, encrypted, with a dead-letter queue the function knows the count of', async () => {
      const { fn, queue, deadLetters, variables, ofType } = await pipeline();
      const batchingWindow = Number(ofType('SQS')[0]!.MaximumBatchingWindowInSeconds ?? 0);
      expect(queue.VisibilityTimeout).to.be.a('number').at.least(6 * Number(fn.Timeout) + batchingWindow);
      for (const each of [queue, deadLetters]) expect(each.SqsManagedSseEnabled === true || each.KmsMasterKeyId !== undefined, 'encrypted at rest').to.equal(true);
      // S3 cannot send to a queue under the AWS managed KMS key (its key policy cannot be changed).
      expect(queue.KmsMasterKeyId).to.not.equal('alias/aws/sqs');
      const redrive = obj(queue.RedrivePolicy, 'RedrivePolicy');
      expect(redrive.deadLetterTargetArn).to.deep.equal({ 'Fn::GetAtt': ['ProcessingDeadLetterQueue', 'Arn'] });
      expect(redrive.maxReceiveCount).to.be.a('number').at.least(5);
      expect(variables.PROCESSOR_MAX_RECEIVE_COUNT, 'the function knows which delivery is the last').to.equal(String(redrive.maxReceiveCount));
      // A moved message keeps its first enqueue time, so the dead-letter queue must keep it longer.
      expect(Number(deadLetters.MessageRetentionPeriod)).to.be.above(Number(queue.MessageRetentionPeriod ?? 345_600));
    });

    it('has the bucket tell the queue of every original created, and lets only this bucket send', async () => {
      const { props, resource } = await pipeline();
      const bucket = props('ImageBucket', 'AWS::S3::Bucket');
      expect(dig(bucket, 'NotificationConfiguration', 'QueueConfigurations')).to.deep.equal([
        { Event: 's3:ObjectCreated:*', Queue: { 'Fn::GetAtt': ['ProcessingQueue', 'Arn'] }, Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'images/' }] } } },
      ]);
      const stored = await readFile(join(root, 'core', 'use-cases', 'inspect-image.ts'), 'utf8');
      expect(stored, 'originals are stored under images/').to.match(/storageKey:\s*`images\//);
      expect(variantKey('x', 'thumb').startsWith('images/'), 'variants would queue themselves').to.equal(false);
      // S3 checks that it may send when the notification is set, so the bucket waits for the policy.
      const dependsOn = resource('ImageBucket', 'AWS::S3::Bucket').DependsOn;
      expect(Array.isArray(dependsOn) ? dependsOn : [dependsOn]).to.include('ProcessingQueuePolicy');

      const policy = props('ProcessingQueuePolicy', 'AWS::SQS::QueuePolicy');
      expect(policy.Queues).to.deep.equal([{ Ref: 'ProcessingQueue' }]);
      const statements = list(dig(policy, 'PolicyDocument', 'Statement'), 'queue policy statements');
      expect(statements).to.deep.equal([
        {
          Sid: 'ImageBucketNotifications',
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['ProcessingQueue', 'Arn'] },
          Condition: {
            // This bucket's ARN, from the very name the bucket is given.
            ArnEquals: { 'aws:SourceArn': { 'Fn::Sub': ['arn:${AWS::Partition}:s3:::${Name}', { Name: bucket.BucketName }] } },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        },
      ]);
    });

    it('has no cycle among its resources (the bucket, its notification and the queue policy included)', async () => {
      const { resources } = await pipeline();
      const names = Object.keys(resources);
      const edges = new Map<string, Set<string>>(names.map((name) => [name, new Set<string>()]));
      const collect = (from: string, value: unknown): void => {
        if (Array.isArray(value)) return value.forEach((item) => collect(from, item));
        if (!isObj(value)) return;
        const add = (to: string) => void (names.includes(to) && edges.get(from)!.add(to));
        if (typeof value.Ref === 'string') add(value.Ref);
        const getAtt = value['Fn::GetAtt'];
        if (Array.isArray(getAtt)) add(String(getAtt[0]));
        const sub = value['Fn::Sub'];
        const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? String(sub[0]) : '';
        for (const match of text.matchAll(/\$\{([^!}.]+)/g)) add(match[1]!);
        for (const child of Object.values(value)) collect(from, child);
      };
      for (const name of names) {
        const found = obj(resources[name], name);
        collect(name, found.Properties);
        for (const to of [found.DependsOn ?? []].flat()) edges.get(name)!.add(String(to));
      }
      expect([...edges.get('ImageBucket')!], 'the check sees the notification').to.include('ProcessingQueue');
      const cycles: string[] = [];
      const visit = (name: string, path: string[]): void => {
        if (path.includes(name)) return void cycles.push([...path.slice(path.indexOf(name)), name].join(' -> '));
        for (const next of edges.get(name) ?? []) visit(next, [...path, name]);
      };
      for (const name of names) visit(name, []);
      expect([...new Set(cycles)], cycles.join('\n')).to.deep.equal([]);
    });

    it('grants the processor exactly what processing needs: originals to read, variants to write, the image to update, the unfinished to find', async () => {
      const { fn } = await pipeline();
      const policies = list(fn.Policies, 'ProcessorFunction.Policies');
      expect(policies.every((policy) => isObj(policy) && Array.isArray(policy.Statement)), 'every policy is an inline document').to.equal(true);
      const statements = policies.flatMap((policy) => list(dig(policy, 'Statement'), 'Statement').map((each) => obj(each, 'statement')));
      expect(statements.every((statement) => statement.Effect === 'Allow' && statement.NotAction === undefined && statement.NotResource === undefined)).to.equal(true);
      const grants = statements.flatMap((statement) =>
        [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((resource) => `${String(action)} ${JSON.stringify(resource)}`)),
      );
      const originals = JSON.stringify({ 'Fn::Sub': '${ImageBucket.Arn}/images/*' });
      const variants = JSON.stringify({ 'Fn::Sub': `\${ImageBucket.Arn}/${variantKey('x', 'thumb').split('/')[0]}/*` });
      const table = JSON.stringify({ 'Fn::GetAtt': ['ImageTable', 'Arn'] });
      // The sparse index of images still processing (keys only) is the one the sweep reads.
      const work = tableDefinition.GlobalSecondaryIndexes.find((index) => index.Projection.ProjectionType === 'KEYS_ONLY');
      expect(work?.IndexName).to.equal('GSI3');
      const index = JSON.stringify({ 'Fn::Sub': `\${ImageTable.Arn}/index/${work!.IndexName}` });
      expect(grants).to.have.members([
        `s3:GetObject ${originals}`,
        `s3:PutObject ${variants}`,
        `s3:DeleteObject ${variants}`,
        `dynamodb:GetItem ${table}`,
        `dynamodb:PutItem ${table}`,
        `dynamodb:Query ${index}`,
      ]);
    });

    it('sweeps on a schedule, within bounds that leave the queue every delivery first and a sweep to try before giving up', async () => {
      const { fn, queue, variables, ofType } = await pipeline();
      const schedules = ofType('Schedule');
      expect(schedules).to.have.length(1);
      const every = minutesOfRate(schedules[0]!.Schedule);
      const settings = processorSettings(Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : undefined])));
      const deliveries = Number(dig(queue, 'RedrivePolicy', 'maxReceiveCount')) * Number(queue.VisibilityTimeout) * 1000;
      expect(settings.stuckAfterMs, 'the queue is done with an image before the sweep takes it').to.be.at.least(deliveries);
      expect(settings.giveUpAfterMs - settings.stuckAfterMs, 'at least one sweep processes it before one gives up').to.be.at.least(every * 60_000);
      // A failed sweep is not retried: the next comes.
      expect(dig(fn, 'EventInvokeConfig', 'MaximumRetryAttempts')).to.equal(0);
    });

    it('sets only variables apps/config.ts or the processor reads, STORAGE=aws with the stack`s bucket and table, and nothing Lambda reserves', async () => {
      const { variables } = await pipeline();
      const sources = (await readFile(join(root, 'apps', 'config.ts'), 'utf8')) + (await readFile(join(root, 'apps', 'processor', 'lambda-handler.ts'), 'utf8'));
      const read = new Set([...sources.matchAll(/\b(?:read|check|port|url|whole)(?:<[^>]*>)?\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((match) => match[1]!));
      expect([...read]).to.include.members(['STORAGE', 'S3_BUCKET_NAME', 'PROCESSOR_MAX_RECEIVE_COUNT', 'PROCESSOR_STUCK_AFTER_MINUTES']);
      expect(Object.keys(variables).filter((name) => !read.has(name)), 'set but never read').to.deep.equal([]);
      expect(variables).to.deep.include({ STORAGE: 'aws', S3_BUCKET_NAME: { Ref: 'ImageBucket' }, DYNAMODB_TABLE_NAME: { Ref: 'ImageTable' }, DYNAMODB_TIME_SHARDS: { Ref: 'TimeShards' } });
      expect(Object.keys(variables).filter((name) => LAMBDA_RESERVED.includes(name) || name.startsWith('AWS_'))).to.deep.equal([]);
      const env = { ...Object.fromEntries(Object.entries(variables).filter(([, value]) => typeof value === 'string')), S3_BUCKET_NAME: 'image-service-bucket', DYNAMODB_TABLE_NAME: 'ImageMetadata', DYNAMODB_TIME_SHARDS: '1' } as Record<string, string>;
      expect(loadConfig(env)).to.deep.include({ storage: 'aws' });
      expect(() => processorSettings(env)).to.not.throw();
      expect(() => processorSettings({ ...env, PROCESSOR_MAX_RECEIVE_COUNT: undefined }), 'the count has no default').to.throw(/PROCESSOR_MAX_RECEIVE_COUNT/);
    });
  });
});

interface TemplateRoute {
  method: string;
  path: string;
  operation: Obj;
}

const OPERATIONS: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', delete: 'DELETE', patch: 'PATCH', head: 'HEAD', options: 'OPTIONS', 'x-amazon-apigateway-any-method': 'ANY' };

function templateRoutes(body: Obj): TemplateRoute[] {
  const routes: TemplateRoute[] = [];
  for (const [path, item] of Object.entries(obj(body.paths, 'paths'))) {
    for (const [key, operation] of Object.entries(obj(item, `paths.${path}`))) {
      if (key === 'parameters') continue;
      expect(OPERATIONS[key], `operation ${key} under ${path}`).to.be.a('string');
      routes.push({ method: OPERATIONS[key]!, path, operation: obj(operation, `${key} ${path}`) });
    }
  }
  return routes;
}

/**
 * The route API Gateway picks: a route whose path matches, segment by segment and case-sensitively,
 * preferring a fixed path to one with variables, variables to a greedy {x+}, and a named
 * method to ANY; $default when none matches.
 */
function selectRoute(routes: TemplateRoute[], method: string, path: string): TemplateRoute {
  const segments = path.split('/').slice(1);
  const candidates = routes
    .filter((route) => route.path !== '$default' && (route.method === method || route.method === 'ANY'))
    .map((route) => {
      const pattern = route.path.split('/').slice(1);
      const greedy = /^\{\w+\+\}$/.test(pattern.at(-1) ?? '');
      const fixed = greedy ? pattern.slice(0, -1) : pattern;
      const segmentMatches = (want: string, got: string | undefined) => got !== undefined && got !== '' && (/^\{\w+\}$/.test(want) || want === got);
      const matches = route.path === path || (greedy
        ? segments.length > fixed.length && fixed.every((want, i) => segmentMatches(want, segments[i])) && segments.slice(fixed.length).every((s) => s !== '')
        : segments.length === fixed.length && fixed.every((want, i) => segmentMatches(want, segments[i])));
      const variables = pattern.filter((segment) => segment.startsWith('{')).length;
      return { route, matches, rank: [greedy ? 1 : 0, variables, route.method === 'ANY' ? 1 : 0] as const };
    })
    .filter((candidate) => candidate.matches)
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2]);
  const fallback = routes.find((route) => route.path === '$default');
  const chosen = candidates[0]?.route ?? fallback;
  if (chosen === undefined) throw new Error(`No route for ${method} ${path} and no $default`);
  return chosen;
}
