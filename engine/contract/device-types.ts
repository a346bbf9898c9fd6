/** Virtual devices and fleets as the UI sees them (engine/devices runs them). */

/** A device model the engine can start: built-in, or a custom file in `<dataDir>/models`. */
export interface DeviceModelSummary {
  name: string;
  description?: string;
  /** mqtt: TCP; mqtts: mutual TLS; ws: MQTT over WebSocket; coap: CoAP with a device token; https: HTTPS with a certificate. */
  transport: 'mqtt' | 'mqtts' | 'ws' | 'coap' | 'https';
  builtIn: boolean;
  /** The model file. */
  file: string;
  thingType?: string;
  /** none, existing (a certificate id) or provision (a certificate made per device at start). */
  certificate: 'none' | 'existing' | 'provision';
}

/** A custom model file that does not load: its problems as `file:line:col: message` lines. */
export interface DeviceModelError {
  file: string;
  message: string;
}

export interface DeviceModelList {
  models: DeviceModelSummary[];
  /** Custom model files that did not load; listed, never thrown, so one broken file hides nothing else. */
  errors: DeviceModelError[];
}

/** What `devices.start` runs: `count` devices of `model` against the engine itself. */
export interface FleetStartInput {
  /** A model's name (built-in or custom). */
  model: string;
  /** Devices in the fleet (default 1, at most 100,000). */
  count?: number;
  /** Fixes every generated value, phase and jitter (default 1). */
  seed?: number;
  /** New connections per second while the fleet starts (default 500). */
  connectRate?: number;
}

/** A fleet's counters, summed over its devices, and rates over the last second. */
export interface FleetCounters {
  devices: number;
  connected: number;
  /** Devices started so far (the rest wait for their turn under the connect rate). */
  started: number;
  connects: number;
  published: number;
  acked: number;
  buffered: number;
  dropped: number;
  publishRate: number;
  ackRate: number;
  elapsedMs: number;
}

export type FleetState = 'running' | 'stopping' | 'stopped' | 'failed';

export interface FleetInfo {
  /** `fleet-1`, `fleet-2`, … in start order. */
  id: string;
  model: string;
  count: number;
  seed: number;
  /** Where the devices connect. */
  url: string;
  state: FleetState;
  startedAt: number;
  /** Thing name and client id of the first device (the rest follow the model's templates). */
  first: { thingName: string; clientId: string };
  /** The things were registered (thing type, attributes) before the devices connected. */
  registered: boolean;
  /** Each device got its own certificate, attached to its thing and to this policy, and connects over mutual TLS. */
  policy?: string;
  /** The latest counters (absent until the fleet reports them). */
  counters?: FleetCounters;
  /** Why the fleet failed. */
  error?: string;
}

/**
 * A fault applied to a running fleet's devices (the same JSON as a scenario's `fault` step and `thingbench devices
 * fault`). Durations are milliseconds.
 */
export type FleetFault =
  /** The socket is destroyed without a DISCONNECT: the broker publishes the will (CONNECTION_LOST). */
  | { kind: 'drop'; reconnect?: boolean }
  /** A clean DISCONNECT: no will; the device reconnects after its back-off unless told not to. */
  | { kind: 'disconnect'; reconnect?: boolean }
  /** Bytes go nowhere, both ways, for `durationMs`. */
  | { kind: 'partition'; durationMs: number }
  /** Latency, jitter, loss and bandwidth on each device's connection. */
  | { kind: 'network'; latencyMs?: number; jitterMs?: number; loss?: number; bandwidthBytesPerSec?: number; durationMs?: number }
  /** The device sends nothing (PINGREQ included) until the broker closes it, or for `durationMs`. */
  | { kind: 'keepalive-starvation'; durationMs?: number }
  /** The device's clock moves by `offsetMs` (0 ends the skew). */
  | { kind: 'clock-skew'; offsetMs: number }
  /** Every device drops its connection and reconnects at once, with no back-off. */
  | { kind: 'reconnect-storm' }
  /** `ratePerSec` messages a second for `durationMs` (default topic: the device's telemetry topic). */
  | { kind: 'flood'; ratePerSec: number; durationMs: number; topic?: string; payloadBytes?: number; qos?: 0 | 1 }
  /** `count` payloads that are not valid JSON, over the payload limit, or random bytes. */
  | { kind: 'malformed'; payload: 'invalid-json' | 'oversized' | 'binary'; count?: number; topic?: string; bytes?: number }
  /** Ends every fault still in effect. */
  | { kind: 'clear' };

export interface FleetFaultResult {
  kind: FleetFault['kind'];
  /** Devices the fault was aimed at. */
  targeted: number;
  /** Devices it took effect on (a drop misses a device that is offline). */
  applied: number;
}

/** A device's connection: idle (waiting for its turn under the connect rate), connecting, online, backoff (waiting to reconnect), stopped. */
export type DeviceConnectionState = 'idle' | 'connecting' | 'online' | 'backoff' | 'stopped';

/** Which members of a fleet `devices.members` answers with, in index order. */
export interface FleetMemberQuery {
  /** The first member's position among those that match (default 0). */
  offset?: number;
  /** At most this many (default 200, at most 1,000). */
  limit?: number;
  /** Thing names or client ids containing this text, ignoring case. */
  search?: string;
  /** Only devices in this state. */
  state?: DeviceConnectionState;
}

/** One device of a fleet as its worker sees it now. */
export interface FleetMember {
  /** Position in the fleet (0-based; the model's `{index}`). */
  index: number;
  thingName: string;
  clientId: string;
  state: DeviceConnectionState;
  connects: number;
  published: number;
  acked: number;
  /** Messages held while offline. */
  buffered: number;
  /** When it last connected, published or lost its connection (ms since the epoch); absent before it started. */
  lastActivity?: number;
  /** The state machine's current state, for a model with one. */
  machineState?: string;
  /** The topic of its last will, for a model with one (published by the broker when the connection is lost). */
  willTopic?: string;
}

export interface FleetMemberPage {
  /** Members that match the query, in all. */
  total: number;
  offset: number;
  members: FleetMember[];
}

export type DeviceLogKind = 'connected' | 'disconnected' | 'reconnecting' | 'published' | 'buffered' | 'fault' | 'transition' | 'delta' | 'command' | 'job';

/**
 * One entry of a device's log. Connections, faults, state-machine transitions, shadow deltas, commands and jobs are kept
 * for every device; its publishes from the first time its log is read on (the log of a device nobody reads costs
 * nothing per message).
 */
export interface DeviceLogEntry {
  /** Increases by one per entry of this device (`after` continues from it). */
  seq: number;
  /** ms since the epoch. */
  at: number;
  kind: DeviceLogKind;
  /** One sentence. */
  message: string;
  topic?: string;
  /** UTF-8 text (the first 2 KiB), or `base64:…` for a binary payload. */
  payload?: string;
}
