/**
 * AWS IoT `TestAuthorization` (`POST /test-authorization?clientId=…`): the request validated as AWS validates it
 * (1 to 10 authInfos, actionType PUBLISH | SUBSCRIBE | RECEIVE | CONNECT, resources of at most 2048 characters, policy
 * names `[\w+=,.@-]+` of 1 to 128 characters), decided by the security service (which checks the lengths and names itself), answered in AWS's `authResults` shape.
 */
import { EngineError } from '../../core/index.js';
import { authorizationViolation, policyArn, type AuthorizationAction, type AuthorizationOutcome, type AuthorizationTest } from '../../security/index.js';
import { iotControlErrors } from './aws-errors.js';
import { jsonBody, optionalString } from './iot-control-shared.js';
import type { Route } from './http-server.js';

export interface AuthorizationTester {
  testAuthorization(test: AuthorizationTest): AuthorizationOutcome[];
}

const ACTIONS: Record<string, AuthorizationAction> = { CONNECT: 'iot:Connect', PUBLISH: 'iot:Publish', SUBSCRIBE: 'iot:Subscribe', RECEIVE: 'iot:Receive' };
const ACTION_TYPES: Record<AuthorizationAction, string> = { 'iot:Connect': 'CONNECT', 'iot:Publish': 'PUBLISH', 'iot:Subscribe': 'SUBSCRIBE', 'iot:Receive': 'RECEIVE' };
const violation = authorizationViolation;

export function testAuthorizationRoute(tester: AuthorizationTester): Route {
  return {
    method: 'POST', path: '/test-authorization', operation: 'TestAuthorization', errors: iotControlErrors,
    handler: (req) => {
      const body = jsonBody(req);
      const test = parse(body, req.query.get('clientId') ?? undefined);
      const results = tester.testAuthorization(test);
      return { json: { authResults: results.map(authResult) } };
    },
  };
}

function parse(body: Record<string, unknown>, clientId: string | undefined): AuthorizationTest {
  const infos = body.authInfos;
  if (infos === undefined || infos === null) throw violation(null, 'authInfos', 'Member must not be null');
  if (!Array.isArray(infos)) throw new EngineError('InvalidInput', 'authInfos must be a list');
  if (infos.length < 1) throw violation(infos, 'authInfos', 'Member must have length greater than or equal to 1');
  if (infos.length > 10) throw violation(infos, 'authInfos', 'Member must have length less than or equal to 10');
  const checks = infos.map((raw: unknown, i) => {
    const at = `authInfos.${i + 1}.member`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new EngineError('InvalidInput', `${at} must be an object`);
    const info = raw as Record<string, unknown>;
    const type = info.actionType;
    if (type === undefined || type === null) throw violation(null, `${at}.actionType`, 'Member must not be null');
    const action = typeof type === 'string' ? ACTIONS[type] : undefined;
    if (!action) throw violation(type, `${at}.actionType`, 'Member must satisfy enum value set: [PUBLISH, SUBSCRIBE, RECEIVE, CONNECT]');
    const resources = info.resources;
    if (resources === undefined || resources === null) throw violation(null, `${at}.resources`, 'Member must not be null');
    if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) throw new EngineError('InvalidInput', `${at}.resources must be a list of strings`);
    return { action, resources: resources as string[] };
  });
  const names = (key: string) => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((n) => typeof n !== 'string')) throw new EngineError('InvalidInput', `${key} must be a list of strings`);
    return v as string[];
  };
  if (optionalString(body, 'cognitoIdentityPoolId') !== undefined) {
    throw new EngineError('InvalidInput', 'Cognito identities are not supported: test a certificate ARN or a thing group ARN instead.');
  }
  return {
    principal: optionalString(body, 'principal'), clientId, checks,
    policiesToAdd: names('policyNamesToAdd'), policiesToSkip: names('policyNamesToSkip'),
  };
}

function authResult(o: AuthorizationOutcome) {
  const policies = (names: string[]) => ({ policies: names.map((policyName) => ({ policyName, policyArn: policyArn(policyName) })) });
  return {
    authInfo: { actionType: ACTION_TYPES[o.action], resources: o.resources },
    allowed: policies(o.allowed),
    denied: { implicitDeny: policies(o.implicitDeny), explicitDeny: policies(o.explicitDeny) },
    authDecision: o.decision,
    missingContextValues: o.missingContextValues,
  };
}
