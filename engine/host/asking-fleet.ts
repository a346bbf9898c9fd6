/**
 * `thingbench devices start` for models that only ask (`protocol.transport: coap | https`): their identities are made
 * by the Thingbench running on the data directory, through its contract (control socket) and its HTTP API, as its own
 * Devices view makes them: the things registered (and, for https, a certificate per device from the model's
 * `certificate: provision`), a CoAP device token per thing (`registry.setDeviceToken`, made anew: the thing's earlier
 * token stops working), and the fleet sent to the engine's `coap` or `https` endpoint.
 */
import { EngineError } from '../core/index.js';
import { createDeviceContext, type DeviceIdentity, type DeviceModel } from '../devices/index.js';
import { registerCliFleet, type CliRegistration } from './device-registration.js';
import { connectEngine, runningEngine } from './engine-control.js';

export interface AskingFleetSetup {
  url: string;
  /** The engine's CA for an https fleet's TLS. */
  tls?: { ca?: string };
  identities: ReadonlyArray<DeviceIdentity | undefined>;
  reg: CliRegistration;
}

const NOT_HERE = ['target', 'mqtt-url', 'cert', 'key', 'http-url'];

export async function setUpAskingFleet(opts: {
  model: DeviceModel; count: number; seed: number; values: Record<string, unknown>; dataDir: string; log: (m: string) => void;
}): Promise<AskingFleetSetup> {
  const { model, values, dataDir } = opts;
  const transport = model.protocol.transport as 'coap' | 'https';
  const given = NOT_HERE.find((f) => values[f] !== undefined);
  if (given) throw new EngineError('InvalidInput', `--${given} is for MQTT models: '${model.name}' speaks ${transport} to the Thingbench running on the data directory, which makes its ${transport === 'coap' ? 'tokens' : 'certificates'}`);
  if (transport === 'https' && model.identity.certificate.mode !== 'provision') {
    throw new EngineError('InvalidInput', `model '${model.name}' speaks https, whose devices prove who they are with a certificate of their own: set identity.certificate to provision`);
  }
  const running = runningEngine(dataDir);
  if (!running) throw new EngineError('Unavailable', `model '${model.name}' speaks ${transport}: its devices' ${transport === 'coap' ? 'tokens' : 'certificates'} are made by the Thingbench running on ${dataDir}, and none is; start it first (npm start, or thingbench up)`);
  const url = running.endpoints[transport];
  if (!url) throw new EngineError('Unavailable', `the Thingbench running on ${dataDir} (pid ${running.pid}) has no ${transport} endpoint (its ${transport === 'coap' ? 'CoAP listener' : 'HTTPS device endpoint'} is off)`);
  const reg = await registerCliFleet({ ...opts, values: { ...values, 'http-url': running.endpoints.http } });
  try {
    if (transport === 'https') return { url, tls: reg.ca ? { ca: reg.ca } : {}, identities: reg.registered?.identities ?? [], reg };
    const client = await connectEngine(running);
    try {
      const identities: DeviceIdentity[] = [];
      for (let index = 0; index < opts.count; index++) {
        const thing = createDeviceContext(model, index, opts.seed).thingName;
        identities.push({ token: (await client.registry.setDeviceToken({ thing })).token });
      }
      return { url, identities, reg };
    } finally {
      client.dispose();
    }
  } catch (e) {
    await reg.registered?.release().catch(() => undefined);
    throw e;
  }
}
