import { describe, expect, it } from 'vitest';
import { loadDeviceModel } from '../../devices/index.js';
import { devicePolicyDocument, devicePolicyName, policyPattern } from './device-policy.js';

const THING = '${iot:Connection.Thing.ThingName}';

describe('policyPattern', () => {
  it.each([
    ['sensors/{thingName}/data', `sensors/${THING}/data`],
    ['cmd/{clientId}/req', 'cmd/${iot:ClientId}/req'],
    ['turbines/ev-gen/{id}', 'turbines/ev-gen/*'],
    ['{farm}/sprinkler-{id}', '*/sprinkler-*'],
    ['{ thingName }/x', `${THING}/x`],
    ['a/{{literal}}/b', 'a/{literal}/b'],
    ['cmd/+/req/#', 'cmd/*/req/*'],
    ['{a}{b}/c', '*/c'],
    ['plain/topic', 'plain/topic'],
  ])('%s → %s', (template, pattern) => {
    expect(policyPattern(template)).toBe(pattern);
  });
});

describe('devicePolicyDocument', () => {
  const model = loadDeviceModel(`
name: pump
identity: { thingName: "pump-{index}", certificate: provision }
will: { topic: "pumps/{thingName}/status", payload: gone }
telemetry:
  - { topic: "pumps/{thingName}/flow", interval: 1s, fields: { f: 1 } }
commands:
  - { name: stop, requestTopic: "cmd/{thingName}/stop", replyTopic: "cmd/{thingName}/stop/reply", reply: { ok: true } }
`, 'pump.yaml');

  it("lets each device connect as its thing, use its shadows and the model's topics, in the certificate's region and account", () => {
    const arn = 'arn:aws:iot:eu-west-1:123456789012';
    expect(devicePolicyDocument(model, `${arn}:cert/abc`)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/${THING}` },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${arn}:topic/$aws/things/${THING}/shadow/*`, `${arn}:topic/pumps/${THING}/flow`, `${arn}:topic/pumps/${THING}/status`, `${arn}:topic/cmd/${THING}/stop/reply`] },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${arn}:topicfilter/$aws/things/${THING}/shadow/*`, `${arn}:topicfilter/cmd/${THING}/stop`] },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: [`${arn}:topic/$aws/things/${THING}/shadow/*`, `${arn}:topic/cmd/${THING}/stop`] },
      ],
    });
    expect(devicePolicyName(model)).toBe('thingbench-pump-device');
  });
});
