/**
 * AWS IoT TestAuthorization (pure over its ports): what the device gateway would decide for a principal and client id,
 * action by action, with the same evaluator and policy variables the broker's guards use.
 *
 * - The principal is a certificate (ARN or id) or a thing group ARN; its attached policies, plus `policyNamesToAdd`,
 *   minus `policyNamesToSkip`, are evaluated. A certificate attached to the thing named by the client id also gets
 *   that thing's `iot:Connection.Thing.*` variables and the policies of the thing's groups, as on a real connection.
 * - Per policy: a matching Deny puts it in `explicitDeny`, else a matching Allow in `allowed`, else it is in
 *   `implicitDeny`. The decision is EXPLICIT_DENY if any policy denies, ALLOWED if any allows, IMPLICIT_DENY otherwise.
 *   With several resources in one authInfo, each resource is decided and the least permissive decision is kept.
 * - `missingContextValues` names the policy variables a statement needed but the request could not supply.
 *
 * LIMITATIONS: no Cognito identities (refused) and no custom authorizers; `aws:SourceIp` is never known here.
 */
import { EngineError, iotArn } from '../core/index.js';
import type { X509Certificate } from 'node:crypto';
import { certificateVariables } from './certs.js';
import { evaluate, type EffectivePolicy } from './policy-eval.js';
import type { ThingLookup } from './broker-hooks.js';

export type AuthorizationAction = 'iot:Connect' | 'iot:Publish' | 'iot:Subscribe' | 'iot:Receive';

export interface AuthorizationTest {
  /** A certificate ARN or id, or a thing group ARN; absent: only `policiesToAdd` are evaluated. */
  principal?: string;
  clientId?: string;
  checks: Array<{ action: AuthorizationAction; resources: string[] }>;
  policiesToAdd?: string[];
  policiesToSkip?: string[];
}

export type AuthorizationDecision = 'ALLOWED' | 'EXPLICIT_DENY' | 'IMPLICIT_DENY';

export interface AuthorizationOutcome {
  action: AuthorizationAction;
  resources: string[];
  decision: AuthorizationDecision;
  allowed: string[];
  explicitDeny: string[];
  implicitDeny: string[];
  missingContextValues: string[];
  /**
   * The statement that decided (the first matching Deny for EXPLICIT_DENY, else the first matching Allow for
   * ALLOWED), with the resource it decided on; absent for IMPLICIT_DENY. Not part of AWS's answer: the UI shows it.
   */
  deciding?: { policy: string; version: string; index: number; effect: 'Allow' | 'Deny'; resource: string };
}

/** What the test reads: certificates, policies and the registry. */
export interface AuthorizationPorts {
  certificate(id: string): X509Certificate | undefined;
  attached(target: string): string[];
  effective(policy: string): EffectivePolicy | undefined;
  things: ThingLookup;
}

const CERT_ARN = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:cert\/([0-9a-f]{64})$/;
const GROUP_ARN = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:thinggroup\/(.+)$/;
/** A Cognito identity id: `<region>:<uuid>`. */
const COGNITO_ID = /^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f-]{36}$/;

const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

/** AWS's validation error, naming the member as the request spells it (`authInfos.1.member.resources.2.member`). */
export const authorizationViolation = (value: unknown, at: string, constraint: string) =>
  new EngineError('InvalidInput', `1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${at}' failed to satisfy constraint: ${constraint}`);

