/**
 * The contract between the rules service and each rule action (one file per action under this folder).
 * An action is built once per rule from its AWS `Action` JSON (e.g. `{ "sqs": { "queueUrl": …, "roleArn": … } }`),
 * then invoked once per matching message.
 */
import type { OutgoingMessage } from '../../broker/index.js';
import type { Lineage } from '../republish-loop.js';
import type { SinkWriter } from './sink-writer.js';

/** What an action receives for one message that matched its rule. */
export interface ActionInput {
  /** The rule's output serialized as AWS does (JSON bytes, or the original bytes for a pass-through binary payload). */
  payload: Buffer;
  /** The SELECT output as a value (object, string, number, …) for actions that need fields (dynamoDBv2, cloudwatchMetric). */
  output: unknown;
  /** Evaluates one `${…}` substitution template of this action's parameters for this message. */
  substitute(template: string): string;
  ruleName: string;
  topic: string;
  clientId: string | null;
  traceId: string;
  /** Epoch ms the message reached the rules engine. */
  timestamp: number;
  /** The rules whose republishes produced this message, oldest first (loop protection); absent or empty for a device's publish. */
  lineage?: Lineage;
}

/** Result of one invocation; a failure goes to the rule's errorAction with AWS's error payload. */
export type ActionResult = { ok: true; detail?: Record<string, unknown> } | { ok: false; error: string; detail?: Record<string, unknown> };

export interface RuleAction {
  /** AWS's action key: `republish`, `sqs`, `kinesis`, `lambda`, … */
  readonly kind: string;
  invoke(input: ActionInput): Promise<ActionResult>;
  /** Releases workers, timers, files. */
  dispose?(): void;
}

/** Builds an action from the parameters under its AWS key; throws EngineError('InvalidInput') for bad parameters. */
export type ActionFactory = (params: Record<string, unknown>, deps: ActionDeps) => RuleAction;

/**
 * What actions may use, passed by the rules service as narrow ports. Actions register their factories in
 * `registry.ts` (one line per action); a sink action in an engine without sinks is rejected at rule creation.
 */
export interface ActionDeps {
  /** Publishes through the broker; a lineage travels with the message, so the rules know it as a republish of those rules. */
  publish(msg: OutgoingMessage, lineage?: Lineage): Promise<void>;
  /** Local functions in `<dataDir>/functions` (the lambda action). */
  functions: FunctionInvoker;
  /** The local sinks (queues, topics, streams, delivery streams, tables, CloudWatch) the sink actions write to. */
  sinks?: SinkWriter;
  /** The local S3 the `s3` action writes objects to (engine/objects satisfies it). */
  objects?: ObjectWriter;
}

/** `s3`: PutObject; rejects with S3's error (NoSuchBucket, a bad key) when the object cannot be stored. */
export interface ObjectWriter {
  put(bucket: string, key: string, body: Uint8Array): Promise<unknown>;
}

/** The local functions the `lambda` action invokes (engine/functions satisfies it). */
export interface FunctionInvoker {
  /** Resolves a function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`) or bare name; throws InvalidInput. */
  resolveName(functionArn: string): string;
  /** Invokes a function with an event; resolves with its result or the reason it failed (never rejects). */
  invoke(name: string, event: unknown, opts?: { traceId?: string; ruleName?: string }): Promise<FunctionResult>;
}

export type FunctionResult = { ok: true; result: unknown; durationMs: number } | { ok: false; error: string; kind: FunctionErrorKind; durationMs: number };
export type FunctionErrorKind = 'NotFound' | 'Threw' | 'Timeout' | 'OutOfMemory' | 'Crashed' | 'Busy';
