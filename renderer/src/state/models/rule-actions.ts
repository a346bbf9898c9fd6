/**
 * The rule actions the form edits, with AWS's parameters [DG:iot-rule-actions] (the `Action` JSON of
 * CreateTopicRule). Any other action (or any action, on request) is edited as raw JSON.
 */
import type { RuleActionJson } from '../../../../engine/contract/index.js';

export interface ActionField {
  /** Dotted path inside the action's parameters (`putItem.tableName`). */
  path: string;
  label: string;
  type: 'text' | 'select' | 'boolean';
  options?: readonly string[];
  required?: boolean;
  placeholder?: string;
  /** Substitution templates (`${topic()}`) are allowed. */
  template?: boolean;
}

export interface ActionSpec {
  kind: string;
  title: string;
  fields: readonly ActionField[];
}

const role: ActionField = { path: 'roleArn', label: 'Role ARN', type: 'text', placeholder: 'arn:aws:iam::123456789012:role/iot-rule' };

export const ACTION_SPECS: readonly ActionSpec[] = [
  { kind: 'republish', title: 'Republish to a topic', fields: [
    { path: 'topic', label: 'Topic', type: 'text', required: true, template: true, placeholder: 'alerts/${topic(2)}' },
    { path: 'qos', label: 'QoS', type: 'select', options: ['', '0', '1'] }, role] },
  { kind: 'sqs', title: 'Send to an SQS queue', fields: [
    { path: 'queueUrl', label: 'Queue URL', type: 'text', required: true, placeholder: 'https://sqs.us-east-1.amazonaws.com/123456789012/my-queue' },
    { path: 'useBase64', label: 'Base64-encode the message', type: 'boolean' }, role] },
  { kind: 'sns', title: 'Publish to an SNS topic', fields: [
    { path: 'targetArn', label: 'Target ARN', type: 'text', required: true, placeholder: 'arn:aws:sns:us-east-1:123456789012:my-topic' },
    { path: 'messageFormat', label: 'Message format', type: 'select', options: ['RAW', 'JSON'] }, role] },
  { kind: 'lambda', title: 'Invoke a Lambda function', fields: [
    { path: 'functionArn', label: 'Function ARN', type: 'text', required: true, placeholder: 'arn:aws:lambda:us-east-1:123456789012:function:my-fn' }] },
  { kind: 'dynamoDBv2', title: 'Write a DynamoDB item (each field an attribute)', fields: [
    { path: 'putItem.tableName', label: 'Table name', type: 'text', required: true, template: true }, role] },
  { kind: 'kinesis', title: 'Put a Kinesis record', fields: [
    { path: 'streamName', label: 'Stream name', type: 'text', required: true },
    { path: 'partitionKey', label: 'Partition key', type: 'text', template: true, placeholder: '${newuuid()}' }, role] },
  { kind: 'firehose', title: 'Put a Firehose record', fields: [
    { path: 'deliveryStreamName', label: 'Delivery stream name', type: 'text', required: true },
    { path: 'separator', label: 'Separator', type: 'select', options: ['', '\\n', '\\t', '\\r\\n', ','] },
    { path: 'batchMode', label: 'Batch mode (output is an array of records)', type: 'boolean' }, role] },
  { kind: 's3', title: 'Write an S3 object', fields: [
    { path: 'bucketName', label: 'Bucket name', type: 'text', required: true, template: true },
    { path: 'key', label: 'Key', type: 'text', required: true, template: true, placeholder: '${topic()}/${timestamp()}' },
    { path: 'cannedAcl', label: 'Canned ACL', type: 'select', options: ['', 'private', 'public-read', 'public-read-write', 'aws-exec-read', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write'] },
    role] },
  { kind: 'cloudwatchLogs', title: 'Send to a CloudWatch log group', fields: [
    { path: 'logGroupName', label: 'Log group name', type: 'text', required: true },
    { path: 'batchMode', label: 'Batch mode (output is an array of log events)', type: 'boolean' }, role] },
  { kind: 'cloudwatchMetric', title: 'Put a CloudWatch metric', fields: [
    { path: 'metricNamespace', label: 'Namespace', type: 'text', required: true, template: true },
    { path: 'metricName', label: 'Metric name', type: 'text', required: true, template: true },
    { path: 'metricValue', label: 'Value', type: 'text', required: true, template: true, placeholder: '${temperature}' },
    { path: 'metricUnit', label: 'Unit', type: 'text', required: true, placeholder: 'None' },
    { path: 'metricTimestamp', label: 'Timestamp (Unix seconds)', type: 'text', template: true }, role] },
];

/** The address parameter of a rule being written (`+` cannot appear in a rule name). */
export const NEW_RULE = '+new';

export const SPEC_BY_KIND = new Map(ACTION_SPECS.map((s) => [s.kind, s]));

/** The one action key of an `Action` object. */
export function actionKind(action: RuleActionJson): string {
  return Object.keys(action)[0] ?? '';
}

export function getPath(params: Record<string, unknown>, path: string): unknown {
  let v: unknown = params;
  for (const part of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** A copy of `params` with `path` set, or removed when `value` is undefined (empty fields are left out, as AWS's CLI does). */
export function setPath(params: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  const out = { ...params };
  if (rest.length) {
    const child = typeof out[head] === 'object' && out[head] !== null ? (out[head] as Record<string, unknown>) : {};
    out[head] = setPath(child, rest.join('.'), value);
  } else if (value === undefined) {
    delete out[head];
  } else {
    out[head] = value;
  }
  return out;
}

/** A new action of `kind` with its defaults. */
export function newAction(kind: string): RuleActionJson {
  if (kind === 'dynamoDBv2') return { dynamoDBv2: { putItem: { tableName: '' } } };
  return { [kind]: {} };
}
