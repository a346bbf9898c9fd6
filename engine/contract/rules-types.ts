/** Rules engine shapes shared by the engine and the renderer (AWS IoT's `topicRulePayload` JSON, epoch-ms times). */

import type { MessageProperties } from './types.js';

/** One AWS `Action` object: a single key naming the action, e.g. `{ "republish": { "topic": "out", "roleArn": "…" } }`. */
export type RuleActionJson = Record<string, Record<string, unknown>>;

/** AWS's `TopicRulePayload`, as CreateTopicRule and ReplaceTopicRule take it. */
export interface TopicRulePayload {
  sql: string;
  description?: string;
  actions: RuleActionJson[];
  ruleDisabled?: boolean;
  /** `2015-10-08` (AWS's default when omitted) or `2016-03-23`. */
  awsIotSqlVersion?: string;
  errorAction?: RuleActionJson;
}

/** A rule as the engine holds it. */
export interface RuleInfo {
  name: string;
  arn: string;
  sql: string;
  description: string;
  actions: RuleActionJson[];
  errorAction: RuleActionJson | null;
  disabled: boolean;
  sqlVersion: string;
  /** FROM's topic filter (null when the rule only receives Basic Ingest messages). */
  topicFilter: string | null;
  /** Epoch ms. */
  createdAt: number;
  /** Where the rule comes from: the API (stored in the database) or a file in `<dataDir>/rules`. */
  source: 'api' | 'file';
  file?: string;
}

/** Counters since the engine started (or the rule was created). */
export interface RuleMetrics {
  rule: string;
  /** Messages whose topic reached the rule (FROM matched, or Basic Ingest). */
  evaluated: number;
  /** Messages for which WHERE was true. */
  matched: number;
  actionsSucceeded: number;
  actionsFailed: number;
  /** Evaluation errors plus action failures. */
  errors: number;
  /** Messages whose actions were dropped because the rule's queue was full. */
  dropped: number;
  errorActionsSucceeded: number;
  errorActionsFailed: number;
  /** Epoch ms of the last match, or null. */
  lastMatchAt: number | null;
  lastError: { time: number; traceId: string; message: string } | null;
}

export type RuleNoMatchReason = 'topic' | 'where-false' | 'where-undefined' | 'where-not-boolean';

/** What one action did for one message. */
export interface RuleActionOutcome {
  traceId: string;
  /**
   * Index in the rule's actions; -1 for the errorAction, -2 when the message's actions were dropped (the rule's queue
   * was full), -3 when the rule was not evaluated because its own republishes loop (kind `loop`, see `error`).
   */
  index: number;
  kind: string;
  ok: boolean;
  error?: string;
  detail?: Record<string, unknown>;
  time: number;
}

/** One rule evaluation of one message (the UI's trace), newest first in `rules.trace`. */
export interface RuleEvaluation {
  traceId: string;
  /** The captured message's id (`broker.message(id)`): the same message in the message history. */
  messageId: number;
  time: number;
  rule: string;
  topic: string;
  clientId: string | null;
  matched: boolean;
  /**
   * Why the rule did not fire; `error` when evaluation threw (then see `error`); `loop` when the message came from
   * the rule's own republishes too many rounds in a row (republish loop protection, see `error`).
   */
  reason?: RuleNoMatchReason | 'error' | 'loop';
  error?: string;
  /**
   * For `where-false`, `where-undefined` and `where-not-boolean` when asked by `messageId`: the part of WHERE that
   * decided (the first AND term that was not true, or the whole condition), as SQL text, with its value.
   */
  condition?: { text: string; value: string };
  /** The output payload (UTF-8 text, or base64 when not text), truncated to 2 KiB. */
  output?: string;
  outputEncoding?: 'utf8' | 'base64';
  /** Filled in as the actions finish. */
  actions: RuleActionOutcome[];
}

export interface RuleTraceQuery {
  rule?: string;
  traceId?: string;
  /** Only the evaluations of this captured message (its id in the message history); adds `condition` to misses. */
  messageId?: number;
  /** Include `topic` non-matches (default false: only rules whose FROM matched). */
  includeTopicMisses?: boolean;
  limit?: number;
}

export interface RuleTestInput {
  sql: string;
  topic: string;
  payload: string;
  encoding?: 'utf8' | 'base64';
  clientId?: string;
  awsIotSqlVersion?: string;
  /** The sample message's MQTT 5 properties, for `get_user_properties()` and `get_mqtt_property()`. */
  properties?: MessageProperties;
}

export interface RuleDiagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  offset: number;
  length: number;
  line: number;
  column: number;
  expected?: string[];
}

export type RuleTestResult =
  | { ok: true; matched: true; output: string; outputEncoding: 'utf8' | 'base64'; diagnostics: RuleDiagnostic[] }
  | { ok: true; matched: false; reason: RuleNoMatchReason; diagnostics: RuleDiagnostic[] }
  | { ok: false; error?: string; diagnostics: RuleDiagnostic[] };

/** Emitted at most twice a second while rules are evaluating: what changed since the previous event. */
export interface RulesEvaluated {
  /** Epoch ms of the first and last evaluation in this batch. */
  from: number;
  to: number;
  /** Per rule: evaluations, matches and failed actions in this batch. */
  counts: Record<string, { evaluated: number; matched: number; actionsFailed: number }>;
  /** The newest evaluations of the batch (at most 20). */
  latest: RuleEvaluation[];
}
