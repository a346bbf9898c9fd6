// The consumer of the critical-events stream: Lambda hands it the stream's records in batches, each shard's records
// in order. For every critical event it logs a line and appends the event's seq to its device's item in the table
// (TABLE), so the item's seqs show the order the events reached the consumer, per device.
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});

export const handler = async (event) => {
  for (const record of event.Records) {
    const device = record.kinesis.partitionKey;
    const e = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    console.log(`critical ${device} seq=${e.seq}: ${e.message}`);
    await db.send(new UpdateItemCommand({
      TableName: process.env.TABLE,
      Key: { device: { S: device } },
      UpdateExpression: 'SET seqs = list_append(if_not_exists(seqs, :none), :seq), lastMessage = :message',
      ExpressionAttributeValues: { ':none': { L: [] }, ':seq': { L: [{ N: String(e.seq) }] }, ':message': { S: String(e.message) } },
    }));
  }
};
