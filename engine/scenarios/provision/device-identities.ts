/**
 * Registers a fleet's devices on an AWS-shaped target before they connect, through the AWS SDK v3 `IoTClient`: the
 * model's thing type (created when missing), one thing per device with its attributes, and with
 * `certificate: provision` a new key pair and certificate per device, attached to its thing and to a policy (the
 * model's, or a least-privilege default over `${iot:Connection.Thing.ThingName}`). The same calls work on the local
 * engine, another Thingbench and AWS IoT Core.
 *
 * LIMITATIONS: an existing thing is updated to the model's type and attributes (merged), not recreated; an existing
 * policy of the model's name is reused as it is. The certificates are the fleet's: `release()` deactivates, detaches
 * and deletes them when the fleet stops; things, the thing type and the policy stay for the next start unless
 * `remove()` is called (a scenario run does: it leaves the registry as it found it).
 */
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand,
  CreateThingTypeCommand, DeleteCertificateCommand, DeletePolicyCommand, DeleteThingCommand, DeleteThingTypeCommand,
  DeprecateThingTypeCommand, DescribeThingTypeCommand, DetachPolicyCommand, DetachThingPrincipalCommand,
  GetPolicyCommand, UpdateCertificateCommand, UpdateThingCommand, type IoTClient,
} from '@aws-sdk/client-iot';
import { EngineError } from '../../core/index.js';
import type { DeviceModel } from '../../devices/index.js';
import type { Target } from '../targets/target.js';
import { call, exceptionName, exists, iotClientFor, refusal } from './iot-control.js';
import { devicePolicyDocument, devicePolicyName } from './device-policy.js';

/** One fleet member as the registry sees it (templates already expanded). */
export interface DeviceRegistration {
  thingName: string;
  attributes: Record<string, string>;
}

/** A provisioned device's certificate and private key (PEM). */
export interface DeviceIdentity {
  thingName: string;
  certificateId: string;
  certificateArn: string;
  cert: string;
  key: string;
}

export interface RegisteredFleet {
  /** By device index; undefined when the model provisions no certificate. */
  identities: Array<DeviceIdentity | undefined>;
  /** The policy attached to the certificates, when there are any. */
  policyName?: string;
  /** Deactivates, detaches and deletes the certificates made here (idempotent). */
  release(): Promise<void>;
  /**
   * After `release()`: deletes the things, the policy and (on a local target) the thing type that registering created;
   * what already existed stays. AWS deletes a thing type only 5 minutes after deprecating it, and a deprecated type
   * takes no new things, so elsewhere the type stays.
   */
  remove(): Promise<void>;
}

/** What registering created (rather than found). */
interface Created { things: string[]; thingType?: string; policy?: string }

/** True when starting `model` needs the target's control plane: a thing type, attributes or a certificate to make. */
export function needsRegistration(model: DeviceModel): boolean {
  // A CoAP device's token belongs to its thing: the thing must exist.
  return model.identity.thingType !== undefined || Object.keys(model.identity.attributes).length > 0 || model.identity.certificate.mode === 'provision'
    || model.protocol.transport === 'coap';
}

const CONCURRENCY = 8;

/** Registers `devices` of `model` on `target`; a refusal is one sentence naming the operation. */
export async function registerDevices(target: Target, model: DeviceModel, devices: readonly DeviceRegistration[], opts: { log?: (message: string) => void } = {}): Promise<RegisteredFleet> {
  const log = opts.log ?? (() => undefined);
  // A thing type or attributes are a registry nicety: on a target without a control plane (any MQTT broker) the
  // devices run without them. A certificate to make is not: iotClientFor refuses it in one sentence.
  if ((!target.aws || !target.capabilities.controlPlane) && model.identity.certificate.mode !== 'provision') {
    log(`things not registered: the target '${target.name}' (${target.kind}) has no AWS IoT control plane`);
    return { identities: devices.map(() => undefined), release: async () => undefined, remove: async () => undefined };
  }
  const iot = iotClientFor(target);
  const made: DeviceIdentity[] = [];
  const attached: Array<{ thingName: string; arn: string }> = [];
  let policyName: string | undefined;
  let released: Promise<void> | undefined;
  const release = () => (released ??= releaseCertificates(target, iot, made, attached, policyName));
  const created: Created = { things: [] };
  const remove = () => removeCreated(target, iot, created);
  try {
    const type = model.identity.thingType;
    if (type !== undefined && !(await exists(target, 'DescribeThingType', () => iot.send(new DescribeThingTypeCommand({ thingTypeName: type }))))) {
      await call(target, 'CreateThingType', () => iot.send(new CreateThingTypeCommand({ thingTypeName: type })));
      created.thingType = type;
      log(`thing type ${type}: created`);
    }
    await inBatches(devices, async (d) => {
      if (await registerThing(target, iot, d, type)) created.things.push(d.thingName);
    });
    log(`${devices.length} thing(s) registered`);
    if (model.identity.certificate.mode !== 'provision') return { identities: devices.map(() => undefined), release, remove };

    const identities: DeviceIdentity[] = new Array(devices.length);
    // The first certificate's ARN gives the target's region and account for the default policy's resources.
    identities[0] = await createCertificate(target, iot, devices[0].thingName, made);
    policyName = await ensurePolicy(target, iot, model, identities[0].certificateArn, created);
    const rest = devices.slice(1).map((d, i) => ({ d, index: i + 1 }));
    await inBatches(rest, async ({ d, index }) => {
      identities[index] = await createCertificate(target, iot, d.thingName, made);
    });
    await inBatches(identities, async (id) => {
      await call(target, 'AttachPolicy', () => iot.send(new AttachPolicyCommand({ policyName, target: id.certificateArn })));
      await call(target, 'AttachThingPrincipal', () => iot.send(new AttachThingPrincipalCommand({ thingName: id.thingName, principal: id.certificateArn })));
      attached.push({ thingName: id.thingName, arn: id.certificateArn });
    });
    log(`${identities.length} certificate(s) created and attached to policy ${policyName}`);
    return { identities, policyName, release, remove };
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }
}

