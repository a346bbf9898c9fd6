/**
 * AWS IoT policy documents: validation (what `CreatePolicy` accepts) and compilation into `Statement`s.
 *
 * Rules from [DG:iot-policies] and the service limits: JSON object with `Statement` (object or array); each statement
 * has `Effect` Allow|Deny, `Action`|`NotAction` and `Resource`|`NotResource` (string or array), optional `Condition`;
 * actions must be IoT data-plane actions (`iot:*` wildcards allowed when they match one); at most 2048 characters
 * excluding whitespace. A violation is `MalformedPolicyException` at the edge (EngineError InvalidInput with
 * details.reason `malformedPolicy`).
 */
import { EngineError } from '../core/index.js';
import { conditionOperators, splitOperator, wildcard, type Condition, type Statement } from './policy-eval.js';

/** Actions an IoT policy may name [DG:iot-policy-actions]. */
export const knownActions = [
  'iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive', 'iot:RetainPublish', 'iot:GetRetainedMessage',
  'iot:ListRetainedMessages', 'iot:DeleteConnection', 'iot:GetThingShadow', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow',
  'iot:ListNamedShadowsForThing', 'iot:DescribeJobExecution', 'iot:GetPendingJobExecutions', 'iot:UpdateJobExecution',
  'iot:StartNextPendingJobExecution', 'iot:AssumeRoleWithCertificate', 'iot:CreateKeysAndCertificate',
  'iot:CreateCertificateFromCsr', 'iot:RegisterThing', 'greengrass:Discover',
];

export const MAX_POLICY_CHARS = 2048;

const malformed = (message: string) => new EngineError('InvalidInput', message, { reason: 'malformedPolicy' });

const list = (v: unknown, what: string): string[] => {
  const arr = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(arr) || !arr.length || arr.some((x) => typeof x !== 'string' || !x)) throw malformed(`${what} must be a non-empty string or array of strings`);
  return arr as string[];
};

/** Validates a policy document and compiles its statements; throws MalformedPolicyException-tagged errors. */
export function parsePolicyDocument(text: unknown): Statement[] {
  if (typeof text !== 'string' || !text.trim()) throw malformed('The policy document is empty');
  if (text.replace(/\s+/g, '').length > MAX_POLICY_CHARS) throw malformed(`The policy document is longer than ${MAX_POLICY_CHARS} characters (whitespace excluded)`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw malformed(`The policy document is not valid JSON: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw malformed('The policy document must be a JSON object');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!['Version', 'Statement', 'Id'].includes(k)) throw malformed(`Unknown field in the policy document: ${k}`);
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') throw malformed(`Unsupported policy Version: ${String(d.Version)}`);
  const raw = Array.isArray(d.Statement) ? d.Statement : d.Statement && typeof d.Statement === 'object' ? [d.Statement] : undefined;
  if (!raw || !raw.length) throw malformed('The policy document has no Statement');
  return raw.map((st, i) => parseStatement(st, i));
}

function parseStatement(st: unknown, i: number): Statement {
  if (!st || typeof st !== 'object' || Array.isArray(st)) throw malformed(`Statement ${i} must be an object`);
  const s = st as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'].includes(k)) throw malformed(`Statement ${i}: unknown field ${k}`);
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed(`Statement ${i}: Effect must be Allow or Deny`);
  if ((s.Action === undefined) === (s.NotAction === undefined)) throw malformed(`Statement ${i}: exactly one of Action and NotAction is required`);
  if ((s.Resource === undefined) === (s.NotResource === undefined)) throw malformed(`Statement ${i}: exactly one of Resource and NotResource is required`);
  const actions = s.Action !== undefined ? list(s.Action, `Statement ${i}: Action`) : [];
  const notActions = s.NotAction !== undefined ? list(s.NotAction, `Statement ${i}: NotAction`) : undefined;
  for (const a of [...actions, ...(notActions ?? [])]) {
    if (a === '*') continue;
    if (!knownActions.some((k) => wildcard(a, k, true))) throw malformed(`Statement ${i}: unknown action ${a}`);
  }
  const resources = s.Resource !== undefined ? list(s.Resource, `Statement ${i}: Resource`) : [];
  const notResources = s.NotResource !== undefined ? list(s.NotResource, `Statement ${i}: NotResource`) : undefined;
  for (const r of [...resources, ...(notResources ?? [])]) {
    if (r !== '*' && !/^arn:(aws|\*)[^:]*:/.test(r) && !r.startsWith('arn:*')) throw malformed(`Statement ${i}: resource ${r} is not an ARN`);
    if (/\$\{[^}]*$/.test(r)) throw malformed(`Statement ${i}: unterminated policy variable in ${r}`);
  }
  return { effect: s.Effect, actions, notActions, resources, notResources, conditions: parseConditions(s.Condition, i) };
}

function parseConditions(c: unknown, i: number): Condition[] {
  if (c === undefined) return [];
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw malformed(`Statement ${i}: Condition must be an object`);
  const out: Condition[] = [];
  for (const [operator, block] of Object.entries(c as Record<string, unknown>)) {
    if (!conditionOperators.has(splitOperator(operator).base)) throw malformed(`Statement ${i}: unknown condition operator ${operator}`);
    if (!block || typeof block !== 'object' || Array.isArray(block)) throw malformed(`Statement ${i}: ${operator} must map keys to values`);
    for (const [key, v] of Object.entries(block as Record<string, unknown>)) {
      const values = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'boolean' || typeof x === 'number' ? String(x) : x));
      if (!values.length || values.some((x) => typeof x !== 'string')) throw malformed(`Statement ${i}: ${operator}.${key} must be a string, number, boolean or array of them`);
      out.push({ operator, key, values: values as string[] });
    }
  }
  return out;
}
