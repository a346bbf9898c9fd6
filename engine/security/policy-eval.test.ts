import { describe, expect, it } from 'vitest';
import { evaluate, type EffectivePolicy } from './policy-eval.js';
import { parsePolicyDocument } from './policies.js';

const A = 'arn:aws:iot:us-east-1:000000000000';
const policy = (name: string, statements: object[]): EffectivePolicy => ({
  name, version: '1', statements: parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: statements })),
});
const vars: Record<string, string | string[]> = {
  'iot:ClientId': 'lamp-1',
  'iot:Connection.Thing.ThingName': 'lamp-1',
  'iot:Connection.Thing.IsAttached': 'true',
  'iot:Connection.Thing.Attributes[room]': 'kitchen',
  'iot:Certificate.Subject.CommonName': 'lamp-1.example',
  'iot:Certificate.Subject.Organization.List': ['Acme', 'Widgets'],
};
const resolve = (n: string) => vars[n];

describe('policy evaluation', () => {
  const cases: Array<[string, object[], string, string, boolean, string?]> = [
    ['default deny', [], 'iot:Connect', `${A}:client/x`, false, 'implicitDeny'],
    ['exact allow', [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/x` }], 'iot:Connect', `${A}:client/x`, true],
    ['action is case-insensitive', [{ Effect: 'Allow', Action: 'IOT:connect', Resource: '*' }], 'iot:Connect', `${A}:client/x`, true],
    ['action wildcard', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }], 'iot:Receive', `${A}:topic/a`, true],
    ['resource is case-sensitive', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/A` }], 'iot:Publish', `${A}:topic/a`, false],
    ['* crosses levels', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/a/*` }], 'iot:Publish', `${A}:topic/a/b/c`, true],
    ['? is one character', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/a/?` }], 'iot:Publish', `${A}:topic/a/bc`, false],
    ['+ and # are literal', [{ Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${A}:topicfilter/some/#` }], 'iot:Subscribe', `${A}:topicfilter/some/x`, false],
    ['# filter exact', [{ Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${A}:topicfilter/some/#` }], 'iot:Subscribe', `${A}:topicfilter/some/#`, true],
    ['explicit deny wins', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }, { Effect: 'Deny', Action: 'iot:Publish', Resource: `${A}:topic/secret` }], 'iot:Publish', `${A}:topic/secret`, false, 'explicitDeny'],
    ['client id variable', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/d/\${iot:ClientId}/*` }], 'iot:Publish', `${A}:topic/d/lamp-1/t`, true],
    ['client id variable, other client', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/d/\${iot:ClientId}/*` }], 'iot:Publish', `${A}:topic/d/lamp-2/t`, false],
    ['thing name variable', [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/\${iot:Connection.Thing.ThingName}` }], 'iot:Connect', `${A}:client/lamp-1`, true],
    ['attribute variable', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/\${iot:Connection.Thing.Attributes[room]}/*` }], 'iot:Publish', `${A}:topic/kitchen/t`, true],
    ['certificate CN variable', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/\${iot:Certificate.Subject.CommonName}` }], 'iot:Publish', `${A}:topic/lamp-1.example`, true],
    ['unresolved variable: no match', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/\${iot:Connection.Thing.Attributes[floor]}` }], 'iot:Publish', `${A}:topic/`, false],
    ['unresolved variable in a Deny: Deny does not apply', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }, { Effect: 'Deny', Action: 'iot:*', Resource: `${A}:topic/\${iot:Nope}` }], 'iot:Publish', `${A}:topic/x`, true],
    ['literal ${*}', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/a\${*}` }], 'iot:Publish', `${A}:topic/ab`, false],
    ['IsAttached condition', [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } }], 'iot:Connect', `${A}:client/x`, true],
    ['StringLike condition fails', [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition: { StringLike: { 'iot:ClientId': 'sensor-*' } } }], 'iot:Connect', `${A}:client/x`, false],
    ['ForAnyValue over a list', [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'iot:Certificate.Subject.Organization.List': ['Widgets'] } } }], 'iot:Connect', `${A}:client/x`, true],
    ['ForAllValues over a list', [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'iot:Certificate.Subject.Organization.List': ['Widgets'] } } }], 'iot:Connect', `${A}:client/x`, false],
    ['NotResource', [{ Effect: 'Allow', Action: 'iot:Publish', NotResource: `${A}:topic/private/*` }], 'iot:Publish', `${A}:topic/private/x`, false],
    ['NotAction', [{ Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' }], 'iot:Subscribe', `${A}:topicfilter/x`, true],
  ];
  it.each(cases)('%s', (_name, statements, action, resource, allowed, kind) => {
    const d = evaluate(statements.length ? [policy('p', statements)] : [], action, resource, resolve);
    expect(d.allowed).toBe(allowed);
    if (kind) expect(d.kind).toBe(kind);
  });

  it('says which statement decided and which variables were read', () => {
    const p = policy('lamp', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }, { Effect: 'Deny', Action: 'iot:Publish', Resource: `${A}:topic/\${iot:ClientId}/secret` }]);
    const d = evaluate([p], 'iot:Publish', `${A}:topic/lamp-1/secret`, resolve);
    expect(d).toMatchObject({ allowed: false, kind: 'explicitDeny', statement: { policy: 'lamp', index: 1, effect: 'Deny' }, variables: { 'iot:ClientId': 'lamp-1' } });
    expect(d.reason).toContain('statement 1');
  });
});

describe('policy documents', () => {
  const bad: Array<[string, string]> = [
    ['not JSON', '{"Version":'],
    ['no Statement', '{"Version":"2012-10-17"}'],
    ['bad Effect', '{"Statement":[{"Effect":"Maybe","Action":"iot:Connect","Resource":"*"}]}'],
    ['unknown action', '{"Statement":[{"Effect":"Allow","Action":"iot:Teleport","Resource":"*"}]}'],
    ['missing Resource', '{"Statement":[{"Effect":"Allow","Action":"iot:Connect"}]}'],
    ['unknown operator', '{"Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"Sometimes":{"a":"b"}}}]}'],
    ['too long', JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: Array.from({ length: 60 }, (_, i) => `arn:aws:iot:us-east-1:000000000000:topic/${i}`) }] })],
  ];
  it.each(bad)('rejects %s as MalformedPolicyException', (_n, doc) => {
    expect(() => parsePolicyDocument(doc)).toThrow(expect.objectContaining({ code: 'InvalidInput', details: { reason: 'malformedPolicy' } }));
  });
});
