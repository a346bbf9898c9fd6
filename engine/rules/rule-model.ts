/**
 * Topic rules as AWS defines them [API:CreateTopicRule, TopicRulePayload]: name checks, payload validation with AWS's
 * messages, and the AWS response shapes (GetTopicRule, ListTopicRules).
 */
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../core/index.js';
import type { RuleActionJson, RuleInfo, TopicRulePayload } from '../contract/index.js';
import { SQL_VERSIONS, type SqlVersion } from './sql/index.js';

/** The engine's one local account and region, shared with the registry, security and sinks. */
export const ACCOUNT_ID = LOCAL_ACCOUNT_ID;
export const REGION = LOCAL_REGION;
/** AWS: `^[a-zA-Z0-9_]+$`, 1–128 characters. */
const RULE_NAME = /^[a-zA-Z0-9_]{1,128}$/;
/** AWS's API default when `awsIotSqlVersion` is omitted. */
export const API_DEFAULT_SQL_VERSION = '2015-10-08';
const MAX_ACTIONS = 10;
const MAX_DESCRIPTION = 2028;

export const ruleArn = (name: string) => `arn:aws:iot:${REGION}:${ACCOUNT_ID}:rule/${name}`;

export function validateRuleName(name: unknown): string {
  if (typeof name !== 'string' || !RULE_NAME.test(name)) {
    throw new EngineError('InvalidInput', `1 validation error detected: Value '${String(name)}' at 'ruleName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_]+$`);
  }
  return name;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseAction(value: unknown, where: string, known: ReadonlySet<string>): RuleActionJson {
  if (!isObject(value)) throw new EngineError('InvalidInput', `${where} must be an object with one action`);
  const keys = Object.keys(value).filter((k) => value[k] !== undefined && value[k] !== null);
  if (keys.length !== 1) throw new EngineError('InvalidInput', `${where} must name exactly one action, found ${keys.length ? keys.join(', ') : 'none'}`);
  const kind = keys[0];
  const params = value[kind];
  if (!isObject(params)) throw new EngineError('InvalidInput', `${where}.${kind} must be an object`);
  if (!known.has(kind)) throw new EngineError('InvalidInput', `${where}: the ${kind} action is not available locally (available: ${[...known].sort().join(', ')})`);
  return { [kind]: params };
}

/** Validates a topicRulePayload; unknown fields are ignored as AWS's SDKs would never send them. */
export function parsePayload(value: unknown, knownActions: ReadonlySet<string>): TopicRulePayload {
  if (!isObject(value)) throw new EngineError('InvalidInput', 'topicRulePayload must be a JSON object');
  const { sql, description, actions, ruleDisabled, awsIotSqlVersion, errorAction } = value;
  if (typeof sql !== 'string' || sql.trim() === '') throw new EngineError('InvalidInput', 'topicRulePayload.sql is required');
  if (actions === undefined || actions === null) throw new EngineError('InvalidInput', 'topicRulePayload.actions is required');
  if (!Array.isArray(actions)) throw new EngineError('InvalidInput', 'topicRulePayload.actions must be a list');
  if (actions.length > MAX_ACTIONS) throw new EngineError('InvalidInput', `A rule can have at most ${MAX_ACTIONS} actions`);
  if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > MAX_DESCRIPTION)) {
    throw new EngineError('InvalidInput', `topicRulePayload.description must be a string of at most ${MAX_DESCRIPTION} characters`);
  }
  if (ruleDisabled !== undefined && ruleDisabled !== null && typeof ruleDisabled !== 'boolean') throw new EngineError('InvalidInput', 'topicRulePayload.ruleDisabled must be a boolean');
  if (awsIotSqlVersion !== undefined && awsIotSqlVersion !== null && !(SQL_VERSIONS as readonly unknown[]).includes(awsIotSqlVersion)) {
    throw new EngineError('InvalidInput', `Unsupported awsIotSqlVersion: ${String(awsIotSqlVersion)} (use ${SQL_VERSIONS.join(' or ')})`);
  }
  const out: TopicRulePayload = {
    sql,
    actions: actions.map((a, i) => parseAction(a, `actions[${i}]`, knownActions)),
  };
  if (typeof description === 'string') out.description = description;
  if (typeof ruleDisabled === 'boolean') out.ruleDisabled = ruleDisabled;
  if (typeof awsIotSqlVersion === 'string') out.awsIotSqlVersion = awsIotSqlVersion;
  if (errorAction !== undefined && errorAction !== null) out.errorAction = parseAction(errorAction, 'errorAction', knownActions);
  return out;
}

export function sqlVersionOf(payload: TopicRulePayload): SqlVersion {
  return (payload.awsIotSqlVersion ?? API_DEFAULT_SQL_VERSION) as SqlVersion;
}

/** GetTopicRule's `rule` (createdAt in epoch seconds, as restJson1 timestamps). */
export function awsTopicRule(info: RuleInfo) {
  const rule: Record<string, unknown> = {
    ruleName: info.name,
    sql: info.sql,
    description: info.description,
    createdAt: info.createdAt / 1000,
    actions: info.actions,
    ruleDisabled: info.disabled,
    awsIotSqlVersion: info.sqlVersion,
  };
  if (info.errorAction) rule.errorAction = info.errorAction;
  return rule;
}

/** One ListTopicRules item. */
export function awsTopicRuleListItem(info: RuleInfo) {
  return { ruleArn: info.arn, ruleName: info.name, topicPattern: info.topicFilter ?? '', createdAt: info.createdAt / 1000, ruleDisabled: info.disabled };
}
