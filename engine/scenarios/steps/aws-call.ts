/**
 * `aws`: one AWS API call on the target through that service's AWS SDK v3 client, so a scenario (a lab's reference
 * solution) makes what `provision` does not — SNS topics and subscriptions, SQS queues, DynamoDB tables, Kinesis
 * streams, S3 buckets — the same way on the local engine, another Thingbench and AWS:
 *
 *   - aws: { service: sns, operation: CreateTopic, input: { Name: "${TOPIC}" }, vars: { topicArn: $.TopicArn } }
 *
 * `operation` is the API's name (the SDK's command without `Command`), `input` its request as the SDK takes it,
 * `vars` sets run variables from the response by JSONPath. A refusal fails the step with the service's exception
 * (`the target 'local' refused sns Subscribe: Topic does not exist (NotFoundException)`). Nothing the call makes is
 * undone at the end of the run: put the opposite call under `cleanup:`.
 *
 * Binary members (a function's `ZipFile`, an object's `Body`) come from files beside the scenario: a string
 * `fileb://<path>` is that file's bytes, as in the AWS CLI, and `zip://<path>[,<path>…]` a zip of those files at its
 * top level (a Lambda deployment package made from the function's source, as `zip function.zip index.mjs` does).
 */
import fs from 'node:fs';
import { Agent } from 'node:https';
import { basename } from 'node:path';
import { zipSync } from 'fflate';
import { EngineError } from '../../core/index.js';
import { queryJsonPath } from '../match/jsonpath.js';
import { refusal } from '../provision/index.js';
import type { Target } from '../targets/index.js';
import { varsSchema } from './expect.js';
import { defineStep, failed, passed } from './step.js';

interface SdkModule { [name: string]: unknown }
type SdkClient = { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };
type ClientClass = new (config: Record<string, unknown>) => SdkClient;
type CommandClass = new (input: unknown) => unknown;

/** The services whose clients the engine ships (its runtime dependencies), by the CLI's service name. */
const SERVICES: Record<string, { client: string; load: () => Promise<SdkModule> }> = {
  iot: { client: 'IoTClient', load: () => import('@aws-sdk/client-iot') },
  'iot-data': { client: 'IoTDataPlaneClient', load: () => import('@aws-sdk/client-iot-data-plane') },
  sns: { client: 'SNSClient', load: () => import('@aws-sdk/client-sns') },
  sqs: { client: 'SQSClient', load: () => import('@aws-sdk/client-sqs') },
  dynamodb: { client: 'DynamoDBClient', load: () => import('@aws-sdk/client-dynamodb') },
  kinesis: { client: 'KinesisClient', load: () => import('@aws-sdk/client-kinesis') },
  lambda: { client: 'LambdaClient', load: () => import('@aws-sdk/client-lambda') },
  logs: { client: 'CloudWatchLogsClient', load: () => import('@aws-sdk/client-cloudwatch-logs') },
  firehose: { client: 'FirehoseClient', load: () => import('@aws-sdk/client-firehose') },
  iam: { client: 'IAMClient', load: () => import('@aws-sdk/client-iam') },
  cloudwatch: { client: 'CloudWatchClient', load: () => import('@aws-sdk/client-cloudwatch') },
  s3: { client: 'S3Client', load: () => import('@aws-sdk/client-s3') },
};

export interface AwsCallArgs {
  service: string;
  operation: string;
  input?: Record<string, unknown>;
  vars?: Record<string, string>;
}

function clientFor(target: Target, service: string, Client: ClientClass): SdkClient {
  const aws = target.aws;
  if (!aws) throw new EngineError('InvalidInput', `the target '${target.name}' (${target.kind}) has no AWS endpoint to call ${service} on`);
  return new Client({
    region: aws.region,
    credentials: aws.credentials,
    // The IoT data plane has its own endpoint on AWS (`<prefix>-ats.iot.<region>.amazonaws.com`).
    ...((service === 'iot-data' ? aws.dataEndpoint ?? aws.endpoint : aws.endpoint) ? { endpoint: service === 'iot-data' ? aws.dataEndpoint ?? aws.endpoint : aws.endpoint } : {}),
    // Another Thingbench answers S3 at its one endpoint, path-style.
    ...(service === 's3' && aws.endpoint ? { forcePathStyle: true } : {}),
    maxAttempts: 3,
    ...(aws.ca ? { requestHandler: { httpsAgent: new Agent({ ca: aws.ca, keepAlive: true }) } } : {}),
  });
}

/** The input with `fileb://` and `zip://` strings replaced by the bytes they name (see the header). */
export function withFileContents(value: unknown, resolvePath: (p: string) => string): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('fileb://')) return readInput(resolvePath(value.slice('fileb://'.length)));
    if (value.startsWith('zip://')) {
      const files = value.slice('zip://'.length).split(',').filter(Boolean).map(resolvePath);
      return zipSync(Object.fromEntries(files.map((f) => [basename(f), readInput(f)])));
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => withFileContents(v, resolvePath));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withFileContents(v, resolvePath)]));
  return value;
}

function readInput(file: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new EngineError('InvalidInput', `the file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export const awsCallStep = defineStep<AwsCallArgs>({
  name: 'aws',
  summary: "One AWS API call on the target through the service's AWS SDK v3 client (SNS, SQS, DynamoDB, Kinesis, S3, …), with variables from its response.",
  needs: ['controlPlane'],
  schema: {
    type: 'object',
    required: ['service', 'operation'],
    additionalProperties: false,
    properties: {
      service: { enum: Object.keys(SERVICES), description: 'The service, as the AWS CLI names it.' },
      operation: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$', description: 'The API operation (CreateTopic, Subscribe, CreateQueue, …).' },
      input: { type: 'object', description: "The operation's request, member names as the AWS SDK v3 takes them." },
      vars: { ...varsSchema, description: 'Variables set from the response: { name: $.path } (JSONPath).' },
    },
  },
  async run(ctx, args) {
    const service = SERVICES[args.service];
    const sdk = await service.load();
    const Command = sdk[`${args.operation}Command`] as CommandClass | undefined;
    if (typeof Command !== 'function') return failed(`${args.service} has no operation ${args.operation} in its AWS SDK v3 client`);
    const client = clientFor(ctx.target, args.service, sdk[service.client] as ClientClass);
    const what = `${args.service} ${args.operation}`;
    let out: Record<string, unknown>;
    let input: unknown;
    try {
      input = withFileContents(args.input ?? {}, (p) => ctx.resolvePath(p));
    } catch (e) {
      client.destroy();
      return failed(`${what}: ${(e as Error).message}`);
    }
    try {
      out = await client.send(new Command(input));
    } catch (e) {
      return failed(refusal(ctx.target, what, e).message);
    } finally {
      client.destroy();
    }
    const { $metadata: _, ...response } = out;
    const missing: string[] = [];
    for (const [name, path] of Object.entries(args.vars ?? {})) {
      const found = path === '$' ? [response] : queryJsonPath(response, path);
      if (found.length === 0) missing.push(`${name} (${path})`);
      else ctx.vars.set(name, found[0]);
    }
    if (missing.length) return failed(`the response of ${what} has nothing for ${missing.join(', ')}: ${JSON.stringify(response).slice(0, 300)}`);
    const set = Object.keys(args.vars ?? {}).map((k) => `${k}=${JSON.stringify(ctx.vars.get(k))}`);
    return passed(set.length ? `${what}: ${set.join(', ')}` : what);
  },
});
