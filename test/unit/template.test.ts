import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument, visit } from 'yaml';
import type { CollectionTag, ScalarTag, YAMLSeq } from 'yaml';
import tableDefinition from '../../adapters/dynamodb/table-definition.json' with { type: 'json' };
import bucketCors from '../../adapters/s3/bucket-cors.json' with { type: 'json' };
import { loadConfig } from '../../apps/config.ts';
import { docRoutes } from '../../apps/http/docs.ts';
import { apiRoutes } from '../../apps/http/routes.ts';
import type { ApiDeps } from '../../apps/http/routes.ts';

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
      const parameterValue = (name: string): string => {
        const parameter = obj(parameters[name], `parameter ${name}`);
        if (name === 'PageTokenSecret') return 's'.repeat(Number(parameter.MinLength));
        return String(parameter.Default);
      };
      // What CloudFormation would substitute: a generated bucket name looks like this one.
      const refValue = (name: string): string =>
        name === 'ImageBucket' ? 'image-service-imagebucket-1x2y3z4w5v6u' : name === 'ImageTable' ? parameterValue('TableName') : parameterValue(name);
      const value = (raw: unknown): string => {
        if (typeof raw === 'string') return raw;
        if (isObj(raw) && typeof raw.Ref === 'string') return refValue(raw.Ref);
        const join = dig(raw, 'Fn::Join');
        if (Array.isArray(join) && isObj(join[1]) && typeof join[1].Ref === 'string') {
          return refValue(join[1].Ref).split(',').join(String(join[0]));
        }
        throw new Error(`No stand-in for ${JSON.stringify(raw)}`);
      };
      const env = Object.fromEntries(Object.entries(variables).map(([name, raw]) => [name, value(raw)]));
      const config = loadConfig(env);
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

    it('allows exactly the permitted actions, on exactly the bucket, its two prefixes, the table and its indexes', async () => {
      const all = await statements();
      expect(all.every((statement) => statement.Effect === 'Allow' && statement.NotAction === undefined && statement.NotResource === undefined)).to.equal(true);
      const actions = all.flatMap(actionsOf);
      expect(actions.filter((action) => action.includes('*')), 'wildcard actions').to.deep.equal([]);
      expect([...new Set(actions)].sort()).to.deep.equal([...ALLOWED_ACTIONS].sort());
      expect(actions.length, 'no action granted twice').to.equal(new Set(actions).size);

      const byPrefix = (prefix: string) => all.filter((statement) => actionsOf(statement).every((action) => action.startsWith(prefix)));
      expect(byPrefix('s3:').length + byPrefix('dynamodb:').length, 'no statement mixes services').to.equal(all.length);
      for (const statement of all) {
        const resources = resourcesOf(statement);
        if (actionsOf(statement).includes('s3:ListBucket')) {
          expect(actionsOf(statement)).to.deep.equal(['s3:ListBucket']);
          expect(resources).to.deep.equal([{ 'Fn::GetAtt': ['ImageBucket', 'Arn'] }]);
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
      expect(bucket.BucketName).to.deep.equal({ 'Fn::If': ['HasBucketName', { Ref: 'BucketName' }, NO_VALUE] });
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
        allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        allowHeaders: ['content-type', 'authorization', 'x-user-id'],
        exposeHeaders: ['location', 'x-request-id'],
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

    it('with the authorizer, requires a token for every write the app serves and for anything unmatched, and keeps reads public', async () => {
      const { body } = await api();
      const routes = templateRoutes(body);
      const secured = { 'Fn::If': ['HasJwt', [{ JwtAuthorizer: [] }], NO_VALUE] };
      const fallback = routes.find((route) => route.path === '$default');
      expect(fallback, 'a $default route').to.not.equal(undefined);
      expect(fallback!.operation.isDefaultRoute).to.equal(true);
      expect(fallback!.operation.security).to.deep.equal(secured);
      expect(routes.filter((route) => route !== fallback && route.operation.security !== undefined), 'only $default carries security').to.deep.equal([]);
      expect(routes.filter((route) => route !== fallback && route.method !== 'GET' && route.method !== 'OPTIONS'), 'public routes are reads or preflights').to.deep.equal([]);

      const served = apiRoutes({} as ApiDeps);
      const appRoutes = [...served, ...docRoutes('0.0.0', served)];
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
      // Spellings the app's router also accepts (case, trailing slash), and writes yet to come.
      for (const [method, path] of [['DELETE', '/IMAGES/x'], ['POST', '/images/'], ['POST', '/Images'], ['POST', '/uploads'], ['POST', '/uploads/x/complete'], ['PUT', '/images/x'], ['PATCH', '/images/x'], ['HEAD', '/images']] as const) {
        expectRoute(method, path, true);
      }
      // Preflights carry no token, so they must not meet the authorizer.
      for (const path of ['/images', '/images/x', '/uploads']) expectRoute('OPTIONS', path, false);
      expect(problems, problems.join('\n')).to.deep.equal([]);
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
      const matches = greedy
        ? segments.length > fixed.length && fixed.every((want, i) => segmentMatches(want, segments[i])) && segments.slice(fixed.length).every((s) => s !== '')
        : segments.length === fixed.length && fixed.every((want, i) => segmentMatches(want, segments[i]));
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
