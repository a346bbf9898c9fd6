import type { FleetFault, FleetFaultResult } from '../../contract/index.js';
import { EngineError } from '../../core/index.js';

/**
 * One fault, as plain JSON data: what a scenario's `fault` step, the engine contract and `thingbench devices fault` all
 * send. Durations are milliseconds on the device's clock (a `VirtualClock` in deterministic runs). The contract spells
 * it out for the renderer (`FleetFault`); this module uses that one declaration.
 */
export type FaultSpec = FleetFault;

export type FaultKind = FaultSpec['kind'];
export type MalformedPayload = Extract<FaultSpec, { kind: 'malformed' }>['payload'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'drop', 'disconnect', 'partition', 'network', 'keepalive-starvation', 'clock-skew', 'reconnect-storm', 'flood', 'malformed', 'clear',
];

/** What applying a fault did: how many devices it was aimed at and how many it took effect on. */
export type FaultResult = FleetFaultResult;

/** AWS IoT Core's payload limit: an `oversized` payload is one byte over it unless `bytes` says otherwise. */
export const AWS_PAYLOAD_LIMIT = 128 * 1024;
const DAY = 86_400_000;

const fields: Record<FaultKind, readonly string[]> = {
  drop: ['reconnect'],
  disconnect: ['reconnect'],
  partition: ['durationMs'],
  network: ['latencyMs', 'jitterMs', 'loss', 'bandwidthBytesPerSec', 'durationMs'],
  'keepalive-starvation': ['durationMs'],
  'clock-skew': ['offsetMs'],
  'reconnect-storm': [],
  flood: ['ratePerSec', 'durationMs', 'topic', 'payloadBytes', 'qos'],
  malformed: ['payload', 'count', 'topic', 'bytes'],
  clear: [],
};

/**
 * Checks a fault that came from outside (a scenario file, the contract, the CLI's control channel) and returns it
 * typed; anything else is `EngineError('InvalidInput')` naming the field and what it should be.
 */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('a fault must be an object with a kind');
  const raw = input as Record<string, unknown>;
  const kind = raw.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw bad(`unknown fault kind ${JSON.stringify(kind)}: expected one of ${FAULT_KINDS.join(', ')}`);
  }
  const k = kind as FaultKind;
  for (const key of Object.keys(raw)) {
    if (key !== 'kind' && !fields[k].includes(key)) throw bad(`a ${k} fault has no field '${key}'${fields[k].length ? ` (it takes ${fields[k].join(', ')})` : ''}`);
  }
  const num = (key: string, min: number, max: number, required = false): number | undefined => {
    const v = raw[key];
    if (v === undefined) {
      if (required) throw bad(`a ${k} fault needs ${key}`);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(`${k}: ${key} must be a number from ${min} to ${max}, not ${JSON.stringify(v)}`);
    return v;
  };
  const int = (key: string, min: number, max: number, required = false): number | undefined => {
    const v = num(key, min, max, required);
    if (v !== undefined && !Number.isInteger(v)) throw bad(`${k}: ${key} must be a whole number, not ${v}`);
    return v;
  };
  const bool = (key: string): boolean | undefined => {
    const v = raw[key];
    if (v !== undefined && typeof v !== 'boolean') throw bad(`${k}: ${key} must be true or false, not ${JSON.stringify(v)}`);
    return v as boolean | undefined;
  };
  const topic = (): string | undefined => {
    const v = raw.topic;
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '' || /[+#\u0000]/.test(v)) throw bad(`${k}: topic must be a topic name without wildcards, not ${JSON.stringify(v)}`);
    return v;
  };
  const opt = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (k) {
    case 'drop':
    case 'disconnect':
      return opt({ kind: k, reconnect: bool('reconnect') });
    case 'partition':
      return { kind: k, durationMs: int('durationMs', 1, DAY, true)! };
    case 'network': {
      const spec = opt({
        kind: k, latencyMs: int('latencyMs', 0, 600_000), jitterMs: int('jitterMs', 0, 600_000), loss: num('loss', 0, 0.9),
        bandwidthBytesPerSec: int('bandwidthBytesPerSec', 1, 10_000_000_000), durationMs: int('durationMs', 1, DAY),
      });
      if (spec.latencyMs === undefined && spec.jitterMs === undefined && spec.loss === undefined && spec.bandwidthBytesPerSec === undefined) {
        throw bad('a network fault needs at least one of latencyMs, jitterMs, loss or bandwidthBytesPerSec');
      }
      return spec;
    }
    case 'keepalive-starvation':
      return opt({ kind: k, durationMs: int('durationMs', 1, DAY) });
    case 'clock-skew':
      return { kind: k, offsetMs: int('offsetMs', -100 * 365 * DAY, 100 * 365 * DAY, true)! };
    case 'reconnect-storm':
    case 'clear':
      return { kind: k };
    case 'flood': {
      const qos = raw.qos;
      if (qos !== undefined && qos !== 0 && qos !== 1) throw bad(`flood: qos must be 0 or 1, not ${JSON.stringify(qos)}`);
      return opt({
        kind: k, ratePerSec: num('ratePerSec', 0.001, 100_000, true)!, durationMs: int('durationMs', 1, DAY, true)!, topic: topic(),
        payloadBytes: int('payloadBytes', 0, 16 * 1024 * 1024), qos: qos as 0 | 1 | undefined,
      });
    }
    case 'malformed': {
      const payload = raw.payload;
      if (payload !== 'invalid-json' && payload !== 'oversized' && payload !== 'binary') {
        throw bad(`malformed: payload must be invalid-json, oversized or binary, not ${JSON.stringify(payload)}`);
      }
      return opt({ kind: k, payload, count: int('count', 1, 100_000), topic: topic(), bytes: int('bytes', 1, 256 * 1024 * 1024) });
    }
  }
}

function bad(message: string): EngineError {
  return new EngineError('InvalidInput', message);
}
