import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultDataDir, defaultPorts } from '../config.js';
import { EngineError } from '../core/index.js';
import {
  createDeviceContext, customModelsDir, findModel, Fleet, loadDeviceModel, loadModelCatalog, readReplayFiles,
  type CatalogModel, type DeviceModel, type FaultSpec, type FleetStatus, type ReplayData,
} from '../devices/index.js';
import { FaultUsageError, faultMain, faultUsage } from './devices-fault-command.js';
import { openFleetControl, type FleetControl } from './fleet-control.js';
import { setUpAskingFleet, type AskingFleetSetup } from './asking-fleet.js';
import { waitForSignal } from './wait-for-signal.js';
import { deviceRegistrationOptions, deviceRegistrationUsage, registerCliFleet } from './device-registration.js';
import { checkConnect, deviceEndpoint, mqttLogin, requireCapabilities, type Target, type TargetMqtt } from '../scenarios/index.js';
import { openTargetOption, targetExitCode } from './target-commands.js';

export const devicesUsage = `
Virtual devices:
  thingbench devices models [--data-dir DIR] [--json]
      Lists the built-in device models and the custom ones in DIR/models/*.yaml (default data directory:
      ${defaultDataDir()}); a custom model that does not load is listed with its file:line:col problems.
  thingbench devices start MODEL [--count N] [--seed N] [--data-dir DIR]
                           [--target NAME | --mqtt-url URL [--cert FILE --key FILE [--ca FILE]] [--http-url URL] [--region R]]
                           [--connect-rate N] [--json]
      Runs a fleet of N devices (default 1) from MODEL — a model's name (built-in or in DIR/models) or a model file — until Ctrl-C,
      each its own MQTT connection, in a worker thread, with a one-line live status (connected, msgs/s, acks).
      --mqtt-url defaults to the local Thingbench for the model's transport (mqtt://127.0.0.1:${defaultPorts.mqtt},
      ws://127.0.0.1:${defaultPorts.ws}/mqtt, mqtts://127.0.0.1:${defaultPorts.mqtts}); mqtts needs --cert and --key (PEM).
      --target runs the fleet against a saved target (thingbench target list): its MQTT endpoint, certificate, login
      and control plane; 'local' starts an engine for the fleet. A model with shadow behaviour needs a target with
      Device Shadow.
      A coap or https model (devices that only ask) runs against the Thingbench running on DIR, which registers its
      things and makes their device tokens (coap, each made anew) or certificates (https, certificate: provision).
      --seed fixes every generated value; --connect-rate caps new connections per second (default 500).
      The fleet takes faults from \`devices fault\` through a control socket under DIR/run (owner only).${deviceRegistrationUsage}
${faultUsage}`;

class UsageError extends Error {}

