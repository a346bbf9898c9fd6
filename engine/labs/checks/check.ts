/**
 * The shape of a check kind. One file per kind under `engine/labs/checks/`, registered in `checks/index.ts`; its
 * `schema` is composed into `schemas/lab.schema.json`. A check looks only at the result (never at how the attendee
 * reached it), reading the target through the AWS SDK v3 clients made from `Target.aws` and the lab's observer MQTT
 * connection, so it runs the same on the local engine, another Thingbench and AWS. A `localOnly` kind reads the engine
 * contract (`Target.api`) and is skipped, with the reason, on other targets.
 */
import type { JsonSchema } from '../../scenarios/index.js';
import type { Target } from '../../scenarios/index.js';
import type { AwsClients } from './clients.js';
import type { ObservedMessage } from './observed.js';

export type CheckStatus = 'done' | 'missing' | 'waiting' | 'skipped';

export interface CheckResult {
  status: CheckStatus;
  /** One sentence naming what was found ("the thing l01-alice-ratchet has no attached principal"). */
  reason: string;
}

/** What a check reads the target through. */
export interface CheckContext {
  target: Target;
  clients: AwsClients;
  /**
   * The messages seen on `filter` since the lab started (or since the watch started, remotely), oldest first: the
   * observer connection's, and locally the engine's capture (which keeps each publisher's client id).
   */
  messages(filter: string): Promise<ObservedMessage[]>;
  /** Epoch ms when the lab started (message checks with `since: start`). */
  since: number;
  /** Epoch ms when this check round started. */
  now: number;
}

export interface CheckKind<A = any> {
  kind: string;
  summary: string;
  /** JSON Schema of the arguments (strings may hold `${NAME}` variables, checked once interpolated). */
  schema: JsonSchema;
  /** Reads the engine contract: skipped on targets without `api`. */
  localOnly: boolean;
  /** Problems its schema cannot express, found when the lab loads (one sentence each). */
  problems?(args: A): string[];
  /** Topic filters the observer connection must subscribe to for this check (message and event checks). */
  filters?(args: A): string[];
  check(ctx: CheckContext, args: A): Promise<CheckResult>;
}

export const done = (reason: string): CheckResult => ({ status: 'done', reason });
export const missing = (reason: string): CheckResult => ({ status: 'missing', reason });
export const waiting = (reason: string): CheckResult => ({ status: 'waiting', reason });

export const defineCheck = <A>(k: CheckKind<A>): CheckKind<A> => k;

/** `a, b and c`. */
export function listText(items: readonly string[], none = 'none'): string {
  if (!items.length) return none;
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
