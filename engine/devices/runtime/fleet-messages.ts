import type { DeviceLogEntry, FleetCounters, FleetMemberPage, FleetMemberQuery } from '../../contract/index.js';
import type { DeviceModel, ReplayData } from '../model/index.js';
import type { FaultResult, FaultSpec } from '../faults/index.js';
import type { DeviceSpec } from './device-spec.js';

/** What a device proves itself with: a certificate and key (MQTT over TLS, HTTPS), or a token (CoAP). */
export type DeviceIdentity = { cert: string; key: string; token?: undefined } | { token: string; cert?: undefined; key?: undefined };

/** What starts a fleet: plain data, copied into the fleet's worker thread. */
export interface FleetOptions {
  model: DeviceModel;
  count: number;
  /** Fixes every device's values, phases and jitter (default 1). Device i gets the model's context for index i. */
  seed?: number;
  /** Broker URL for every device (mqtt://, mqtts://, ws://; coap:// or https:// for models that speak them). */
  url: string;
  tls?: DeviceSpec['connection']['tls'];
  /** MQTT username and password for every device (a plain broker's login). */
  login?: DeviceSpec['connection']['login'];
  /** Per-device client certificate and key (PEM) or CoAP device token by device index, over `tls` (provisioned identities). */
  identities?: ReadonlyArray<DeviceIdentity | undefined>;
  replay?: ReplayData;
  /** New connections per second while the fleet starts (default 500), so a large fleet does not storm the broker. */
  connectRate?: number;
  /** How often the worker reports its status (default 1000 ms). */
  statusIntervalMs?: number;
}

/** The fleet's counters, summed over its devices, and rates over the last status interval (the contract's shape). */
export type FleetStatus = FleetCounters;

export type ToWorker =
  /** `devices`: thing names or client ids; every device when omitted. */
  | { type: 'fault'; reqId: number; spec: FaultSpec; devices?: string[] }
  | { type: 'members'; reqId: number; query: FleetMemberQuery }
  /** `device`: a thing name or client id; entries after `after` (a `seq`). */
  | { type: 'log'; reqId: number; device: string; after?: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; devices: Array<{ thingName: string; clientId: string }> }
  | { type: 'status'; status: FleetStatus }
  | { type: 'faulted'; reqId: number; result: FaultResult }
  | { type: 'faulted'; reqId: number; notFound: string }
  | { type: 'members'; reqId: number; page: FleetMemberPage }
  | { type: 'log'; reqId: number; entries: DeviceLogEntry[] }
  | { type: 'log'; reqId: number; notFound: string }
  | { type: 'stopped'; status: FleetStatus }
  | { type: 'fatal'; message: string };
