/**
 * `aws`: one AWS API call on the target through that service's AWS SDK v3 client, so a scenario (a lab's reference
 * solution) makes what `provision` does not — SNS topics and subscriptions, SQS queues, DynamoDB tables, Kinesis
 * streams, S3 buckets — the same way on the local engine, another Thingbench and AWS:
 *
 *   - aws: { service: sns, operation: CreateTopic, input: { Name: "${TOPIC}" }, vars: { topicArn: $.TopicArn } }
 *
 * `operation` is the API's name (the SDK's command without `Command`), `input` its request as the SDK takes it,
 * `vars` sets run variables from the response by JSONPath. A run with tags (a lab's) adds them to a request that takes
 * tags at creation (`provision/creation-tags.ts`). A refusal fails the step with the service's exception
 * (`the target 'local' refused sns Subscribe: Topic does not exist (NotFoundException)`). Nothing the call makes is
 * undone at the end of the run: put the opposite call under `cleanup:`.
 *
 * `until` repeats the call until its response matches (the `json`, `where`, `regex`, `schema` and `payload` of `expect`,
 * over the response as JSON: dates as ISO text, bytes as base64), for state that settles on its own on any target —
 * a stream ACTIVE, a delivered object listed, the item a function wrote:
 *
 *   - aws: { service: dynamodb, operation: GetItem, input: { TableName: "${TABLE}", Key: { id: { S: a } } },
 *            until: { json: { Item: { seen: { N: "3" } } } }, within: 30s }
 *
 * It calls again after 250 ms, then less often (up to every 2 s), for `within` (default 30 s) of real time; a refusal
 * that says the resource is not there or not ready yet (`ResourceNotFoundException`, `ResourceInUseException`, …) is
 * called again too. When the window ends the step fails with the last response (or refusal). `vars` read the response
 * that matched.
 *
 * `reuse: true` passes the step when the target refuses because the resource already exists
 * (`EntityAlreadyExistsException`, `ResourceAlreadyExistsException`, …): what an earlier run made is reused, as a
 * guide's `aws iam get-role … || aws iam create-role …` does. `vars` are then not set.
 *
 *   - aws: { service: iam, operation: CreateRole, input: { RoleName: "${ROLE}", AssumeRolePolicyDocument: "…" }, reuse: true }
 *
 * Binary members (a function's `ZipFile`, an object's `Body`) come from files beside the scenario: a string
 * `fileb://<path>` is that file's bytes, as in the AWS CLI (`file://<path>` its text: a policy document), and `zip://<path>[,<path>…]` a zip of those files at its
 * top level (a Lambda deployment package made from the function's source, as `zip function.zip index.mjs` does).
 *
 * In a converging run (a lab's `solve`), a Create call refused because its resource exists is brought to the step's
 * definition or reused, and the step says which (`aws-converge.ts`).
 *
 * A streamed response member (an S3 object's `Body`) is read whole. `vars` read into bytes that hold a JSON document
 * (that `Body`, a Lambda `Invoke`'s `Payload`) as that document, so a signing job's output gives its parts:
 *
 *   - aws: { service: s3, operation: GetObject, input: { Bucket: b, Key: "${signedKey}" }, vars: { signature: $.Body.signature } }
 */
import fs from 'node:fs';
import { Agent } from 'node:https';
import { basename } from 'node:path';
import { zipSync } from 'fflate';
import { EngineError } from '../../core/index.js';
import { queryJsonPath } from '../match/jsonpath.js';
import { compileMatcher, matchProblems, matchSchemaProperties, type MatchSpec } from '../match/matchers.js';
import { refusal, withCreationTags } from '../provision/index.js';
import type { Target } from '../targets/index.js';
import { durationMs, durationSchema } from './args.js';
import { convergence } from './aws-converge.js';
import { varsSchema } from './expect.js';
import { defineStep, failed, passed, type SeenMessage } from './step.js';

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
  signer: { client: 'SignerClient', load: () => import('@aws-sdk/client-signer') },
};

