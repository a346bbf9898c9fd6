import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from '../engine.js';
import { defaultConfig, defaultDataDir, defaultPorts } from '../config.js';
import { EngineError, streamLogger } from '../core/index.js';
import type { BrokerMode } from '../contract/index.js';
import { mqttLogin, parseRecording, record, replay, type MqttLogin, type RecordSource, type Target, type TlsFiles } from '../scenarios/index.js';
import { openTargetOption, targetExitCode } from './target-commands.js';
import { startFailureText } from './start-failure.js';

export const recordUsage = `
Record and replay:
  thingbench record --filter FILTER [--filter …] --out FILE [--target NAME | --mqtt-url URL [--cert FILE --key FILE] [--ca FILE]]
                    [--duration S] [--clients-only] [--json]
      Captures live traffic matching the topic filters into FILE (JSON lines) until Ctrl-C or --duration.
      Without --mqtt-url, a local engine is started (with --data-dir, --mqtt-port, --ws-port, --http-port,
      --broker-mode as for \`up\`) and its capture keeps each publisher's client id; with --mqtt-url, any MQTT
      broker is recorded by an MQTT 5 subscriber (properties kept, publishers unknown). --clients-only leaves out
      what the local engine publishes itself (shadow responses, presence events, rule republishes). --target NAME
      records a saved target (thingbench target list) with its endpoint, certificate and login; --target local
      starts a fresh engine for the recording on free ports (printed) and records it with client ids.
  thingbench replay FILE [--speed N] [--loop] [--target NAME | --mqtt-url URL [--cert FILE --key FILE] [--ca FILE]] [--prefix-ids] [--json]
      Publishes the recording again as its original publishers (one connection per client id), keeping the
      timing (divided by --speed), QoS, retain flags and MQTT 5 properties. --mqtt-url defaults to
      mqtt://127.0.0.1:${defaultPorts.mqtt}; --prefix-ids connects as replay-<client id>; --loop repeats until Ctrl-C.
  mqtts:// and wss:// URLs take a client certificate and key (--cert, --key) and the server's CA (--ca), PEM files.
  With --target, --data-dir says where the target profiles are.
`;

class UsageError extends Error {}

/** `thingbench record …` and `thingbench replay …`: exit 0 done, 1 failed, 2 bad input. */
export async function recordCommand(command: 'record' | 'replay', argv: string[]): Promise<number> {
  try {
    return command === 'record' ? await recordMain(argv) : await replayMain(argv);
  } catch (e) {
    if (e instanceof UsageError) return usageFail(e.message);
    if (e instanceof EngineError && targetExitCode(e) === 2) return usageFail(e.message);
    process.stderr.write(`thingbench ${command}: ${e instanceof EngineError ? e.message : String((e as Error)?.message ?? e)}\n`);
    return 1;
  }
}

async function recordMain(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    filter: { type: 'string', multiple: true }, out: { type: 'string' }, 'mqtt-url': { type: 'string' }, duration: { type: 'string' },
    json: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'mqtt-port': { type: 'string' }, 'ws-port': { type: 'string' },
    'http-port': { type: 'string' }, 'broker-mode': { type: 'string' }, 'clients-only': { type: 'boolean' },
    cert: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' }, target: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const filters = (values.filter ?? []) as string[];
  if (!filters.length) throw new UsageError('record needs at least one --filter');
  if (typeof values.out !== 'string') throw new UsageError('record needs --out FILE');
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) throw new UsageError(`--duration must be a number of seconds above 0, not '${values.duration}'`);
  const json = values.json === true;
  const mqttUrl = values['mqtt-url'] as string | undefined;
  if (mqttUrl !== undefined) {
    checkUrl(mqttUrl);
    for (const f of ['data-dir', 'mqtt-port', 'ws-port', 'http-port', 'broker-mode', 'clients-only']) if (values[f] !== undefined) throw new UsageError(`--${f} is for recording a local engine, not --mqtt-url`);
  }

  if (values.target !== undefined) {
    const target = await openTargetOption(values, ['mqtt-url', 'cert', 'key', 'ca', 'mqtt-port', 'ws-port', 'http-port', 'broker-mode']);
    try {
      return await recordTarget(target!, filters, values.out, duration, json, values['clients-only'] === true);
    } finally {
      await target!.close();
    }
  }
  let engine: Engine | undefined;
  let source: RecordSource;
  if (mqttUrl) source = { mqttUrl, tls: tlsFiles(mqttUrl, values) };
  else if (['cert', 'key', 'ca'].some((f) => values[f] !== undefined)) throw new UsageError('--cert, --key and --ca go with an mqtts:// or wss:// --mqtt-url');
  else {
    const mode = (values['broker-mode'] as string | undefined) ?? 'aws';
    if (mode !== 'aws' && mode !== 'standard') throw new UsageError(`--broker-mode must be aws or standard, not '${mode}'`);
    const config = defaultConfig({
      dataDir: path.resolve((values['data-dir'] as string | undefined) ?? defaultDataDir()),
      ports: {
        mqtt: port(values['mqtt-port'], defaultPorts.mqtt, '--mqtt-port'),
        ws: port(values['ws-port'], defaultPorts.ws, '--ws-port'),
        http: port(values['http-port'], defaultPorts.http, '--http-port'),
      },
      broker: { mode: mode as BrokerMode },
    });
    try {
      engine = await createEngine(config, { logger: streamLogger(process.stderr, 'warn', json) });
      const info = await engine.start();
      if (json) process.stdout.write(JSON.stringify({ event: 'ready', endpoints: info.endpoints, dataDir: info.dataDir }) + '\n');
      else process.stderr.write(`Thingbench is up for recording (data: ${info.dataDir})\n${Object.entries(info.endpoints).map(([k, v]) => `  ${k.padEnd(5)} ${v}\n`).join('')}`);
    } catch (e) {
      await engine?.stop().catch(() => {});
      process.stderr.write(`thingbench record: ${startFailureText(e)} To record a Thingbench that is already running, use --mqtt-url mqtt://127.0.0.1:${defaultPorts.mqtt}.\n`);
      return 1;
    }
    source = { engine, clientsOnly: values['clients-only'] === true };
  }

  try {
    return await recordInto(source, filters, values.out, duration, json);
  } finally {
    await engine?.stop();
  }
}

