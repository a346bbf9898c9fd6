/**
 * A small registry made through the AWS IoT control plane (`@aws-sdk/client-iot`) for UI tests and screenshots: a
 * thing type, a group tree, things with attributes, an active certificate attached to a thing with a least-privilege
 * policy and a Deny policy.
 */
import {
  AddThingToThingGroupCommand, AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand,
  CreateThingCommand, CreateThingGroupCommand, CreateThingTypeCommand, IoTClient,
} from '@aws-sdk/client-iot';

export interface RegistrySample {
  certificateId: string;
  certificateArn: string;
}

export const DEVICE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:*:client/${iot:Connection.Thing.ThingName}' },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:*:topic/home/${iot:Connection.Thing.ThingName}/*' },
  ],
};

export const DENY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:*:topic/home/*/firmware' }],
};

export async function seedRegistry(httpUrl: string): Promise<RegistrySample> {
  const iot = new IoTClient({ endpoint: httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'thermostat', thingTypeProperties: { thingTypeDescription: 'Room thermostats', searchableAttributes: ['floor', 'room'] } }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'home', thingGroupProperties: { thingGroupDescription: 'Everything in the house' } }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'ground-floor', parentGroupName: 'home' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'upstairs', parentGroupName: 'home' }));
    const things: Array<{ name: string; type?: string; attributes: Record<string, string>; group: string }> = [
      { name: 'kitchen-thermostat', type: 'thermostat', attributes: { floor: '0', room: 'kitchen' }, group: 'ground-floor' },
      { name: 'bedroom-thermostat', type: 'thermostat', attributes: { floor: '1', room: 'bedroom' }, group: 'upstairs' },
      { name: 'garage-door', type: undefined, attributes: { floor: '0', vendor: 'acme' }, group: 'home' },
    ];
    for (const t of things) {
      await iot.send(new CreateThingCommand({ thingName: t.name, thingTypeName: t.type, attributePayload: { attributes: t.attributes } }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: t.group, thingName: t.name }));
    }
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'kitchen-thermostat', principal: cert.certificateArn! }));
    await iot.send(new CreatePolicyCommand({ policyName: 'home-device', policyDocument: JSON.stringify(DEVICE_POLICY) }));
    await iot.send(new CreatePolicyCommand({ policyName: 'no-firmware', policyDocument: JSON.stringify(DENY_POLICY) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'home-device', target: cert.certificateArn! }));
    await iot.send(new AttachPolicyCommand({ policyName: 'no-firmware', target: cert.certificateArn! }));
    return { certificateId: cert.certificateId!, certificateArn: cert.certificateArn! };
  } finally {
    iot.destroy();
  }
}
