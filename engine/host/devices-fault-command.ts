/** `thingbench devices fault KIND …`: turns human options into a `FaultSpec` and sends it to a running fleet. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config.js';
import { EngineError } from '../core/index.js';
import { FAULT_KINDS, parseFaultSpec, type FaultKind, type FaultResult, type FaultSpec } from '../devices/index.js';
import { callFleet, runningFleets, type FleetAnnouncement } from './fleet-control.js';

export const faultUsage = `
  thingbench devices fault KIND [--device ID]... [--all] [--fleet PID] [--data-dir DIR] [--json] [options]
      Applies a fault to devices of a running \`devices start\` fleet (found under the data directory; --fleet PID
      when more than one runs). --device names a thing or client id (repeatable); --all means every device
      (the default for clear and reconnect-storm). Durations: 500ms, 10s, 2m, 1h.
        drop [--no-reconnect]         socket destroyed without DISCONNECT: the will fires (CONNECTION_LOST)
        disconnect [--no-reconnect]   clean DISCONNECT: no will (CLIENT_INITIATED_DISCONNECT)
        partition --for D             bytes go nowhere both ways; keep-alive timeouts decide, telemetry is buffered
        network [--latency D] [--jitter D] [--loss P] [--bandwidth RATE] [--for D]
                                      loss as 2% or 0.02, bandwidth as bytes per second (10000, 10kB/s, 1MB/s)
        keepalive-starvation [--for D] the device sends nothing, PINGREQ included: the broker closes it after
                                      1.5 × keep-alive (MQTT_KEEP_ALIVE_TIMEOUT) and the will fires
        clock-skew --offset D         timestamps and generators see the clock moved by D (-5m, 90s; 0 ends it)
        reconnect-storm               every device drops and reconnects at once, without back-off
        flood --rate N --for D [--topic T] [--payload-bytes N] [--qos 0|1]
        malformed --payload invalid-json|oversized|binary [--count N] [--topic T] [--bytes N]
        clear                         ends every fault in effect
`;

export class FaultUsageError extends Error {}

/** The options of the fault kinds, for `parseArgs` (each command adds its own). */
export const faultKindOptions = {
  'no-reconnect': { type: 'boolean' }, for: { type: 'string' }, latency: { type: 'string' }, jitter: { type: 'string' }, loss: { type: 'string' },
  bandwidth: { type: 'string' }, offset: { type: 'string' }, rate: { type: 'string' }, topic: { type: 'string' }, 'payload-bytes': { type: 'string' },
  qos: { type: 'string' }, payload: { type: 'string' }, count: { type: 'string' }, bytes: { type: 'string' },
} as const;

const options = { device: { type: 'string', multiple: true }, all: { type: 'boolean' }, fleet: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' }, ...faultKindOptions } as const;

/** The options each kind takes (besides the common ones). */
const kindOptions: Record<FaultKind, readonly string[]> = {
  drop: ['no-reconnect'], disconnect: ['no-reconnect'], partition: ['for'], network: ['latency', 'jitter', 'loss', 'bandwidth', 'for'],
  'keepalive-starvation': ['for'], 'clock-skew': ['offset'], 'reconnect-storm': [], flood: ['rate', 'for', 'topic', 'payload-bytes', 'qos'],
  malformed: ['payload', 'count', 'topic', 'bytes'], clear: [],
};
const common = new Set(['device', 'all', 'fleet', 'data-dir', 'json']);

/** `--offset -5m`: a negative duration is a value, not an option. */
export const negativeOffsets = (argv: string[]): string[] =>
  argv.flatMap((arg, i) => (arg === '--offset' && /^-\d/.test(argv[i + 1] ?? '') ? [] : i > 0 && argv[i - 1] === '--offset' && /^-\d/.test(arg) ? [`--offset=${arg}`] : [arg]));

/**
 * The fault a command line names (`KIND` and its options, parsed by `parseArgs`), checked: a FaultUsageError for a
 * missing or unknown kind or an option the kind does not take (`own`: the command's other options).
 */
export function faultFromArgs(kind: string | undefined, values: Record<string, unknown>, own: ReadonlySet<string>, command: string): FaultSpec {
  if (kind === undefined) throw new FaultUsageError(`${command} needs a kind: ${FAULT_KINDS.join(', ')}`);
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new FaultUsageError(`unknown fault '${kind}': expected one of ${FAULT_KINDS.join(', ')}`);
  const k = kind as FaultKind;
  for (const name of Object.keys(values)) {
    if (!own.has(name) && !kindOptions[k].includes(name)) {
      throw new FaultUsageError(`--${name} is not an option of ${k}${kindOptions[k].length ? ` (it takes ${kindOptions[k].map((o) => `--${o}`).join(', ')})` : ''}`);
    }
  }
  return parseFaultSpec(faultSpecFromOptions(k, values));
}

/** Runs the command; returns the exit code (0 applied, 1 no fleet or it failed, 2 bad input). */
export async function faultMain(argv: string[]): Promise<number> {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: negativeOffsets(argv), options, allowPositionals: true, strict: true }) as { values: Record<string, unknown>; positionals: string[] });
  } catch (e) {
    throw new FaultUsageError((e as Error).message);
  }
  const [kind, ...extra] = positionals;
  const spec = faultFromArgs(kind, values, common, 'devices fault');
  if (extra.length) throw new FaultUsageError(`unexpected argument '${extra[0]}'`);
  const k = spec.kind;
  const devices = values.device as string[] | undefined;
  if (devices && values.all) throw new FaultUsageError('give either --device or --all, not both');
  if (!devices && !values.all && k !== 'clear' && k !== 'reconnect-storm') throw new FaultUsageError(`say which devices: --device ID (repeatable) or --all`);

  const dataDir = path.resolve((values['data-dir'] as string | undefined) ?? defaultDataDir());
  const fleet = pickFleet(dataDir, values.fleet as string | undefined);
  const result = await callFleet(fleet, { op: 'fault', spec, ...(devices ? { devices } : {}) }) as FaultResult;
  if (values.json) process.stdout.write(JSON.stringify({ ...result, fleet: fleet.pid }) + '\n');
  else {
    const of = result.targeted === 1 ? 'device' : 'devices';
    process.stdout.write(`${k}: applied to ${result.applied} of ${result.targeted} ${of} (fleet ${fleet.pid}, ${fleet.model})`
      + (result.applied < result.targeted ? `; ${result.targeted - result.applied} were not connected` : '') + '\n');
  }
  return 0;
}

