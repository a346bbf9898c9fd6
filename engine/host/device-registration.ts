/**
 * `thingbench devices start` for models that register their things or provision their certificates: the AWS IoT
 * control plane to do it on (a `Target`), from `--http-url` (default: the local Thingbench's HTTP API when the fleet
 * goes to the local Thingbench), `--region` and the AWS credentials in the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultPorts } from '../config.js';
import { EngineError } from '../core/index.js';
import { createDeviceContext, type DeviceModel } from '../devices/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, needsRegistration, registerDevices, type RegisteredFleet, type Target } from '../scenarios/index.js';

export const deviceRegistrationOptions = {
  'http-url': { type: 'string' }, region: { type: 'string' },
} as const;

export const deviceRegistrationUsage = `
      A model with a thingType or attributes registers its things first, and one with certificate: provision also
      gets a certificate per device (attached to its thing and a policy) and connects over mutual TLS: on the AWS IoT
      control plane at --http-url (default: the local Thingbench, http://127.0.0.1:${defaultPorts.http}, when
      --mqtt-url is left out), in --region (default ${LOCAL_REGION}), with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
      from the environment (any for a local Thingbench). The server's CA is --ca, or DIR/security/root-ca.pem.`;

export interface CliRegistration {
  /** The fleet's registration (certificates by device index), when there was one. */
  registered?: RegisteredFleet;
  /** The CA to trust for a provisioned fleet's mutual TLS. */
  ca?: string;
}

/**
 * Registers the fleet when the model asks for it and a control plane is known. A provisioning model without one is
 * refused in one sentence (thrown as EngineError InvalidInput); a thing type or attributes without one are skipped.
 */
export async function registerCliFleet(opts: {
  model: DeviceModel; count: number; seed: number; values: Record<string, unknown>; dataDir: string; log: (m: string) => void;
  /** An open target (`--target NAME`) to register on instead of --http-url; one without a control plane skips it. */
  target?: Target;
}): Promise<CliRegistration> {
  const { model, values } = opts;
  if (!needsRegistration(model)) return {};
  const provision = model.identity.certificate.mode === 'provision';
  if (opts.target) {
    if (!opts.target.aws || !opts.target.capabilities.controlPlane) {
      if (provision) throw new EngineError('InvalidInput', `model '${model.name}' provisions a certificate per device, and the target '${opts.target.name}' (${opts.target.kind}) has no AWS IoT control plane to make them on`);
      return {};
    }
    const registered = await registerDevices(opts.target, model, fleetMembers(model, opts.count, opts.seed), { log: opts.log });
    return { registered, ...(provision ? { ca: opts.target.mqtt('mqtts').tls?.ca } : {}) };
  }
  const httpUrl = (values['http-url'] as string | undefined) ?? (values['mqtt-url'] === undefined ? `http://127.0.0.1:${defaultPorts.http}` : undefined);
  if (!httpUrl) {
    if (provision) throw new EngineError('InvalidInput', `model '${model.name}' provisions a certificate per device: give the AWS IoT control plane with --http-url URL (a Thingbench's HTTP API or https://iot.<region>.amazonaws.com)`);
    return {};
  }
  if (provision) for (const f of ['cert', 'key']) if (values[f] !== undefined) throw new EngineError('InvalidInput', `--${f} is for models without certificate: provision; '${model.name}' makes one per device`);
  const env = process.env;
  const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
    : { ...LOCAL_CREDENTIALS };
  const target: Target = {
    name: httpUrl, kind: 'thingbench',
    capabilities: { shadows: true, controlPlane: true, sinks: false, engineRestart: false },
    mqtt: () => {
      throw new EngineError('InvalidInput', 'the control plane target has no MQTT endpoint');
    },
    aws: { endpoint: httpUrl, region: (values.region as string | undefined) ?? LOCAL_REGION, credentials },
    close: async () => undefined,
  };
  const registered = await registerDevices(target, model, fleetMembers(model, opts.count, opts.seed), { log: opts.log });
  return { registered, ...(provision ? { ca: readCa(values.ca as string | undefined, opts.dataDir) } : {}) };
}

function fleetMembers(model: DeviceModel, count: number, seed: number) {
  return Array.from({ length: count }, (_, index) => {
    const ctx = createDeviceContext(model, index, seed);
    return { thingName: ctx.thingName, attributes: ctx.attributes };
  });
}

function readCa(file: string | undefined, dataDir: string): string | undefined {
  const chosen = file ?? path.join(dataDir, 'security', 'root-ca.pem');
  try {
    return fs.readFileSync(chosen, 'utf8');
  } catch (e) {
    if (file === undefined) return undefined; // the system's CAs (AWS IoT Core's ATS endpoint)
    throw new EngineError('InvalidInput', `--ca: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