/** `thingbench devices …`: exit 0 done, 1 failed, 2 bad input. */
export async function devicesCommand(argv: string[]): Promise<number> {
  try {
    const [sub, ...rest] = argv;
    if (sub === 'models') return modelsMain(rest);
    if (sub === 'start') return await startMain(rest);
    if (sub === 'fault') return await faultCommand(rest);
    throw new UsageError(sub === undefined ? 'devices needs a command: models, start or fault' : `unknown devices command '${sub}' (models, start, fault)`);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof EngineError && targetExitCode(e) === 2)) {
      process.stderr.write(`thingbench devices: ${e.message}\n${devicesUsage}`);
      return 2;
    }
    process.stderr.write(`thingbench devices: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}

/** Exit 2 for bad input (options, an unknown device or fleet), 1 when no fleet runs or it cannot be reached. */
async function faultCommand(argv: string[]): Promise<number> {
  try {
    return await faultMain(argv);
  } catch (e) {
    const input = e instanceof FaultUsageError || (e instanceof EngineError && (e.code === 'InvalidInput' || e.code === 'NotFound'));
    process.stderr.write(`thingbench devices fault: ${(e as Error).message}\n`);
    if (e instanceof FaultUsageError) process.stderr.write('Run thingbench --help for the fault kinds and their options.\n');
    return input ? 2 : 1;
  }
}

function modelsMain(argv: string[]): number {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, 'data-dir': { type: 'string' } });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const dataDir = path.resolve((values['data-dir'] as string | undefined) ?? defaultDataDir());
  const { models, errors } = loadModelCatalog(dataDir);
  if (values.json) {
    for (const m of models) {
      process.stdout.write(JSON.stringify({ name: m.model.name, description: m.model.description ?? null, transport: m.model.protocol.transport, builtIn: m.builtIn, file: m.file }) + '\n');
    }
    for (const e of errors) process.stdout.write(JSON.stringify({ error: e.message, file: e.file }) + '\n');
    return 0;
  }
  const width = Math.max(...models.map((m) => m.model.name.length));
  const list = (builtIn: boolean) => models.filter((m) => m.builtIn === builtIn).forEach((m) => process.stdout.write(`  ${m.model.name.padEnd(width)}  ${m.model.description ?? ''}\n`));
  process.stdout.write('Built-in device models:\n');
  list(true);
  const customDir = customModelsDir(dataDir);
  process.stdout.write(models.some((m) => !m.builtIn) ? `Custom models (${customDir}):\n` : `No custom models in ${customDir}\n`);
  list(false);
  for (const e of errors) process.stderr.write(`Not loaded: ${e.message}\n`);
  process.stdout.write('Any model file works too: thingbench devices start ./my-model.yaml\n');
  return 0;
}

async function startMain(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    count: { type: 'string' }, seed: { type: 'string' }, 'mqtt-url': { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' },
    ca: { type: 'string' }, 'connect-rate': { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, target: { type: 'string' },
    ...deviceRegistrationOptions,
  });
  if (!positionals.length) throw new UsageError('devices start needs a model: a built-in name (thingbench devices models) or a model file');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const count = int(values.count, 1, '--count', 1, 100_000);
  const seed = int(values.seed, 1, '--seed', 0, 2 ** 32 - 1);
  const connectRate = int(values['connect-rate'], 500, '--connect-rate', 1, 100_000);
  const dataDir = path.resolve((values['data-dir'] as string | undefined) ?? defaultDataDir());
  const { model, replay } = resolveModel(positionals[0], dataDir);
  const target = await openTargetOption(values, ['mqtt-url', 'cert', 'key', 'ca', 'http-url', 'region']);
  try {
    return await runFleet(values, dataDir, model, replay, { count, seed, connectRate }, target);
  } finally {
    await target?.close();
  }
}

async function runFleet(values: Record<string, unknown>, dataDir: string, model: DeviceModel, replay: ReplayData, n: { count: number; seed: number; connectRate: number }, target: Target | undefined): Promise<number> {
  const t = model.protocol.transport;
  const { count, seed, connectRate } = n;
  const provision = model.identity.certificate.mode === 'provision';
  const json = values.json === true;
  const log = (m: string) => process.stderr.write(`${m}\n`);
  let url: string, shown: string, tls: TargetMqtt['tls'], login: ReturnType<typeof mqttLogin> = undefined;
  let reg: Awaited<ReturnType<typeof registerCliFleet>>;
  let identities: AskingFleetSetup['identities'] | undefined;
  if (t === 'coap' || t === 'https') {
    const asking = await setUpAskingFleet({ model, count, seed, values, dataDir, log });
    ({ url, tls, identities, reg } = asking);
    shown = url;
  } else if (target) {
    if (usesShadow(model)) requireCapabilities(target, ['shadows'], `the model ${model.name} (shadow behaviour)`);
    // Registration first: a provisioning model on a target without a control plane is refused before anything else.
    reg = await registerCliFleet({ model, count, seed, values, dataDir, log, target });
    try {
      const m = provision ? target.mqtt('mqtts') : deviceEndpoint(target, t);
      // The first device's client id and credentials, once: a denied policy is one sentence, not a fleet backing off.
      if (!provision) await checkConnect(target, createDeviceContext(model, 0, seed).clientId, m);
      url = m.url;
      login = mqttLogin(m);
      shown = `${m.url} (target ${target.name})`;
      tls = provision ? undefined : m.tls;
    } catch (e) {
      await reg.registered?.release().catch(() => undefined);
      throw e;
    }
  } else {
    url = (values['mqtt-url'] as string | undefined) ?? defaultUrl(model);
    shown = url;
    tls = provision ? undefined : tlsFiles(url, values);
    await reachable(url);
    reg = await registerCliFleet({ model, count, seed, values, dataDir, log });
  }
  let fleet: Fleet;
  try {
    fleet = await Fleet.start({
      model, count, seed, url, replay, connectRate, ...(login ? { login } : {}),
      ...(identities ? { tls, identities } : provision && reg.registered ? { tls: reg.ca ? { ca: reg.ca } : undefined, identities: reg.registered.identities } : { tls }),
    });
  } catch (e) {
    await reg.registered?.release().catch(() => undefined);
    throw e;
  }
  const tty = !json && process.stderr.isTTY === true;
  if (json) process.stdout.write(JSON.stringify({ event: 'started', model: model.name, count, seed, url: shown, ...(target ? { target: target.name } : {}), first: fleet.devices[0] }) + '\n');
  else process.stderr.write(`Fleet of ${count} × ${model.name} (seed ${seed}) → ${shown}; Ctrl-C stops it\n`);
  fleet.events.on('status', (s) => {
    if (json) process.stdout.write(JSON.stringify({ event: 'status', ...s }) + '\n');
    else if (tty) process.stderr.write(`\r${statusLine(s)}\x1b[K`);
    else process.stderr.write(statusLine(s) + '\n');
  });
  let failed: string | undefined;
  const fatal = new Promise<void>((resolve) => fleet.events.on('error', (e) => {
    failed = e.message;
    resolve();
  }));
  let control: FleetControl | undefined;
  try {
    control = await openFleetControl(dataDir, { model: model.name, count }, async (req) => {
      if (req.op === 'status') return fleet.status() ?? null;
      const result = await fleet.fault(req.spec as FaultSpec, req.devices ? { devices: req.devices } : {});
      if (json) process.stdout.write(JSON.stringify({ event: 'fault', spec: req.spec, ...(req.devices ? { devices: req.devices } : {}), result }) + '\n');
      else process.stderr.write(`${tty ? '\r\x1b[K' : ''}fault: ${result.kind} applied to ${result.applied} of ${result.targeted} devices\n`);
      return result;
    });
  } catch (e) {
    process.stderr.write(`thingbench devices: faults from \`devices fault\` are off: cannot open the control socket (${(e as Error).message})\n`);
  }
  await Promise.race([waitForSignal(), fatal]);
  await control?.close();
  const final = await fleet.stop();
  await reg.registered?.release().catch((e: Error) => process.stderr.write(`thingbench devices: giving back the fleet's certificates failed: ${e.message}\n`));
  if (tty) process.stderr.write('\n');
  if (json) process.stdout.write(JSON.stringify({ event: 'stopped', ...final }) + '\n');
  else if (final) process.stderr.write(`Stopped: ${final.published} published, ${final.acked} acknowledged, ${final.dropped} dropped while offline\n`);
  if (failed) {
    process.stderr.write(`thingbench devices: the fleet failed: ${failed}\n`);
    return 1;
  }
  return 0;
}