/** Records a target: a local one through its engine's capture (client ids kept), any other through an MQTT subscriber. */
async function recordTarget(target: Target, filters: string[], out: string, duration: number | undefined, json: boolean, clientsOnly: boolean): Promise<number> {
  if (target.engine) {
    const info = target.engine.info();
    if (json) process.stdout.write(JSON.stringify({ event: 'ready', target: target.name, endpoints: info.endpoints, dataDir: info.dataDir }) + '\n');
    else process.stderr.write(`Target '${target.name}' is up for recording (data: ${info.dataDir})\n${Object.entries(info.endpoints).map(([k, v]) => `  ${k.padEnd(5)} ${v}\n`).join('')}`);
    return recordInto({ engine: target.engine, clientsOnly }, filters, out, duration, json);
  }
  if (clientsOnly) throw new UsageError(`--clients-only is for a local engine; the target '${target.name}' is recorded by an MQTT subscriber`);
  const m = target.mqtt();
  return recordInto({ mqttUrl: m.url, tls: m.tls, login: mqttLogin(m) }, filters, out, duration, json);
}

async function recordInto(source: RecordSource, filters: string[], outFile: string, duration: number | undefined, json: boolean): Promise<number> {
  {
    const out = path.resolve(outFile);
    const recording = await record({ filters, out, source });
    if (json) process.stdout.write(JSON.stringify({ event: 'recording', filters, file: out }) + '\n');
    else process.stderr.write(`recording ${filters.join(', ')} to ${out} (Ctrl-C to stop)\n`);
    await stopSignal(duration);
    const s = await recording.stop();
    if (json) process.stdout.write(JSON.stringify({ event: 'recorded', ...s }) + '\n');
    else {
      process.stderr.write(`recorded ${s.messages} message(s) from ${s.clients} client(s) over ${(s.durationMs / 1000).toFixed(1)} s to ${s.file}\n`);
      if (s.lost) process.stderr.write(`warning: ${s.lost} message(s) had left the engine's history before they could be written (raise --history)\n`);
    }
    return 0;
  }
}

