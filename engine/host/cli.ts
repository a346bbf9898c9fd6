import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine.js';
import { defaultConfig, defaultDataDir, defaultPorts, type EngineConfig } from '../config.js';
import { normalizeOrigin, streamLogger } from '../core/index.js';
import type { BrokerMode } from '../contract/index.js';
import type { AccessKey, PlainMode } from '../security/index.js';
import { labDirList } from './lab-dirs.js';
import { LimitArgError, parseLimitArgs } from './limit-args.js';
import { VERSION as version } from '../version.js';

/**
 * The other commands, each loaded only when used: `thingbench lab check` talks to a running engine and should not
 * pay for loading one (nor `up` for the lab, scenario and device code).
 */
interface Subcommand { usage: string; run(args: string[]): Promise<number> }
const subcommands: Record<string, () => Promise<Subcommand>> = {
  record: async () => { const m = await import('./record-commands.js'); return { usage: m.recordUsage, run: (a) => m.recordCommand('record', a) }; },
  replay: async () => { const m = await import('./record-commands.js'); return { usage: m.recordUsage, run: (a) => m.recordCommand('replay', a) }; },
  devices: async () => { const m = await import('./devices-commands.js'); return { usage: m.devicesUsage, run: m.devicesCommand }; },
  target: async () => { const m = await import('./target-commands.js'); return { usage: m.targetUsage, run: m.targetCommand }; },
  run: async () => { const m = await import('./run-command.js'); return { usage: m.runUsage, run: m.runCommand }; },
  lab: async () => { const m = await import('./lab-commands.js'); return { usage: m.labUsage, run: m.labCommand }; },
  things: async () => { const m = await import('./things-commands.js'); return { usage: m.thingsUsage, run: m.thingsCommand }; },
  control: async () => { const m = await import('./control-commands.js'); return { usage: m.controlUsage, run: m.controlCommand }; },
  delivery: async () => { const m = await import('./delivery-commands.js'); return { usage: m.deliveryUsage, run: m.deliveryCommand }; },
};

export const DEFAULT_UI_PORT = 4280;

const usage = `Thingbench ${version}: an AWS-IoT-style backend on your laptop.

Usage:
  thingbench up     [options]   run the engine headless
  thingbench serve  [options]   run the engine and the UI in browser mode
  thingbench record|replay …    record live traffic to a file, play it back (below)
  thingbench devices models|start|fault …  run virtual devices and fleets, break them on purpose (below)
  thingbench target add|list|remove|check …  where devices, recordings and scenarios run (below)
  thingbench run FILE [options]  run a scenario: devices, steps, expectations (below)
  thingbench lab list|start|env|check|solve|reset …  the workshop labs, checked live (below)
  thingbench things token|tokens …  CoAP device tokens of the running engine (below)
  thingbench control send|pending …  command & control on the running engine (below)
  thingbench delivery put|list|delete|stored …  telemetry and event mappings of the running engine (below)
  thingbench --help | --version

Options:
  --data-dir DIR              state directory (default: ${defaultDataDir()})
  --host ADDRESS              address to listen on (default: 127.0.0.1)
  --mqtt-port N               MQTT over TCP (default: ${defaultPorts.mqtt}; 0 picks a free port)
  --ws-port N                 MQTT over WebSocket, path /mqtt (default: ${defaultPorts.ws})
  --http-port N               AWS IoT data-plane HTTP API (default: ${defaultPorts.http})
  --mqtts-port N              MQTT over mutual TLS (default: ${defaultPorts.mqtts})
  --wss-port N                MQTT over secure WebSocket with a client certificate (default: ${defaultPorts.wss})
  --coap-port N               CoAP devices over UDP, no DTLS (default: ${defaultPorts.coap})
  --coap-host ADDRESS         address the CoAP listener binds (default: 127.0.0.1); another needs --coap-insecure
  --coap-insecure             let --coap-host serve a network: CoAP here has no DTLS (tokens travel in clear)
  --coap-rate-limit N|off     CoAP requests per second from one address, burst twice that (default: 2000; off: no limit)
  --plain allow-all|enforce|off  plain MQTT/WebSocket listeners: no policy checks, refuse (as AWS), or not listening
                              (default: allow-all on loopback, enforce when --host is another address)
  --access-key ID:SECRET      SigV4 key accepted when --host is not loopback (repeatable)
  --tls-name NAME             extra DNS name or IP for the TLS server certificate and Host headers (repeatable)
  --allow-origin ORIGIN       web page origin (http://host:port, or null) allowed on the HTTP and WebSocket
                              listeners besides loopback pages (repeatable)
  --webhook-host HOST         host that SNS http/https subscriptions may POST to besides loopback (repeatable)
  --require-roles             Lambda, Firehose and AWS IoT rules refuse an IAM role of the engine's account that does
                              not exist or does not trust the service, as AWS does (default: any role is accepted)
  --labs DIR                  your own labs besides the shipped ones and DATA-DIR/labs/: a folder of nn-slug/ labs
                              or one lab folder (repeatable, or DIR${path.delimiter}DIR)
  --broker-mode aws|standard  AWS IoT Core behaviour or plain MQTT 3.1.1 and 5 (default: aws)
  --history N                 messages kept in the traffic history, in all (default: 200000)
  --history-per-topic N       most messages kept of one topic (default: 10000)
  --limit NAME=VALUE          set a limit over the broker mode's default, shadow.NAME for shadow limits; 0 = off (repeatable)
  --json                      print the ready line (stdout) and logs (stderr) as JSON lines
  --log-level LEVEL           debug|info|warn|error (default: info)
  --port N                    serve: UI port (default: ${DEFAULT_UI_PORT}; 0 picks a free port)
  --no-open                   serve: do not open a browser
`;