export interface AwsCallArgs {
  service: string;
  operation: string;
  input?: Record<string, unknown>;
  vars?: Record<string, string>;
  /** Call again until the response matches (see the header). */
  until?: MatchSpec;
  /** How long `until` keeps calling (default 30 s, real time). */
  within?: number | string;
  /** A refusal saying the resource already exists passes the step (see the header). */
  reuse?: boolean;
}

export const DEFAULT_UNTIL_MS = 30_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 2_000;
/** Refusals that mean "not there or not ready yet": `until` calls again. */
const NOT_YET = /NotFound|NoSuch|NonExistent|DoesNotExist|InUse|NotReady|Pending|Throttl|TooManyRequests|ResourceConflict/;
/** Refusals that mean "it exists already": `reuse` passes the step. */
const EXISTS = /AlreadyExists|AlreadyOwnedByYou/;

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
    if (value.startsWith('file://')) return Buffer.from(readInput(resolvePath(value.slice('file://'.length)))).toString('utf8');
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
      until: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        description: "Call again until the response (as JSON) matches: expect's json, where, regex, schema or payload.",
        properties: matchSchemaProperties,
      },
      within: { ...durationSchema, description: 'How long `until` keeps calling (default 30s, real time).' },
      reuse: { type: 'boolean', description: 'A refusal saying the resource already exists (EntityAlreadyExists, ResourceAlreadyExists, …) passes the step: what an earlier run made is reused.' },
    },
  },
  check(args) {
    if (args.within !== undefined && args.until === undefined) return ['aws: within applies only with until'];
    if (args.reuse && args.until !== undefined) return ['aws: reuse applies only without until'];
    if (args.until === undefined || JSON.stringify(args.until).includes('${')) return [];
    return matchProblems(args.until).map((p) => `aws until: ${p}`);
  },
  async run(ctx, args) {
    const service = SERVICES[args.service];
    const sdk = await service.load();
    const Command = sdk[`${args.operation}Command`] as CommandClass | undefined;
    if (typeof Command !== 'function') return failed(`${args.service} has no operation ${args.operation} in its AWS SDK v3 client`);
    const client = clientFor(ctx.target, args.service, sdk[service.client] as ClientClass);
    const what = `${args.service} ${args.operation}`;
    let input: unknown;
    try {
      input = withCreationTags(args.service, args.operation, withFileContents(args.input ?? {}, (p) => ctx.resolvePath(p)), ctx.tags);
    } catch (e) {
      client.destroy();
      return failed(`${what}: ${(e as Error).message}`);
    }
    let response: Record<string, unknown>;
    let after = '';
    try {
      if (!args.until) {
        try {
          response = await readStreams(withoutMetadata(await client.send(new Command(input))));
        } catch (e) {
          const converge = ctx.converge ? convergence(args.service, args.operation, e) : undefined;
          if (!converge) {
            if (args.reuse && EXISTS.test((e as { name?: string }).name ?? '')) return passed(`${what}: it exists already, reused`);
            return failed(refusal(ctx.target, what, e).message);
          }
          let operation = args.operation;
          const call = async (op: string, inp: Record<string, unknown>) => {
            operation = op;
            const Other = sdk[`${op}Command`] as CommandClass;
            return withoutMetadata(await client.send(new Other(inp)));
          };
          try {
            const done = await converge(call, input as Record<string, unknown>);
            response = done.response;
            after = ` (it existed: ${done.outcome})`;
          } catch (e2) {
            return failed(`${what}: it exists already and could not be brought to this definition: ${refusal(ctx.target, `${args.service} ${operation}`, e2).message}`);
          }
        }
      } else {
        const windowMs = args.within === undefined ? DEFAULT_UNTIL_MS : durationMs(args.within, 'aws within');
        let outcome: UntilOutcome;
        try {
          outcome = await callUntil(async () => readStreams(await client.send(new Command(input))), args.until, windowMs, ctx.signal);
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          return failed(refusal(ctx.target, what, e).message);
        }
        if (!outcome.matched) {
          const last = outcome.error ? refusal(ctx.target, what, outcome.error).message : asJson(outcome.last);
          const seen: SeenMessage = { topic: what, payload: last, qos: 0, retain: false, at: ctx.clock.elapsed() };
          return failed(`${what} did not answer what was expected within ${outcome.ms} ms (${outcome.calls} call${outcome.calls === 1 ? '' : 's'}); the last ${outcome.error ? 'refusal' : 'response'}: ${last.slice(0, 300)}`, {
            expected: { ...args.until, within: `${outcome.ms} ms` },
            seen: [seen],
          });
        }
        response = outcome.last!;
        after = ` (as expected after ${outcome.calls} call${outcome.calls === 1 ? '' : 's'})`;
      }
    } finally {
      client.destroy();
    }
    const missing: string[] = [];
    const view = args.vars ? withJsonBytesParsed(response) as Record<string, unknown> : response;
    for (const [name, path] of Object.entries(args.vars ?? {})) {
      const found = path === '$' ? [view] : queryJsonPath(view, path);
      if (found.length === 0) missing.push(`${name} (${path})`);
      else ctx.vars.set(name, found[0]);
    }
    if (missing.length) return failed(`the response of ${what} has nothing for ${missing.join(', ')}: ${JSON.stringify(response).slice(0, 300)}`);
    const set = Object.keys(args.vars ?? {}).map((k) => `${k}=${JSON.stringify(ctx.vars.get(k))}`);
    return passed(`${set.length ? `${what}: ${set.join(', ')}` : what}${after}`);
  },
});

