/**
 * `policy: { name?, thing? | certificateOf? | principal? | certificateWith?, clientId?, action, resource, decision }`:
 * the target's own policy evaluation allows or denies the action, through IoT `TestAuthorization` (the principal is
 * the thing's certificate ARN; the client id defaults to the thing's name). `certificateWith: <policy>` tests every
 * certificate that policy is attached to (a fleet's claim certificate, which no thing has): each must decide as said. `name` also requires that policy to be attached to
 * the principal, and names it in the result.
 */
import { GetPolicyCommand, ListAttachedPoliciesCommand, ListTargetsForPolicyCommand, ListThingPrincipalsCommand, TestAuthorizationCommand, type AuthResult } from '@aws-sdk/client-iot';
import { defineCheck, done, listText, missing, type CheckKind } from './check.js';

export interface PolicyArgs {
  name?: string;
  thing?: string;
  certificateOf?: string;
  principal?: string;
  certificateWith?: string;
  clientId?: string;
  action: 'connect' | 'publish' | 'subscribe' | 'receive';
  resource: string;
  decision: 'allow' | 'deny';
}

const ACTIONS = { connect: 'CONNECT', publish: 'PUBLISH', subscribe: 'SUBSCRIBE', receive: 'RECEIVE' } as const;
const RESOURCE_KINDS = { connect: 'client/', publish: 'topic/', subscribe: 'topicfilter/', receive: 'topic/' } as const;

const policiesOf = (r: AuthResult): string[] => {
  const d = r.denied;
  const list = r.authDecision === 'ALLOWED' ? r.allowed?.policies : r.authDecision === 'EXPLICIT_DENY' ? d?.explicitDeny?.policies : d?.implicitDeny?.policies;
  return (list ?? []).map((p) => p.policyName ?? '').filter(Boolean);
};

export const policyCheck: CheckKind<PolicyArgs> = defineCheck<PolicyArgs>({
  kind: 'policy',
  summary: "The target's policy evaluation allows or denies an action on a resource for a thing's certificate (TestAuthorization).",
  localOnly: false,
  schema: {
    type: 'object', required: ['action', 'resource', 'decision'], additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, description: 'A policy that must exist and be attached to the principal.' },
      thing: { type: 'string', minLength: 1, description: "The thing whose certificate is the principal (and, by default, the client id)." },
      certificateOf: { type: 'string', minLength: 1, description: 'The thing whose certificate is the principal, with another client id.' },
      principal: { type: 'string', minLength: 1, description: 'A certificate ARN.' },
      certificateWith: { type: 'string', minLength: 1, description: 'A policy: every certificate it is attached to is tested (a claim certificate, which no thing has).' },
      clientId: { type: 'string', minLength: 1, description: 'The MQTT client id (default: the thing name).' },
      action: { enum: ['connect', 'publish', 'subscribe', 'receive'] },
      resource: { type: 'string', pattern: '^(topic|topicfilter|client)/', description: 'topic/…, topicfilter/… or client/…, without the ARN prefix.' },
      decision: { enum: ['allow', 'deny'] },
    },
  },
  problems: (a) => {
    const given = (['thing', 'certificateOf', 'principal', 'certificateWith'] as const).filter((k) => a[k] !== undefined);
    return given.length === 1 ? [] : [given.length ? `give one of thing, certificateOf, principal or certificateWith, not ${given.join(' and ')}` : 'give the principal: thing, certificateOf, principal or certificateWith'];
  },
  async check(ctx, a) {
    const iot = ctx.clients.iot();
    if (!a.resource.startsWith(RESOURCE_KINDS[a.action])) {
      return missing(`the check is wrong: a ${a.action} resource starts with ${RESOURCE_KINDS[a.action]}, not ${a.resource}`);
    }
    if (a.certificateWith) {
      const policy = a.certificateWith;
      const targets = await ctx.clients.find('ListTargetsForPolicy', () => iot.send(new ListTargetsForPolicyCommand({ policyName: policy, pageSize: 250 })));
      if (!targets) return missing(`there is no policy named ${policy}`);
      const certs = (targets.targets ?? []).filter((t) => t.includes(':cert/'));
      if (!certs.length) return missing(`the policy ${policy} is attached to no certificate`);
      const results = [];
      for (const principal of certs) results.push(await policyCheck.check(ctx, { ...a, certificateWith: undefined, principal, name: a.name ?? policy }));
      const wrong = results.find((r) => r.status !== 'done');
      const one = certs.length === 1 ? 'the certificate with' : wrong ? 'one of the certificates with' : `each of the ${certs.length} certificates with`;
      const said = wrong ?? results[0];
      return { ...said, reason: said.reason.replace(/for the principal/, `for ${one} ${policy}`) };
    }
    const owner = a.thing ?? a.certificateOf;
    let principal = a.principal;
    if (owner) {
      const res = await ctx.clients.find('ListThingPrincipals', () => iot.send(new ListThingPrincipalsCommand({ thingName: owner })));
      if (!res) return missing(`there is no thing named ${owner} whose certificate the policy would apply to`);
      principal = (res.principals ?? []).find((p) => p.includes(':cert/'));
      if (!principal) return missing(`the thing ${owner} has no attached certificate to test its policy with`);
    }
    if (a.name) {
      const policy = await ctx.clients.find('GetPolicy', () => iot.send(new GetPolicyCommand({ policyName: a.name })));
      if (!policy) return missing(`there is no policy named ${a.name}`);
      const attached = await ctx.clients.call('ListAttachedPolicies', () => iot.send(new ListAttachedPoliciesCommand({ target: principal, pageSize: 250 })));
      const names = (attached.policies ?? []).map((p) => p.policyName ?? '');
      if (!names.includes(a.name)) return missing(`the policy ${a.name} is not attached to ${owner ? `the certificate of ${owner}` : principal} (attached: ${listText(names, 'none')})`);
    }
    // The resource ARN lives in the principal's account and region.
    const [, , , region, account] = principal!.split(':');
    const clientId = a.clientId ?? owner;
    const res = await ctx.clients.call('TestAuthorization', () => iot.send(new TestAuthorizationCommand({
      principal,
      ...(clientId ? { clientId } : {}),
      authInfos: [{ actionType: ACTIONS[a.action], resources: [`arn:aws:iot:${region}:${account}:${a.resource}`] }],
    })));
    const result = res.authResults?.[0];
    if (!result?.authDecision) return missing(`TestAuthorization gave no decision for ${a.action} on ${a.resource}`);
    const allowed = result.authDecision === 'ALLOWED';
    const by = policiesOf(result);
    const who = `${owner ? `${owner}'s certificate` : 'the principal'}${clientId ? ` as client ${clientId}` : ''}`;
    const why = result.authDecision === 'ALLOWED' ? (by.length ? ` (allowed by ${listText(by)})` : '')
      : result.authDecision === 'EXPLICIT_DENY' ? ` (denied by ${listText(by)})`
        : by.length ? ` (${listText(by)} ${by.length > 1 ? 'do' : 'does'} not allow it)` : ' (no policy is attached)';
    const text = `${a.action} on ${a.resource} for ${who} is ${result.authDecision}${why}`;
    return allowed === (a.decision === 'allow') ? done(text) : missing(text);
  },
});