/** Creates or updates the device's thing; true when it created it. */
async function registerThing(target: Target, iot: IoTClient, d: DeviceRegistration, thingTypeName: string | undefined): Promise<boolean> {
  const attributePayload = { attributes: d.attributes };
  try {
    await iot.send(new CreateThingCommand({ thingName: d.thingName, ...(thingTypeName ? { thingTypeName } : {}), attributePayload }));
    return true;
  } catch (e) {
    // AWS: CreateThing of an existing thing with other settings is ResourceAlreadyExistsException.
    if (exceptionName(e) !== 'ResourceAlreadyExistsException') throw refusal(target, `CreateThing ${d.thingName}`, e);
    await call(target, `UpdateThing ${d.thingName}`, () => iot.send(new UpdateThingCommand({
      thingName: d.thingName, ...(thingTypeName ? { thingTypeName } : {}), attributePayload: { ...attributePayload, merge: true },
    })));
    return false;
  }
}

async function createCertificate(target: Target, iot: IoTClient, thingName: string, made: DeviceIdentity[]): Promise<DeviceIdentity> {
  const c = await call(target, 'CreateKeysAndCertificate', () => iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true })));
  if (!c.certificateId || !c.certificateArn || !c.certificatePem || !c.keyPair?.PrivateKey) {
    throw new EngineError('Unavailable', `the target '${target.name}' answered CreateKeysAndCertificate without a certificate and private key`);
  }
  const id = { thingName, certificateId: c.certificateId, certificateArn: c.certificateArn, cert: c.certificatePem, key: c.keyPair.PrivateKey };
  made.push(id);
  return id;
}

/** The model's policy by name (it must exist), its document (created once), or the least-privilege default. */
async function ensurePolicy(target: Target, iot: IoTClient, model: DeviceModel, certificateArn: string, created: Created): Promise<string> {
  const given = model.identity.policy;
  const name = typeof given === 'string' ? given : devicePolicyName(model);
  const present = await exists(target, 'GetPolicy', () => iot.send(new GetPolicyCommand({ policyName: name })));
  if (typeof given === 'string') {
    if (!present) throw new EngineError('NotFound', `model '${model.name}' names the policy '${given}', which does not exist on the target '${target.name}': create it first, or leave identity.policy out for a least-privilege default`);
    return name;
  }
  if (!present) {
    const policyDocument = JSON.stringify(given ?? devicePolicyDocument(model, certificateArn));
    await call(target, `CreatePolicy ${name}`, () => iot.send(new CreatePolicyCommand({ policyName: name, policyDocument })));
    created.policy = name;
  }
  return name;
}

async function releaseCertificates(target: Target, iot: IoTClient, made: DeviceIdentity[], attached: Array<{ thingName: string; arn: string }>, policyName: string | undefined): Promise<void> {
  const quiet = async (send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (e) {
      if (exceptionName(e) !== 'ResourceNotFoundException') throw refusal(target, 'releasing a device certificate', e);
    }
  };
  await inBatches(made, async (id) => {
    if (attached.some((a) => a.arn === id.certificateArn)) {
      await quiet(() => iot.send(new DetachThingPrincipalCommand({ thingName: id.thingName, principal: id.certificateArn })));
    }
    if (policyName) await quiet(() => iot.send(new DetachPolicyCommand({ policyName, target: id.certificateArn })));
    await quiet(() => iot.send(new UpdateCertificateCommand({ certificateId: id.certificateId, newStatus: 'INACTIVE' })));
    await quiet(() => iot.send(new DeleteCertificateCommand({ certificateId: id.certificateId })));
  });
}

async function removeCreated(target: Target, iot: IoTClient, created: Created): Promise<void> {
  const quiet = async (operation: string, send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (e) {
      if (exceptionName(e) !== 'ResourceNotFoundException') throw refusal(target, operation, e);
    }
  };
  await inBatches(created.things.splice(0), (thingName) => quiet(`DeleteThing ${thingName}`, () => iot.send(new DeleteThingCommand({ thingName }))));
  const policyName = created.policy;
  created.policy = undefined;
  if (policyName) await quiet(`DeletePolicy ${policyName}`, () => iot.send(new DeletePolicyCommand({ policyName })));
  const thingTypeName = created.thingType;
  created.thingType = undefined;
  if (thingTypeName && target.kind === 'local') {
    await quiet(`DeprecateThingType ${thingTypeName}`, () => iot.send(new DeprecateThingTypeCommand({ thingTypeName })));
    await quiet(`DeleteThingType ${thingTypeName}`, () => iot.send(new DeleteThingTypeCommand({ thingTypeName })));
  }
}

/** Runs `fn` over `items`, at most CONCURRENCY at a time; the first failure is rethrown once all have settled. */
async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  if (failure !== undefined) throw failure;
}