function statusLine(s: FleetStatus): string {
  return `${s.connected}/${s.devices} connected · ${s.publishRate} msg/s · ${s.ackRate} acks/s · ${s.published} published · ${s.acked} acked`
    + (s.buffered ? ` · ${s.buffered} buffered` : '') + (s.dropped ? ` · ${s.dropped} dropped` : '');
}

/** A model file (when the argument names one), or a model by name: custom (`<dataDir>/models`) or built-in. */
function resolveModel(arg: string, dataDir: string): { model: DeviceModel; replay: ReplayData } {
  const looksLikeFile = /[\\/]|\.ya?ml$/i.test(arg);
  if (fs.existsSync(arg) && fs.statSync(arg).isFile()) {
    const model = loadDeviceModel(fs.readFileSync(arg, 'utf8'), arg);
    return { model, replay: readReplayFiles(model, path.dirname(path.resolve(arg))) };
  }
  if (looksLikeFile) throw new UsageError(`no model file '${arg}'`);
  const catalog = loadModelCatalog(dataDir);
  let found: CatalogModel;
  try {
    found = findModel(catalog, arg);
  } catch (e) {
    if ((e as EngineError).code !== 'NotFound') throw e;
    throw new UsageError(`unknown model '${arg}': not a file, and the models are ${catalog.models.map((m) => m.model.name).join(', ')} (custom models go in ${customModelsDir(dataDir)})`);
  }
  return { model: found.model, replay: readReplayFiles(found.model, found.dir) };
}