async function replayMain(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    speed: { type: 'string' }, loop: { type: 'boolean' }, 'mqtt-url': { type: 'string' }, 'prefix-ids': { type: 'boolean' }, json: { type: 'boolean' },
    cert: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' }, target: { type: 'string' }, 'data-dir': { type: 'string' },
  });
  if (values['data-dir'] !== undefined && values.target === undefined) throw new UsageError('--data-dir goes with --target (where the target profiles are)');
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'replay needs a recording FILE');
  const file = positionals[0];
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed > 0)) throw new UsageError(`--speed must be a number above 0, not '${values.speed}'`);
  if (values.target !== undefined && ['mqtt-url', 'cert', 'key', 'ca'].some((f) => values[f] !== undefined)) {
    throw new UsageError(`--target and --${['mqtt-url', 'cert', 'key', 'ca'].find((f) => values[f] !== undefined)} do not go together: the target says where to connect`);
  }
  const mqttUrl = (values['mqtt-url'] as string | undefined) ?? `mqtt://127.0.0.1:${defaultPorts.mqtt}`;
  checkUrl(mqttUrl);
  const tls = tlsFiles(mqttUrl, values);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`thingbench replay: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
    return 2;
  }
  const parsed = parseRecording(text, file);
  if (parsed.errors.length) {
    process.stderr.write(parsed.errors.map((e) => `${e}\n`).join(''));
    return 2;
  }
  const json = values.json === true;
  // The recording is read and checked before a target opens (a local target starts an engine).
  const target = await openTargetOption(values);
  try {
    if (target?.engine) {
      const info = target.engine.info();
      if (json) process.stdout.write(JSON.stringify({ event: 'ready', target: target.name, endpoints: info.endpoints, dataDir: info.dataDir }) + '\n');
      else process.stderr.write(`Target '${target.name}' is up for the replay (data: ${info.dataDir})\n${Object.entries(info.endpoints).map(([k, v]) => `  ${k.padEnd(5)} ${v}\n`).join('')}`);
    }
    const m = target?.mqtt();
    return await replayTo(parsed.messages, m ? m.url : mqttUrl, m ? m.tls : tls, m ? mqttLogin(m) : undefined, values, json);
  } finally {
    await target?.close();
  }
}

async function replayTo(messages: ReturnType<typeof parseRecording>['messages'], mqttUrl: string, tls: TlsFiles | undefined, login: MqttLogin | undefined, values: Record<string, unknown>, json: boolean): Promise<number> {
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  const abort = new AbortController();
  const onSignal = () => (abort.signal.aborted ? process.exit(130) : abort.abort());
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const s = await replay(messages, {
      mqttUrl, tls, ...(login ? { login } : {}), speed, loops: values.loop ? Infinity : 1, clientIdPrefix: values['prefix-ids'] ? 'replay-' : undefined, signal: abort.signal,
    });
    if (json) process.stdout.write(JSON.stringify({ event: 'replayed', ...s }) + '\n');
    else {
      process.stderr.write(`replayed ${s.messages} message(s) from ${s.clients} client(s) in ${(s.durationMs / 1000).toFixed(1)} s`
        + `${s.loops > 1 ? ` (${s.loops} loops)` : ''}; lag mean ${s.lagMs.mean.toFixed(1)} ms, max ${s.lagMs.max.toFixed(1)} ms\n`);
      if (s.failed) process.stderr.write(`${s.failed} message(s) not published:\n${s.errors.map((e) => `  ${e}\n`).join('')}`);
    }
    return s.failed ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];
function parse(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** --cert/--key/--ca (PEM files) for an mqtts:// or wss:// URL; refused with any other. */
function tlsFiles(url: string, values: Record<string, unknown>): TlsFiles | undefined {
  const given = ['cert', 'key', 'ca'].filter((f) => values[f] !== undefined);
  if (!/^(mqtts|wss):/.test(url)) {
    if (given.length) throw new UsageError(`--${given[0]} is for mqtts:// and wss:// URLs, not ${url}`);
    return undefined;
  }
  const out: TlsFiles = {};
  for (const flag of given as Array<keyof TlsFiles>) {
    const file = values[flag] as string;
    try {
      out[flag] = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--${flag}: cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if ((out.cert === undefined) !== (out.key === undefined)) throw new UsageError('--cert and --key go together');
  return out;
}

function checkUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--mqtt-url must be a URL like mqtt://host:1883, not '${raw}'`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:'].includes(url.protocol)) throw new UsageError(`--mqtt-url must use mqtt://, mqtts://, ws:// or wss://, not '${url.protocol}//'`);
}

function port(raw: unknown, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  const s = String(raw);
  if (!/^\d+$/.test(s) || Number(s) > 65535) throw new UsageError(`${flag} must be a port number from 0 to 65535, not '${s}'`);
  return Number(s);
}

/** Resolves on SIGINT/SIGTERM or after `seconds`; a second signal exits at once. */
function stopSignal(seconds?: number): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const done = () => {
      if (stopping) process.exit(130);
      stopping = true;
      if (timer) clearTimeout(timer);
      resolve();
    };
    const timer = seconds === undefined ? undefined : setTimeout(done, seconds * 1000);
    process.on('SIGINT', done).on('SIGTERM', done);
  });
}

function usageFail(message: string): number {
  process.stderr.write(`thingbench: ${message}\nRun 'thingbench --help' for usage.\n`);
  return 2;
}
