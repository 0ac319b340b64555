// A second cold-start reference for bench/lambda-cold-start.ts: the baseline's SDK clients, made
// as the service makes them, plus the two libraries the project fixes for the API (an inversify
// container as large as the service's, zod with the request schemas and one declared route), and
// nothing else of the service. The gap between this and the baseline is what those choices cost
// before any of the service's own code runs.
import { Container } from 'inversify';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { makeDynamoClients } from '../adapters/dynamodb/dynamodb-client.ts';
import { makeS3Client } from '../adapters/s3/s3-client.ts';
import * as requestShapes from '../apps/http/request-shapes.ts';
import { route } from '../apps/http/route-spec.ts';
import type { HttpRequest } from '../apps/http/types.ts';

const s3 = makeS3Client({ region: process.env.AWS_REGION ?? 'us-east-1' });
const { doc } = makeDynamoClients({ region: process.env.AWS_REGION ?? 'us-east-1' });

// The service binds 20 values and 17 factories (apps/container.ts).
const container = new Container({ defaultScope: 'Singleton' });
const tokens = Array.from({ length: 37 }, (_, i) => Symbol(`token${i}`));
tokens.slice(0, 20).forEach((token, i) => container.bind(token).toConstantValue(i));
tokens.slice(20).forEach((token) => container.bind(token).toResolvedValue((a: number, b: number) => a + b, [tokens[0]!, tokens[1]!]));

const health = route({
  method: 'GET',
  path: '/health',
  operationId: 'getHealth',
  summary: 'Liveness',
  tags: ['health'],
  answers: { 200: { description: 'Up.', schema: 'Health' } },
  handle: async () => ({ status: 200, body: { status: 'healthy', sum: container.get<number>(tokens[20]!) } }),
});

export const handler = async (): Promise<{ statusCode: number; body: string }> => {
  const answer = await health.handle({ method: 'GET', path: '/health', params: {}, query: {}, headers: {} } as unknown as HttpRequest);
  return {
    statusCode: answer.status,
    body: JSON.stringify({
      answer: answer.body,
      middleware: s3.middlewareStack.identify().length + doc.middlewareStack.identify().length,
      presigner: typeof getSignedUrl,
      schemas: Object.keys(requestShapes).length,
    }),
  };
};
