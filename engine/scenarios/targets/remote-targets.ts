/**
 * The `thingbench` target (another Thingbench, e.g. a trainer's machine: MQTT over mutual TLS with a certificate it
 * issued, its HTTP API signed with an access key its `--access-key` accepts, its CA trusted) and the `mqtt` target
 * (any MQTT broker: publish and subscribe only).
 */
import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { Agent } from 'node:https';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { EngineError } from '../../core/index.js';
import type { TargetProfile } from './profiles.js';
import { probeEndpoint, readPem, readSecret } from './target-io.js';
import type { Target, TargetAws, TargetCapabilities, TargetKind, TargetMqtt, TargetTls } from './target.js';

export interface RemoteOpenOptions {
  /** Connect to the endpoints (and check the keys) before returning (default true). */
  probe?: boolean;
}

const NONE: TargetCapabilities = { shadows: false, controlPlane: false, sinks: false, engineRestart: false };

/** A target reached over the network: one MQTT endpoint, maybe AWS-shaped APIs; nothing to release on close. */
export class RemoteTarget implements Target {
  constructor(
    readonly name: string,
    readonly kind: TargetKind,
    readonly capabilities: TargetCapabilities,
    private readonly endpoint: TargetMqtt,
    readonly aws?: TargetAws,
  ) {}

  mqtt(transport?: 'mqtt' | 'mqtts' | 'ws'): TargetMqtt {
    if (transport !== undefined && transportOf(this.endpoint.url) !== transport) {
      throw new EngineError('InvalidInput', `the target '${this.name}' is reached at ${this.endpoint.url}, not over ${transport}`);
    }
    return this.endpoint;
  }

  async close(): Promise<void> {}
}

/**
 * The endpoint a device of a model with this transport uses on the target: the target's endpoint for the transport,
 * or, when the target has none (AWS IoT Core has only mutual TLS, a plain broker only its URL), the target's own
 * endpoint with its certificate. A local target's mutual TLS needs a device certificate the model does not have, so
 * such devices use plain MQTT there.
 */
export function deviceEndpoint(target: Pick<Target, 'mqtt'>, transport: 'mqtt' | 'mqtts' | 'ws'): TargetMqtt {
  let m: TargetMqtt;
  try {
    m = target.mqtt(transport);
  } catch {
    return target.mqtt();
  }
  if (/^(mqtts|wss):/.test(m.url) && !m.tls?.cert) return target.mqtt();
  return m;
}

/** mqtt://, mqtts://, ws:// (wss:// counts as ws: MQTT over WebSocket). */
export function transportOf(url: string): 'mqtt' | 'mqtts' | 'ws' {
  const p = new URL(url).protocol;
  return p === 'mqtts:' ? 'mqtts' : p === 'ws:' || p === 'wss:' ? 'ws' : 'mqtt';
}

function tlsOf(name: string, p: TargetProfile): TargetTls | undefined {
  if (!p.cert && !p.ca) return undefined;
  return {
    ...(p.cert ? { cert: readPem(p.cert, 'device certificate', name), key: readPem(p.key!, 'private key', name) } : {}),
    ...(p.ca ? { ca: readPem(p.ca, 'CA certificate', name) } : {}),
  };
}

export async function openThingbenchTarget(name: string, p: TargetProfile, opts: RemoteOpenOptions = {}): Promise<Target> {
  const tls = tlsOf(name, p);
  const secret = readSecret({ file: p.secretAccessKeyFile, env: p.secretAccessKeyEnv }, 'secret access key', name);
  // Without keys (a Thingbench on this machine's loopback accepts any signature) the SDK still signs, with placeholders.
  const credentials = p.accessKeyId && secret ? { accessKeyId: p.accessKeyId, secretAccessKey: secret } : { accessKeyId: 'THINGBENCH', secretAccessKey: 'thingbench' };
  const endpoint = p.endpoint!.replace(/\/$/, '');
  const aws: TargetAws = { endpoint, dataEndpoint: endpoint, region: p.region ?? 'us-east-1', credentials, ...(tls?.ca ? { ca: tls.ca } : {}) };
  const target = new RemoteTarget(name, 'thingbench', { shadows: true, controlPlane: true, sinks: false, engineRestart: false }, { url: p.mqttUrl!, ...(tls ? { tls } : {}) }, aws);
  if (opts.probe !== false) {
    await probeEndpoint(name, 'MQTT', p.mqttUrl!, tls);
    await probeEndpoint(name, 'HTTP API', endpoint, tls?.ca ? { ca: tls.ca } : undefined);
    await checkKeys(target, aws);
  }
  return target;
}

/** One signed, read-only call (DescribeEndpoint), so refused keys are one sentence before anything runs. */
async function checkKeys(target: Target, aws: TargetAws): Promise<void> {
  const client = new IoTClient({
    endpoint: aws.endpoint, region: aws.region, credentials: aws.credentials, maxAttempts: 1,
    ...(aws.ca ? { requestHandler: { httpsAgent: new Agent({ ca: aws.ca }) } } : {}),
  });
  try {
    await client.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  } catch (e) {
    throw keysRefused(target, e);
  } finally {
    client.destroy();
  }
}