/** TestAuthorization's constraints on a well-shaped request: 1 to 10 authInfos, resources of at most 2048 characters, policy names. */
export function validateAuthorizationTest(test: AuthorizationTest): void {
  if (test.checks.length < 1) throw authorizationViolation(test.checks, 'authInfos', 'Member must have length greater than or equal to 1');
  if (test.checks.length > 10) throw authorizationViolation(test.checks, 'authInfos', 'Member must have length less than or equal to 10');
  test.checks.forEach((c, i) => c.resources.forEach((r, j) => {
    if (r.length > 2048) throw authorizationViolation(r, `authInfos.${i + 1}.member.resources.${j + 1}.member`, 'Member must have length less than or equal to 2048');
  }));
  for (const key of ['policyNamesToAdd', 'policyNamesToSkip'] as const) {
    (key === 'policyNamesToAdd' ? test.policiesToAdd : test.policiesToSkip)?.forEach((n, j) => {
      if (POLICY_NAME.test(n)) return;
      throw authorizationViolation(n, `${key}.${j + 1}.member`, n.length > 128 ? 'Member must have length less than or equal to 128' : n.length < 1 ? 'Member must have length greater than or equal to 1' : 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
    });
  }
}

export function testAuthorization(ports: AuthorizationPorts, test: AuthorizationTest): AuthorizationOutcome[] {
  validateAuthorizationTest(test);
  const vars = new Map<string, string | string[]>();
  if (test.clientId !== undefined) vars.set('iot:ClientId', test.clientId);
  const names = principalPolicies(ports, test, vars);
  for (const n of test.policiesToAdd ?? []) {
    if (!ports.effective(n)) throw new EngineError('NotFound', `The policy ${n} does not exist`);
    names.push(n);
  }
  const skip = new Set(test.policiesToSkip ?? []);
  const policies = [...new Set(names)].filter((n) => !skip.has(n)).flatMap((n) => ports.effective(n) ?? []);
  return test.checks.map((c) => decide(policies, c.action, c.resources, vars));
}

function principalPolicies(ports: AuthorizationPorts, test: AuthorizationTest, vars: Map<string, string | string[]>): string[] {
  const principal = test.principal;
  if (principal === undefined) return [];
  if (COGNITO_ID.test(principal)) throw new EngineError('InvalidInput', 'Cognito identities are not supported: test a certificate ARN or a thing group ARN instead.');
  const group = GROUP_ARN.exec(principal);
  if (group) {
    if (!ports.things.groupExists(group[1])) throw new EngineError('NotFound', `The thing group ${group[1]} does not exist`);
    return [...ports.attached(iotArn(`thinggroup/${group[1]}`))];
  }
  const id = CERT_ARN.exec(principal)?.[1] ?? (/^[0-9a-f]{64}$/.test(principal) ? principal : undefined);
  if (!id) throw new EngineError('InvalidInput', `Invalid principal: ${principal}. Valid principals are a certificate ARN (arn:aws:iot:region:accountId:cert/certificateId) and a thing group ARN`);
  const cert = ports.certificate(id);
  if (!cert) throw new EngineError('NotFound', `The certificate ${id} does not exist`);
  for (const [k, v] of certificateVariables(cert)) vars.set(k, v);
  const arn = iotArn(`cert/${id}`);
  const names = [...ports.attached(arn)];
  const attachedThings = ports.things.thingsOf(arn);
  const clientId = test.clientId;
  const isAttached = clientId !== undefined && attachedThings.includes(clientId);
  vars.set('iot:Connection.Thing.IsAttached', isAttached ? 'true' : 'false');
  if (isAttached) {
    const thing = ports.things.thing(clientId);
    vars.set('iot:Connection.Thing.ThingName', clientId);
    if (thing?.thingTypeName) vars.set('iot:Connection.Thing.ThingTypeName', thing.thingTypeName);
    for (const [k, v] of Object.entries(thing?.attributes ?? {})) vars.set(`iot:Connection.Thing.Attributes[${k}]`, v);
    for (const g of ports.things.groupsOf(clientId)) names.push(...ports.attached(iotArn(`thinggroup/${g}`)));
  }
  return names;
}

const rank: Record<AuthorizationDecision, number> = { ALLOWED: 0, IMPLICIT_DENY: 1, EXPLICIT_DENY: 2 };

function decide(policies: EffectivePolicy[], action: AuthorizationAction, resources: string[], vars: Map<string, string | string[]>): AuthorizationOutcome {
  const out: AuthorizationOutcome = { action, resources, decision: 'ALLOWED', allowed: [], explicitDeny: [], implicitDeny: [], missingContextValues: [] };
  const missing = new Set<string>();
  const add = (list: string[], name: string) => list.includes(name) || list.push(name);
  for (const resource of resources) {
    let decision: AuthorizationDecision = 'IMPLICIT_DENY';
    for (const p of policies) {
      const d = evaluate([p], action, resource, (n) => vars.get(n));
      for (const [name, value] of Object.entries(d.variables)) if (value === null) missing.add(name);
      if (d.kind === 'explicitDeny') {
        add(out.explicitDeny, p.name);
        decision = 'EXPLICIT_DENY';
        if (d.statement && out.deciding?.effect !== 'Deny') out.deciding = { ...d.statement, resource };
      } else if (d.kind === 'allowed') {
        add(out.allowed, p.name);
        if (decision !== 'EXPLICIT_DENY') decision = 'ALLOWED';
        if (d.statement && !out.deciding) out.deciding = { ...d.statement, resource };
      } else add(out.implicitDeny, p.name);
    }
    if (rank[decision] > rank[out.decision]) out.decision = decision;
  }
  if (!resources.length) out.decision = 'IMPLICIT_DENY';
  // An allow only decides when the whole check is allowed.
  if (out.decision !== 'ALLOWED' && out.deciding?.effect === 'Allow') delete out.deciding;
  out.missingContextValues = [...missing];
  return out;
}
