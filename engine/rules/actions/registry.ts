/**
 * Every rule action, by AWS's action key in the `Action` JSON. One line per action; a key not listed here is
 * rejected at rule creation (`InvalidRequestException`).
 */
import type { ActionFactory } from './action.js';
import { republishAction } from './republish.js';
import { lambdaAction } from './lambda.js';
import { sqsAction } from './sqs.js';
import { snsAction } from './sns.js';
import { kinesisAction } from './kinesis.js';
import { firehoseAction } from './firehose.js';
import { dynamoDBAction } from './dynamodb.js';
import { dynamoDBv2Action } from './dynamodbv2.js';
import { cloudwatchMetricAction } from './cloudwatch-metric.js';
import { cloudwatchLogsAction } from './cloudwatch-logs.js';
import { cloudwatchAlarmAction } from './cloudwatch-alarm.js';
import { s3Action } from './s3.js';

export const actionFactories: Record<string, ActionFactory> = {
  republish: republishAction,
  lambda: lambdaAction,
  sqs: sqsAction,
  sns: snsAction,
  kinesis: kinesisAction,
  firehose: firehoseAction,
  dynamoDB: dynamoDBAction,
  dynamoDBv2: dynamoDBv2Action,
  cloudwatchMetric: cloudwatchMetricAction,
  cloudwatchLogs: cloudwatchLogsAction,
  cloudwatchAlarm: cloudwatchAlarmAction,
  s3: s3Action,
};
