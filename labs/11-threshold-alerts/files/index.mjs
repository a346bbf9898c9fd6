// Lab 11's function: the rule hands it each reading ({"temp": 35, "device": "…"}). It reads the threshold for the
// metric "temp" from the DynamoDB table THRESHOLD_TABLE and, when the reading is above it, publishes a notification
// to the SNS topic ALERT_TOPIC_ARN. The AWS SDK v3 is the Lambda runtime's own: nothing to bundle.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

const dynamodb = new DynamoDBClient({});
const sns = new SNSClient({});

export const handler = async (event) => {
  const { Item } = await dynamodb.send(new GetItemCommand({
    TableName: process.env.THRESHOLD_TABLE,
    Key: { metric: { S: 'temp' } },
  }));
  if (!Item?.threshold?.N) {
    console.log(`no threshold for temp in ${process.env.THRESHOLD_TABLE}`);
    return { alert: false };
  }
  const threshold = Number(Item.threshold.N);
  if (typeof event.temp !== 'number' || event.temp <= threshold) {
    console.log(`${event.device}: ${event.temp} is within the threshold ${threshold}`);
    return { alert: false };
  }
  const alert = { device: event.device, temp: event.temp, threshold };
  await sns.send(new PublishCommand({ TopicArn: process.env.ALERT_TOPIC_ARN, Message: JSON.stringify(alert) }));
  console.log(`${event.device}: ${event.temp} is above the threshold ${threshold}: notified`);
  return { alert: true };
};
