/**
 * The AWS SDK v3 clients a lab reads and cleans its target through, made lazily from `Target.aws` (the engine's own
 * HTTP endpoint locally, AWS's regional endpoints on AWS) and released together. A failed call becomes one sentence
 * naming the operation (`refusal`), never a stack trace.
 */
import { Agent } from 'node:https';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { IAMClient } from '@aws-sdk/client-iam';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EngineError } from '../../core/index.js';
import { refusal, type Target } from '../../scenarios/index.js';

interface Destroyable { destroy(): void }

export class AwsClients {
  private readonly made = new Map<string, Destroyable>();

  constructor(readonly target: Target) {}

  private config(service: string, endpoint?: string) {
    const aws = this.target.aws;
    if (!aws) throw new EngineError('InvalidInput', `the target '${this.target.name}' (${this.target.kind}) has no AWS APIs to read ${service} through`);
    return {
      region: aws.region,
      credentials: aws.credentials,
      ...(endpoint ?? aws.endpoint ? { endpoint: endpoint ?? aws.endpoint } : {}),
      maxAttempts: 2,
      ...(aws.ca ? { requestHandler: { httpsAgent: new Agent({ ca: aws.ca, keepAlive: true }) } } : {}),
    };
  }

  private get<T extends Destroyable>(key: string, make: () => T): T {
    let c = this.made.get(key) as T | undefined;
    if (!c) {
      c = make();
      this.made.set(key, c);
    }
    return c;
  }

  iot = () => this.get('iot', () => new IoTClient(this.config('AWS IoT')));
  iotData = () => this.get('iotData', () => new IoTDataPlaneClient(this.config('the IoT data plane', this.target.aws?.dataEndpoint)));
  sqs = () => this.get('sqs', () => new SQSClient(this.config('SQS')));
  sns = () => this.get('sns', () => new SNSClient(this.config('SNS')));
  dynamodb = () => this.get('dynamodb', () => new DynamoDBClient(this.config('DynamoDB')));
  kinesis = () => this.get('kinesis', () => new KinesisClient(this.config('Kinesis')));
  firehose = () => this.get('firehose', () => new FirehoseClient(this.config('Firehose')));
  // Path-style: a local endpoint has no per-bucket host names.
  s3 = () => this.get('s3', () => new S3Client({ ...this.config('S3'), forcePathStyle: this.target.kind !== 'aws' }));
  logs = () => this.get('logs', () => new CloudWatchLogsClient(this.config('CloudWatch Logs')));
  lambda = () => this.get('lambda', () => new LambdaClient(this.config('Lambda')));
  iam = () => this.get('iam', () => new IAMClient(this.config('IAM')));

  /** Sends one command; a failure becomes one sentence naming `operation`. */
  async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      throw refusal(this.target, operation, e);
    }
  }

  /** The command's result, or undefined when the target says the resource does not exist. */
  async find<T>(operation: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await send();
    } catch (e) {
      const name = (e as { name?: string }).name ?? '';
      if (/NotFound|NoSuch|NonExistent|DoesNotExist/.test(name)) return undefined;
      throw refusal(this.target, operation, e);
    }
  }

  destroy(): void {
    for (const c of this.made.values()) c.destroy();
    this.made.clear();
  }
}
