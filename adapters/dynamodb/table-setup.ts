import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { orUnavailable } from './dynamodb-errors.ts';
import definition from './table-definition.json' with { type: 'json' };

// The same file feeds `awslocal dynamodb create-table --cli-input-json`, so it has no name.
const tableDefinition = definition as Omit<CreateTableCommandInput, 'TableName'>;

const errorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

/**
 * Creates the table when it is missing and waits until it is ACTIVE. Safe to run at every
 * start, from several processes at once, against any DynamoDB-compatible endpoint.
 * @throws DomainError `unavailable`
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await orUnavailable(createUnlessPresent(client, tableName));
  await orUnavailable(waitUntilTableExists({ client, minDelay: 1, maxWaitTime: 120 }, { TableName: tableName }));
}

async function createUnlessPresent(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand({ ...tableDefinition, TableName: tableName }));
  } catch (error) {
    // Another process created it between our describe and create: the outcome we wanted.
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
}
