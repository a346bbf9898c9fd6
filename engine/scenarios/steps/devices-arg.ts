/** `start: sensor`, `start: [a, b]` or `start: { devices: [a, b] }`: the device names a start or stop step names. */
import type { JsonSchema } from './step.js';

export type DevicesArg = string | string[] | { devices: string | string[] };

const one: JsonSchema = { type: 'string', minLength: 1 };
const list: JsonSchema = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };

export const devicesArgSchema: JsonSchema = {
  description: 'A declared device or fleet, a list of them, or { devices: … }.',
  oneOf: [one, list, { type: 'object', required: ['devices'], additionalProperties: false, properties: { devices: { oneOf: [one, list] } } }],
};

export function deviceNames(arg: DevicesArg): string[] {
  const v = typeof arg === 'object' && !Array.isArray(arg) ? arg.devices : arg;
  return Array.isArray(v) ? v : [v];
}