/** Shadow behaviour, or a state machine that moves on shadow deltas. */
function usesShadow(model: DeviceModel): boolean {
  return model.shadow !== undefined || (model.stateMachine?.transitions ?? []).some((t) => t.on.kind === 'delta');
}


function defaultUrl(model: DeviceModel): string {
  const t = model.protocol.transport;
  // A provisioned device proves who it is with its certificate: TCP becomes mutual TLS, WebSocket secure WebSocket.
  if (model.identity.certificate.mode === 'provision') return t === 'ws' ? `wss://127.0.0.1:${defaultPorts.wss}/mqtt` : `mqtts://127.0.0.1:${defaultPorts.mqtts}`;
  if (t === 'ws') return `ws://127.0.0.1:${defaultPorts.ws}/mqtt`;
  if (t === 'mqtts') return `mqtts://127.0.0.1:${defaultPorts.mqtts}`;
  return `mqtt://127.0.0.1:${defaultPorts.mqtt}`;
}

function tlsFiles(url: string, values: Record<string, unknown>) {
  const secure = /^(mqtts|wss|ssl|tls):/.test(url);
  const read = (flag: string) => {
    const file = values[flag] as string | undefined;
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--${flag}: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  if (!secure) {
    for (const f of ['cert', 'key', 'ca']) if (values[f] !== undefined) throw new UsageError(`--${f} is for mqtts:// and wss:// URLs, not ${url}`);
    return undefined;
  }
  const cert = read('cert'), key = read('key'), ca = read('ca');
  if (!cert || !key) throw new UsageError(`${url} is mutual TLS: give the device certificate and key with --cert FILE --key FILE (PEM)`);
  return { cert, key, ...(ca ? { ca } : {}) };
}

/** One TCP connection to the broker's address first, so a wrong URL is one clear sentence, not a fleet backing off. */
async function reachable(raw: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--mqtt-url must be a URL like mqtt://host:port, not '${raw}'`);
  }
  const schemes: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ssl:': 8883, 'tls:': 8883, 'ws:': 80, 'wss:': 443 };
  if (!(url.protocol in schemes)) throw new UsageError(`--mqtt-url must use mqtt://, mqtts://, ws:// or wss://, not '${url.protocol}//'`);
  const port = Number(url.port || schemes[url.protocol]);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(5000, () => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot reach the broker at ${raw} (${e.code ?? e.message}); is Thingbench running (thingbench up), or is --mqtt-url right?`)));
  });
}

function int(raw: unknown, fallback: number, flag: string, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${String(raw)}'`);
  return n;
}

function parse(argv: string[], options: ParseArgsConfig['options']): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: Record<string, unknown>; positionals: string[] };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
