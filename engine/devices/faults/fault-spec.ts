import { EngineError } from '../../core/index.js';

/**
 * One fault, as plain JSON data: what a scenario's `fault` step, the engine contract and `thingbench devices fault` all
 * send. Durations are milliseconds on the device's clock (a `VirtualClock` in deterministic runs).
 */
export type FaultSpec =
  /** The socket is destroyed without a DISCONNECT: the broker publishes the will (CONNECTION_LOST). */
  | { kind: 'drop'; reconnect?: boolean }
  /** A clean DISCONNECT: no will (CLIENT_INITIATED_DISCONNECT); the device reconnects after its back-off unless told not to. */
  | { kind: 'disconnect'; reconnect?: boolean }
  /** Bytes go nowhere, both ways, for `durationMs`; keep-alive timeouts decide what each side sees. */
  | { kind: 'partition'; durationMs: number }
  /** Latency, jitter, loss (as TCP sees it: retransmission delay) and bandwidth on the device's connection. */
  | { kind: 'network'; latencyMs?: number; jitterMs?: number; loss?: number; bandwidthBytesPerSec?: number; durationMs?: number }
  /** The device stops sending anything (PINGREQ included) until the broker closes it, or for `durationMs`. */
  | { kind: 'keepalive-starvation'; durationMs?: number }
  /** The device's timestamps and generators see its clock moved by `offsetMs` (0 ends the skew). */
  | { kind: 'clock-skew'; offsetMs: number }
  /** Every targeted device drops its connection and reconnects at once, with no back-off. */
  | { kind: 'reconnect-storm' }
  /** `ratePerSec` messages a second for `durationMs` on `topic` (default: the device's telemetry topic). */
  | { kind: 'flood'; ratePerSec: number; durationMs: number; topic?: string; payloadBytes?: number; qos?: 0 | 1 }
  /** `count` payloads that are not valid JSON, over the broker's payload limit, or random bytes. */
  | { kind: 'malformed'; payload: MalformedPayload; count?: number; topic?: string; bytes?: number }
  /** Ends every fault still in effect: network, partition, keep-alive starvation, flood and clock skew. */
  | { kind: 'clear' };

export type FaultKind = FaultSpec['kind'];
export type MalformedPayload = 'invalid-json' | 'oversized' | 'binary';

export const FAULT_KINDS: readonly FaultKind[] = [
  'drop', 'disconnect', 'partition', 'network', 'keepalive-starvation', 'clock-skew', 'reconnect-storm', 'flood', 'malformed', 'clear',
];

/** What applying a fault did: how many devices it was aimed at and how many it took effect on. */
export interface FaultResult {
  kind: FaultKind;
  /** Devices the fault was aimed at. */
  targeted: number;
  /** Devices it took effect on (a drop misses a device that is offline). */
  applied: number;
}

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