/** The response without the SDK's `$metadata`. */
function withoutMetadata(out: Record<string, unknown>): Record<string, unknown> {
  const { $metadata: _, ...response } = out;
  return response;
}

/** The response with streamed members (an S3 object's `Body`) read into bytes. */
async function readStreams(out: Record<string, unknown>): Promise<Record<string, unknown>> {
  for (const [k, v] of Object.entries(out)) {
    const stream = v as { transformToByteArray?: () => Promise<Uint8Array> } | null;
    if (typeof stream?.transformToByteArray === 'function') out[k] = await stream.transformToByteArray();
  }
  return out;
}

/** The value with each bytes member that holds a JSON object or list replaced by it (what `vars` read). */
function withJsonBytesParsed(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value).toString('utf8').trim();
    if (!text.startsWith('{') && !text.startsWith('[')) return value;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(withJsonBytesParsed);
  if (value && typeof value === 'object' && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withJsonBytesParsed(v)]));
  return value;
}

/** A response as JSON text, as `until` matches it: dates as ISO text, bytes as base64. */
function asJson(response: unknown): string {
  return JSON.stringify(response, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = this[k];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : v;
  });
}

interface UntilOutcome {
  matched: boolean;
  /** The last response (the matching one when `matched`). */
  last?: Record<string, unknown>;
  /** The last refusal, when the last call was refused. */
  error?: unknown;
  calls: number;
  ms: number;
}

/**
 * Calls `send` until its response matches `until` or `ms` of real time have passed (an AWS call's state moves on
 * wall time, whatever the run's clock), waiting 250 ms after the first call and half as long again after each
 * (at most 2 s). A refusal other than "not there or not ready yet" is thrown.
 */
async function callUntil(send: () => Promise<Record<string, unknown>>, until: MatchSpec, ms: number, signal: AbortSignal): Promise<UntilOutcome> {
  const matcher = compileMatcher(until);
  const end = Date.now() + ms;
  let delay = FIRST_RETRY_MS;
  const out: UntilOutcome = { matched: false, calls: 0, ms };
  for (;;) {
    signal.throwIfAborted();
    out.calls++;
    try {
      out.last = withoutMetadata(await send());
      out.error = undefined;
      if (matcher.test(asJson(out.last))) return { ...out, matched: true };
    } catch (e) {
      if (!NOT_YET.test((e as { name?: string }).name ?? '')) throw e;
      out.error = e;
    }
    const left = end - Date.now();
    if (left <= 0) return out;
    await pause(Math.min(left, delay), signal);
    delay = Math.min(MAX_RETRY_MS, Math.round(delay * 1.5));
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
