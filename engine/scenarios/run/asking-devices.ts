import { EngineError } from '../../core/index.js';
import { createDevice, createDeviceContext, deviceSeed, deviceSpecFromModel, type DeviceClock, type DeviceModel, type FleetDevice, type ReplayData } from '../../devices/index.js';
import { needsRegistration, registerDevices } from '../provision/index.js';
import type { CleanupStack, StepLog } from '../steps/step.js';
import type { Target } from '../targets/index.js';

/**
 * A scenario's devices that only ask (model transport coap or https), in this process on the run's clock: their things
 * registered (and certificates made, for https), a CoAP device token per thing from the target's contract, then
 * started. Nothing to wait for: such a device is online once a request of its is answered.
 */
export async function startAskingDevices(o: {
  name: string; where: string; model: DeviceModel; count: number; seed: number; replay: ReplayData; target: Target;
  clock: DeviceClock; keep: boolean; keptUndo: Array<() => Promise<void>>; cleanup: CleanupStack; log: StepLog;
}): Promise<FleetDevice[]> {
  const { model, target } = o;
  const transport = model.protocol.transport as 'coap' | 'https';
  if (!target.asking) throw new EngineError('InvalidInput', `${o.where}: model '${model.name}' speaks ${transport}, and the target '${target.name}' (${target.kind}) has no ${transport} device endpoint`);
  const endpoint = target.asking(transport);
  const members = Array.from({ length: o.count }, (_, index) => {
    const c = createDeviceContext(model, index, o.seed);
    return { thingName: c.thingName, attributes: c.attributes };
  });
  const identities: Array<{ cert?: string; key?: string; token?: string } | undefined> = members.map(() => undefined);
  if (needsRegistration(model)) {
    const registration = await registerDevices(target, model, members, { log: (m) => o.log.info(`${o.name}: ${m}`) });
    if (o.keep) o.keptUndo.push(() => registration.remove(), () => registration.release());
    else {
      o.cleanup.push(`delete the things of ${o.name}`, () => registration.remove());
      o.cleanup.push(`release the certificates of ${o.name}`, () => registration.release());
    }
    registration.identities.forEach((id, i) => { if (id) identities[i] = { cert: id.cert, key: id.key }; });
  }
  if (transport === 'coap') {
    const api = target.api;
    if (!api) throw new EngineError('InvalidInput', `${o.where}: model '${model.name}' speaks coap: its device tokens are made on a local target, not on '${target.name}' (${target.kind})`);
    for (const [i, m] of members.entries()) identities[i] = { token: (await api.registry.setDeviceToken({ thing: m.thingName })).token };
  }
  return members.map((_, index) => {
    const own = identities[index];
    const tls = transport === 'https' ? { ...(endpoint.ca ? { ca: endpoint.ca } : {}), ...(own?.cert ? { cert: own.cert, key: own.key } : {}) } : undefined;
    return createDevice(deviceSpecFromModel(model, { index, seed: o.seed, url: endpoint.url, tls, token: own?.token, replay: o.replay }), { clock: o.clock, seed: deviceSeed(o.seed, index) });
  });
}
