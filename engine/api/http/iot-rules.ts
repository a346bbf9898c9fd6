/**
 * AWS IoT control plane (`iot`) topic rule operations [API:CreateTopicRule …], restJson1 at AWS's paths, so
 * `@aws-sdk/client-iot` and `aws iot … --endpoint-url` work unchanged:
 * CreateTopicRule `POST /rules/{ruleName}`, GetTopicRule `GET /rules/{ruleName}`, ListTopicRules `GET /rules`,
 * ReplaceTopicRule `PATCH /rules/{ruleName}`, DeleteTopicRule `DELETE /rules/{ruleName}`,
 * EnableTopicRule `POST /rules/{ruleName}/enable`, DisableTopicRule `POST /rules/{ruleName}/disable`.
 *
 * Invalid SQL is 400 `SqlParseException` with the diagnostic (line, column, what was expected).
 * LIMITATIONS: no authorization (UnauthorizedException is never produced); `x-amz-tagging` is ignored.
 */
import { EngineError } from '../../core/index.js';
import type { RuleInfo } from '../../contract/index.js';
import { SqlError, awsTopicRule, awsTopicRuleListItem, type RulesService } from '../../rules/index.js';
import { AwsError, type AwsErrorTable } from './aws-errors.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';

export type RuleOperations = Pick<RulesService, 'create' | 'replace' | 'get' | 'list' | 'delete' | 'setDisabled'>;

/** The IoT control plane's modeled exceptions. */
export const iotRulesErrors: AwsErrorTable = {
  NotFound: { status: 404, type: 'ResourceNotFoundException' },
  AlreadyExists: { status: 409, type: 'ResourceAlreadyExistsException' },
  Conflict: { status: 409, type: 'ConflictingResourceUpdateException' },
  InvalidInput: { status: 400, type: 'InvalidRequestException' },
  Unauthorized: { status: 401, type: 'UnauthorizedException' },
  Forbidden: { status: 401, type: 'UnauthorizedException' },
  TooLarge: { status: 400, type: 'InvalidRequestException' },
  Throttled: { status: 429, type: 'ThrottlingException' },
  Unavailable: { status: 503, type: 'ServiceUnavailableException' },
  Internal: { status: 500, type: 'InternalException' },
};

const MAX_BODY_BYTES = 256 * 1024;
const MAX_RESULTS = 10_000;

function jsonBody(req: HttpRequest): unknown {
  if (req.body.length === 0) throw new EngineError('InvalidInput', 'The request body must be a topicRulePayload');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new EngineError('InvalidInput', 'The request body is not valid JSON');
  }
}

/** SQL errors become SqlParseException, the rest keep their EngineError mapping. */
async function withSqlErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SqlError) throw new AwsError(400, 'SqlParseException', e.message);
    throw e;
  }
}

const empty = () => ({ status: 200, body: Buffer.alloc(0) });

export function createTopicRule(rules: RuleOperations): HttpHandler {
  return (req) => withSqlErrors(async () => { await rules.create(req.params.ruleName, jsonBody(req)); return empty(); });
}

export function replaceTopicRule(rules: RuleOperations): HttpHandler {
  return (req) => withSqlErrors(async () => { await rules.replace(req.params.ruleName, jsonBody(req)); return empty(); });
}

export function getTopicRule(rules: RuleOperations): HttpHandler {
  return (req) => {
    const info = rules.get(req.params.ruleName);
    return { json: { ruleArn: info.arn, rule: awsTopicRule(info) } };
  };
}

/** ListTopicRules: `?topic=` (exact topic pattern), `?ruleDisabled=`, `?maxResults=` (1–10000), `?nextToken=`. */
export function listTopicRules(rules: RuleOperations): HttpHandler {
  return (req) => {
    const maxText = req.query.get('maxResults');
    const max = maxText === null ? 1000 : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) throw new EngineError('InvalidInput', `maxResults must be between 1 and ${MAX_RESULTS}`);
    const topic = req.query.get('topic');
    const disabled = req.query.get('ruleDisabled');
    let list: RuleInfo[] = rules.list().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (topic !== null) list = list.filter((r) => r.topicFilter === topic);
    if (disabled !== null) list = list.filter((r) => String(r.disabled) === disabled);
    const token = req.query.get('nextToken');
    if (token) {
      const after = Buffer.from(token, 'base64url').toString('utf8');
      if (!after.startsWith('r1:')) throw new EngineError('InvalidInput', 'Invalid nextToken');
      list = list.filter((r) => r.name > after.slice(3));
    }
    const page = list.slice(0, max);
    const out: Record<string, unknown> = { rules: page.map(awsTopicRuleListItem) };
    if (list.length > max) out.nextToken = Buffer.from(`r1:${page[page.length - 1].name}`).toString('base64url');
    return { json: out };
  };
}

export function deleteTopicRule(rules: RuleOperations): HttpHandler {
  return async (req) => { await rules.delete(req.params.ruleName); return empty(); };
}

function setDisabled(rules: RuleOperations, disabled: boolean): HttpHandler {
  return async (req) => { await rules.setDisabled(req.params.ruleName, disabled); return empty(); };
}

export function iotRulesRoutes(rules: RuleOperations): Route[] {
  const errors = iotRulesErrors;
  return [
    { method: 'GET', path: '/rules', operation: 'ListTopicRules', handler: listTopicRules(rules), errors },
    { method: 'POST', path: '/rules/{ruleName}', operation: 'CreateTopicRule', handler: createTopicRule(rules), errors, maxBodyBytes: MAX_BODY_BYTES },
    { method: 'GET', path: '/rules/{ruleName}', operation: 'GetTopicRule', handler: getTopicRule(rules), errors },
    { method: 'PATCH', path: '/rules/{ruleName}', operation: 'ReplaceTopicRule', handler: replaceTopicRule(rules), errors, maxBodyBytes: MAX_BODY_BYTES },
    { method: 'DELETE', path: '/rules/{ruleName}', operation: 'DeleteTopicRule', handler: deleteTopicRule(rules), errors },
    { method: 'POST', path: '/rules/{ruleName}/enable', operation: 'EnableTopicRule', handler: setDisabled(rules, false), errors },
    { method: 'POST', path: '/rules/{ruleName}/disable', operation: 'DisableTopicRule', handler: setDisabled(rules, true), errors },
  ];
}
