import type { FleetFault } from '../../../../engine/contract/index.js';

/** One parameter of a fault kind as the fault form shows it. */
export interface FaultField {
  name: string;
  label: string;
  type: 'number' | 'boolean' | 'text' | 'select';
  /** The form's starting value; '' leaves an optional field out. */
  initial: string | number | boolean;
  options?: readonly string[];
  optional?: boolean;
  title?: string;
}

export interface FaultKindInfo {
  kind: FleetFault['kind'];
  title: string;
  /** What it does, in one sentence. */
  blurb: string;
  fields: readonly FaultField[];
}

const reconnect: FaultField = { name: 'reconnect', label: 'Reconnect', type: 'boolean', initial: true, title: 'The device reconnects after its back-off' };
const duration = (initial: number | '', optional = false): FaultField => ({ name: 'durationMs', label: 'Duration ms', type: 'number', initial, optional });

/** Every `FleetFault` kind with its parameters (the contract's names), in the order the form lists them. */
export const FAULT_KINDS: readonly FaultKindInfo[] = [
  { kind: 'drop', title: 'Drop', blurb: 'Destroys the socket without a DISCONNECT: the broker publishes the last will (CONNECTION_LOST).', fields: [reconnect] },
  { kind: 'disconnect', title: 'Disconnect', blurb: 'A clean DISCONNECT: no will.', fields: [reconnect] },
  { kind: 'partition', title: 'Partition', blurb: 'Bytes go nowhere, both ways, for a while.', fields: [duration(5000)] },
  {
    kind: 'network', title: 'Latency', blurb: 'Latency, jitter, loss and bandwidth on each connection.',
    fields: [
      { name: 'latencyMs', label: 'Latency ms', type: 'number', initial: 200, optional: true },
      { name: 'jitterMs', label: 'Jitter ms', type: 'number', initial: 50, optional: true },
      { name: 'loss', label: 'Loss (0–0.9)', type: 'number', initial: '', optional: true },
      { name: 'bandwidthBytesPerSec', label: 'Bytes/s', type: 'number', initial: '', optional: true },
      duration('', true),
    ],
  },
  { kind: 'keepalive-starvation', title: 'Starve keep-alive', blurb: 'Sends nothing, PINGREQ included, until the broker closes the connection.', fields: [duration('', true)] },
  { kind: 'clock-skew', title: 'Clock skew', blurb: "Moves the device's clock (0 ends the skew).", fields: [{ name: 'offsetMs', label: 'Offset ms', type: 'number', initial: 60_000 }] },
  { kind: 'reconnect-storm', title: 'Reconnect storm', blurb: 'Every device drops and reconnects at once, with no back-off.', fields: [] },
  {
    kind: 'flood', title: 'Flood', blurb: 'Many messages a second for a while (default topic: the telemetry topic).',
    fields: [
      { name: 'ratePerSec', label: 'Msg/s', type: 'number', initial: 50 }, duration(2000),
      { name: 'topic', label: 'Topic', type: 'text', initial: '', optional: true },
      { name: 'payloadBytes', label: 'Bytes', type: 'number', initial: '', optional: true },
      { name: 'qos', label: 'QoS', type: 'select', initial: '0', options: ['0', '1'] },
    ],
  },
  {
    kind: 'malformed', title: 'Malformed', blurb: 'Payloads that are not JSON, over the size limit, or random bytes.',
    fields: [
      { name: 'payload', label: 'Payload', type: 'select', initial: 'invalid-json', options: ['invalid-json', 'oversized', 'binary'] },
      { name: 'count', label: 'Count', type: 'number', initial: 1, optional: true },
      { name: 'topic', label: 'Topic', type: 'text', initial: '', optional: true },
    ],
  },
  { kind: 'clear', title: 'Clear', blurb: 'Ends every fault still in effect.', fields: [] },
];

/** The fault the form describes: numbers as numbers, empty optional fields left out. */
export function faultFrom(kind: FleetFault['kind'], values: Record<string, string | number | boolean>): FleetFault {
  const info = FAULT_KINDS.find((k) => k.kind === kind)!;
  const fault: Record<string, unknown> = { kind };
  for (const f of info.fields) {
    const v = values[f.name] ?? f.initial;
    if (f.optional && (v === '' || v === undefined)) continue;
    if (f.type === 'number' || (f.type === 'select' && f.name === 'qos')) fault[f.name] = Number(v);
    else fault[f.name] = v;
  }
  return fault as FleetFault;
}