const options = {
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  'mqtt-port': { type: 'string' },
  'ws-port': { type: 'string' },
  'http-port': { type: 'string' },
  'mqtts-port': { type: 'string' },
  'wss-port': { type: 'string' },
  'coap-port': { type: 'string' },
  'coap-host': { type: 'string' },
  'coap-insecure': { type: 'boolean' },
  'coap-rate-limit': { type: 'string' },
  plain: { type: 'string' },
  'access-key': { type: 'string', multiple: true },
  'tls-name': { type: 'string', multiple: true },
  'allow-origin': { type: 'string', multiple: true },
  'webhook-host': { type: 'string', multiple: true },
  'require-roles': { type: 'boolean' },
  labs: { type: 'string', multiple: true },
  'broker-mode': { type: 'string' },
  history: { type: 'string' },
  'history-per-topic': { type: 'string' },
  limit: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  port: { type: 'string' },
  'no-open': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

class UsageError extends Error {}

/** `--webhook-host`: a host name or address as a URL names it (no scheme, port or path). */
function webhookHost(raw: string): string {
  let host: string | undefined;
  try {
    host = new URL(`http://${raw}/`).hostname;
  } catch {
    host = undefined;
  }
  if (!host || host !== raw.toLowerCase()) throw new UsageError(`--webhook-host must be a host name or address (no scheme, port or path), not '${raw}'`);
  return host;
}

export async function main(argv: string[]): Promise<number> {
  // The AWS SDK's notice that its 2027 releases will need Node 22 speaks to SDK users; a command's output is no place
  // for it (the SDK version Thingbench ships with is fixed by its lockfile). Set the variable to 'false' to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (Object.hasOwn(subcommands, argv[0] ?? '')) {
    const sub = await subcommands[argv[0]]();
    // `thingbench COMMAND --help` (or -h) anywhere after the command prints that command's usage.
    if (argv.slice(1).some((a) => a === '--help' || a === '-h')) return print(sub.usage.replace(/^\n/, ''), 0);
    return sub.run(argv.slice(1));
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    return fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    const usages = await Promise.all(['record', 'devices', 'target', 'run', 'lab', 'things', 'control', 'delivery'].map(async (name) => (await subcommands[name]()).usage));
    return print(usage + usages.join(''), 0);
  }
  if (values.version) return print(`${version}\n`, 0);
  const [command, ...extra] = positionals;
  if (!command) return print(usage, 0);
  if (command !== 'up' && command !== 'serve') return fail(`unknown command '${command}'`);
  if (extra.length) return fail(`unexpected argument '${extra[0]}'`);
  if (command === 'up' && (values.port !== undefined || values['no-open'])) return fail('--port and --no-open belong to `serve`');

  let config;
  let uiPort = DEFAULT_UI_PORT;
  try {
    const mode = values['broker-mode'] ?? 'aws';
    if (mode !== 'aws' && mode !== 'standard') throw new UsageError(`--broker-mode must be aws or standard, not '${mode}'`);
    const level = values['log-level'] ?? 'info';
    if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`--log-level must be debug, info, warn or error`);
    const limits = parseLimitArgs(values.limit ?? []);
    config = defaultConfig({
      dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()),
      host: values.host ?? '127.0.0.1',
      ports: {
        mqtt: port(values['mqtt-port'], defaultPorts.mqtt, '--mqtt-port'),
        ws: port(values['ws-port'], defaultPorts.ws, '--ws-port'),
        http: port(values['http-port'], defaultPorts.http, '--http-port'),
        // Unset TLS ports follow --mqtt-port 0 (free ports) or take their defaults (engine/config.ts).
        ...(values['mqtts-port'] !== undefined ? { mqtts: port(values['mqtts-port'], defaultPorts.mqtts, '--mqtts-port') } : {}),
        ...(values['wss-port'] !== undefined ? { wss: port(values['wss-port'], defaultPorts.wss, '--wss-port') } : {}),
        ...(values['coap-port'] !== undefined ? { coap: port(values['coap-port'], defaultPorts.coap, '--coap-port') } : {}),
      },
      security: { plain: plainMode(values.plain), accessKeys: (values['access-key'] ?? []).map(accessKey), hostNames: values['tls-name'] ?? [],
        allowOrigins: (values['allow-origin'] ?? []).map(allowOrigin) },
      broker: { mode: mode as BrokerMode, historySize: positiveInt(values.history, 200_000, '--history'),
        historyPerTopic: positiveInt(values['history-per-topic'], 10_000, '--history-per-topic'), limits: limits.broker },
      shadow: { limits: limits.shadow },
      ...(values['webhook-host']?.length ? { sinks: { webhookHosts: values['webhook-host'].map(webhookHost) } } : {}),
      ...(values['require-roles'] ? { iam: { requireRoles: true } } : {}),
      ...(values.labs?.length ? { labs: { dirs: labDirList(values.labs) } } : {}),
      ...coapConfig(values['coap-host'], values['coap-insecure'] === true, values['coap-rate-limit']),
    });
    uiPort = port(values.port, DEFAULT_UI_PORT, '--port');
  } catch (e) {
    if (e instanceof UsageError || e instanceof LimitArgError) return fail(e.message);
    throw e;
  }

  const json = values.json === true;
  const logger = streamLogger(process.stderr, (values['log-level'] ?? 'info') as 'info', json);
  const [{ createEngine }, { startUiServer }, { openBrowser }, { startFailureText }, { portError, probePorts }, { waitForSignal }, { openEngineControl }] = await Promise.all([
    import('../engine.js'), import('./serve.js'), import('./open-browser.js'), import('./start-failure.js'), import('../port-probe.js'),
    import('./wait-for-signal.js'), import('./engine-control.js'),
  ]);
  let engine: Engine | undefined;
  try {
    engine = await createEngine(config, { logger }); // opens the data directory: a second Thingbench on it stops here
    // The UI port is checked before the engine listens anywhere, so a taken one leaves nothing to undo.
    if (command === 'serve') await probePorts('127.0.0.1', [{ listener: 'ui', port: uiPort }]);
    const info = await engine.start();
    // Commands in other terminals (`thingbench lab start 1`) drive this engine through its control socket.
    const control = await openEngineControl(engine, info.dataDir, info.endpoints, logger)
      .catch((e: Error) => void logger.log('warn', 'host', `the control socket could not be opened (thingbench lab will not reach this engine): ${e.message}`));
    if (control) onStop(() => control.close());
    if (command === 'up') {
      if (json) process.stdout.write(JSON.stringify({ event: 'ready', endpoints: info.endpoints, dataDir: info.dataDir }) + '\n');
      else process.stderr.write(readyText(info.endpoints, info.dataDir, info.brokerMode));
    } else {
      // The UI channel stays on loopback even when the engine serves a room (--host): it controls the engine.
      const ui = await startUiServer(engine, { host: '127.0.0.1', port: uiPort, staticDir: fileURLToPath(new URL('../../renderer/dist/', import.meta.url)) })
        .catch((e: NodeJS.ErrnoException) => Promise.reject(portError('127.0.0.1', { listener: 'ui', port: uiPort }, e)));
      if (json) process.stdout.write(JSON.stringify({ event: 'ready', endpoints: info.endpoints, dataDir: info.dataDir, ui: ui.url }) + '\n');
      else process.stderr.write(readyText(info.endpoints, info.dataDir, info.brokerMode) + `  UI    ${ui.url}\n`);
      if (!values['no-open']) openBrowser(ui.url);
      onStop(() => ui.close());
    }
  } catch (e) {
    // Whatever had started is stopped again (engine.start() already rolled itself back; stop() is then a no-op).
    await runStopHooks().catch(() => {});
    await engine?.stop().catch(() => {});
    const text = startFailureText(e);
    if (json) process.stdout.write(JSON.stringify({ event: 'failed', message: text }) + '\n');
    process.stderr.write(`thingbench: ${text}\n`);
    return 1;
  }
  await waitForSignal();
  await runStopHooks();
  await engine!.stop();
  return 0;
}