/** The fleet to talk to: the one given by --fleet, or the only one running. */
function pickFleet(dataDir: string, pidArg: string | undefined): FleetAnnouncement {
  const fleets = runningFleets(dataDir);
  if (pidArg !== undefined) {
    if (!/^\d+$/.test(pidArg)) throw new FaultUsageError(`--fleet must be a process id, not '${pidArg}'`);
    const f = fleets.find((x) => x.pid === Number(pidArg));
    if (!f) throw new EngineError('NotFound', `no fleet with pid ${pidArg} is running under ${dataDir}${fleets.length ? ` (running: ${fleets.map((x) => x.pid).join(', ')})` : ''}`);
    return f;
  }
  if (!fleets.length) throw new EngineError('Unavailable', `no fleet is running under ${dataDir}; start one with thingbench devices start (and the same --data-dir)`);
  if (fleets.length > 1) throw new FaultUsageError(`${fleets.length} fleets are running; pick one with --fleet PID: ${fleets.map((f) => `${f.pid} (${f.count} × ${f.model})`).join(', ')}`);
  return fleets[0];
}

function faultSpecFromOptions(kind: FaultKind, v: Record<string, unknown>): Record<string, unknown> {
  const s = (name: string) => v[name] as string | undefined;
  const spec: Record<string, unknown> = { kind };
  const put = (field: string, value: unknown) => {
    if (value !== undefined) spec[field] = value;
  };
  switch (kind) {
    case 'drop':
    case 'disconnect':
      if (v['no-reconnect']) spec.reconnect = false;
      break;
    case 'partition':
      if (s('for') === undefined) throw new FaultUsageError('partition needs --for DURATION (like 10s)');
      put('durationMs', duration(s('for'), '--for'));
      break;
    case 'network':
      put('latencyMs', duration(s('latency'), '--latency'));
      put('jitterMs', duration(s('jitter'), '--jitter'));
      put('loss', fraction(s('loss')));
      put('bandwidthBytesPerSec', bandwidth(s('bandwidth')));
      put('durationMs', duration(s('for'), '--for'));
      if (Object.keys(spec).length === 1 || (Object.keys(spec).length === 2 && 'durationMs' in spec)) {
        throw new FaultUsageError('network needs at least one of --latency, --jitter, --loss or --bandwidth');
      }
      break;
    case 'keepalive-starvation':
      put('durationMs', duration(s('for'), '--for'));
      break;
    case 'clock-skew':
      if (s('offset') === undefined) throw new FaultUsageError('clock-skew needs --offset DURATION (like -5m or 90s)');
      put('offsetMs', duration(s('offset'), '--offset', true));
      break;
    case 'flood':
      if (s('rate') === undefined || s('for') === undefined) throw new FaultUsageError('flood needs --rate N (messages per second) and --for DURATION');
      put('ratePerSec', number(s('rate'), '--rate'));
      put('durationMs', duration(s('for'), '--for'));
      put('topic', s('topic'));
      put('payloadBytes', number(s('payload-bytes'), '--payload-bytes'));
      put('qos', number(s('qos'), '--qos'));
      break;
    case 'malformed':
      if (s('payload') === undefined) throw new FaultUsageError('malformed needs --payload invalid-json, oversized or binary');
      put('payload', s('payload'));
      put('count', number(s('count'), '--count'));
      put('topic', s('topic'));
      put('bytes', number(s('bytes'), '--bytes'));
      break;
    default:
      break;
  }
  return spec;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `10s`, `1.5m`, `2h` (and with `signed`, `-5m` or `+90s`) in milliseconds. */
export function duration(raw: string | undefined, flag: string, signed = false): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw.trim());
  if (!m || (m[1] && !signed)) throw new FaultUsageError(`${flag}: '${raw}' is not a duration (like 500ms, 10s, 2m${signed ? ' or -5m' : ''})`);
  return Math.round((m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT_MS[m[3]]);
}

function fraction(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(raw.trim());
  if (!m) throw new FaultUsageError(`--loss: '${raw}' is not a fraction (like 2% or 0.02)`);
  return m[2] ? Number(m[1]) / 100 : Number(m[1]);
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1000, kib: 1024, mb: 1_000_000, mib: 1024 * 1024 };

function bandwidth(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kKmM]i?[bB]|[bB])?(\/s)?$/.exec(raw.trim());
  if (!m) throw new FaultUsageError(`--bandwidth: '${raw}' is not a rate in bytes per second (like 10000, 10kB/s or 1MB/s)`);
  return Math.round(Number(m[1]) * BYTE_UNITS[(m[2] ?? '').toLowerCase()]);
}

function number(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+(?:\.\d+)?$/.test(raw.trim())) throw new FaultUsageError(`${flag}: '${raw}' is not a number`);
  return Number(raw);
}