export function keysRefused(target: Target, e: unknown): EngineError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const message = (err.message ?? String(e)).split('\n')[0].replace(/\.$/, '');
  const creds = target.aws?.credentials;
  const keyId = creds && typeof creds === 'object' ? ` ${creds.accessKeyId}` : '';
  const who = target.kind === 'aws'
    ? `AWS refused the credentials of ${target.aws?.profile ? `the AWS profile '${target.aws.profile}'` : 'the default AWS credential chain'} for the target '${target.name}'`
    : `the target '${target.name}' refused its access key${keyId}`;
  if (status === 401 || status === 403 || /Unrecognized|InvalidSignature|SignatureDoesNotMatch|ExpiredToken|AccessDenied|Unauthorized|Forbidden/.test(err.name ?? '')) {
    return new EngineError('Unauthorized', `${who}: ${message}${err.name && err.name !== 'Error' ? ` (${err.name})` : ''}`);
  }
  if (err.name === 'CredentialsProviderError') {
    const profile = target.aws?.profile;
    return new EngineError('Unauthorized', `the target '${target.name}' has no AWS credentials ${profile ? `for the AWS profile '${profile}'` : 'from the default AWS credential chain'} (${message}); `
      + `set them up with aws configure${profile ? ` --profile ${profile}` : ''}${profile ? ', or name another profile with --aws-profile' : ', or name a profile with --aws-profile'}`);
  }
  return new EngineError('Unavailable', `the target '${target.name}' did not answer DescribeEndpoint: ${message}`);
}

export async function openMqttTarget(name: string, p: TargetProfile, opts: RemoteOpenOptions = {}): Promise<Target> {
  const tls = tlsOf(name, p);
  const password = readSecret({ file: p.passwordFile, env: p.passwordEnv }, 'password', name);
  const endpoint: TargetMqtt = { url: p.mqttUrl!, ...(tls ? { tls } : {}), ...(p.username ? { username: p.username } : {}), ...(password !== undefined ? { password } : {}) };
  if (opts.probe !== false) {
    await probeEndpoint(name, 'MQTT', p.mqttUrl!, tls);
    await probeLogin(name, endpoint);
  }
  return new RemoteTarget(name, 'mqtt', NONE, endpoint);
}

/**
 * One MQTT CONNECT with the target's login, so a refused username or password is one sentence before a run. A plain
 * broker takes any client id; an AWS-shaped one (whose policies often name client ids) is checked with a device's
 * own client id instead (`checkConnect`).
 */
async function probeLogin(name: string, m: TargetMqtt): Promise<void> {
  await connectOnce({ name, kind: 'mqtt', endpoint: m }, `thingbench-check-${randomBytes(4).toString('hex')}`);
}

/**
 * Connects once to the target's MQTT endpoint as `clientId` (with its certificate or login) and disconnects: a denied
 * policy, an inactive certificate or a refused login is one sentence (`EngineError` Forbidden or Unauthorized) before
 * a fleet starts backing off against it.
 */
export async function checkConnect(target: Pick<Target, 'name' | 'kind' | 'mqtt'>, clientId: string, endpoint: TargetMqtt = target.mqtt()): Promise<void> {
  await connectOnce({ name: target.name, kind: target.kind, endpoint }, clientId);
}

async function connectOnce(t: { name: string; kind: TargetKind; endpoint: TargetMqtt }, clientId: string): Promise<void> {
  const m = t.endpoint;
  const client = mqtt.connect(m.url, {
    clientId, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4,
    ...(m.username !== undefined ? { username: m.username } : {}), ...(m.password !== undefined ? { password: m.password } : {}),
    ...(m.tls ?? {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (e: Error & { code?: number | string }) => reject(e));
      client.once('close', () => reject(Object.assign(new Error('closed before its CONNACK'), { code: 'CLOSED' })));
    });
  } catch (e) {
    throw connectRefused(t, clientId, e as Error & { code?: number | string });
  } finally {
    client.end(true);
  }
}

function connectRefused(t: { name: string; kind: TargetKind; endpoint: TargetMqtt }, clientId: string, e: Error & { code?: number | string }): EngineError {
  const url = t.endpoint.url;
  const why = e.message.replace(/^Connection refused: /, '');
  const aws = t.kind === 'aws' || t.kind === 'thingbench';
  // A plain broker (Mosquitto) answers a wrong password with "not authorized" (5) as often as with 4.
  if (e.code === 4 || e.code === 134 || ((e.code === 5 || e.code === 135) && !aws)) {
    const login = t.endpoint.username !== undefined ? `the login of user '${t.endpoint.username}'` : 'a connection without a login';
    return new EngineError('Unauthorized', `target '${t.name}': the broker at ${url} refused ${login} (${why})`);
  }
  if (e.code === 5 || e.code === 135) {
    return new EngineError('Forbidden', `target '${t.name}': ${url} refused client id '${clientId}' (${why})${aws ? `: no policy of the device certificate allows iot:Connect on client/${clientId}` : ''}`);
  }
  if (e.code === 'CLOSED' && aws) {
    return new EngineError('Forbidden', `target '${t.name}': ${url} closed the connection of client id '${clientId}' before its CONNACK, as AWS IoT does when no policy of the device certificate allows iot:Connect for it, or the certificate is not active`);
  }
  return new EngineError('Unavailable', `target '${t.name}': the broker at ${url} did not accept an MQTT connection as '${clientId}': ${e.message}`);
}