function readyText(endpoints: Record<string, string>, dataDir: string, mode: string): string {
  const lines = Object.entries(endpoints).map(([k, v]) => `  ${k.padEnd(5)} ${v}\n`).join('');
  return `Thingbench ${version} is up (broker mode: ${mode}, data: ${dataDir})\n${lines}`;
}

const stopHooks: Array<() => Promise<void> | void> = [];
const onStop = (hook: () => Promise<void> | void) => stopHooks.push(hook);
async function runStopHooks() {
  for (const hook of stopHooks) await hook();
}

function port(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new UsageError(`${flag} must be a port number from 0 to 65535, not '${raw}'`);
  return n;
}

/** `--coap-host`, `--coap-insecure` and `--coap-rate-limit` as the config's `coap` (absent when none is given). */
function coapConfig(host: string | undefined, insecure: boolean, rateLimit: string | undefined): { coap?: EngineConfig['coap'] } {
  const coap: NonNullable<EngineConfig['coap']> = {
    ...(host !== undefined ? { host } : {}), ...(insecure ? { insecure } : {}), ...(rateLimit !== undefined ? { requestsPerSecond: coapRateLimit(rateLimit) } : {}),
  };
  return Object.keys(coap).length ? { coap } : {};
}

function coapRateLimit(raw: string): number {
  if (raw === 'off') return 0;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1_000_000) throw new UsageError(`--coap-rate-limit must be requests per second from 1 to 1000000, or off, not '${raw}'`);
  return Number(raw);
}

/** Unset: the config's default (allow-all on loopback, enforce elsewhere). */
function plainMode(raw: string | undefined): PlainMode | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'allow-all' && raw !== 'enforce' && raw !== 'off') throw new UsageError(`--plain must be allow-all, enforce or off, not '${raw}'`);
  return raw;
}

function allowOrigin(raw: string): string {
  const origin = normalizeOrigin(raw);
  if (origin === undefined) throw new UsageError(`--allow-origin must be an origin like http://host:port (scheme, host and port only) or null, not '${raw}'`);
  return origin;
}

function accessKey(raw: string): AccessKey {
  const i = raw.indexOf(':');
  if (i < 1 || i === raw.length - 1) throw new UsageError(`--access-key must be ACCESS_KEY_ID:SECRET_ACCESS_KEY`);
  return { accessKeyId: raw.slice(0, i), secretAccessKey: raw.slice(i + 1) };
}

function positiveInt(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${flag} must be a positive whole number, not '${raw}'`);
  return Number(raw);
}

function print(text: string, code: number): number {
  process.stdout.write(text);
  return code;
}

function fail(message: string): number {
  process.stderr.write(`thingbench: ${message}\nRun 'thingbench --help' for usage.\n`);
  return 2;
}
