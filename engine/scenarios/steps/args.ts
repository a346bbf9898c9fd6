/** Argument pieces several steps share: durations, QoS, payloads. */
import { EngineError } from '../../core/index.js';
import { parseDuration } from '../../devices/index.js';
import type { JsonSchema } from './step.js';

/** `250ms`, `5s`, `1.5m`, `2h`, or a number of milliseconds. */
export const durationSchema: JsonSchema = {
  description: 'A duration: 250ms, 5s, 1.5m, 2h, or a number of milliseconds.',
  oneOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*$' },
    { type: 'string', pattern: '\\$\\{' },
  ],
};

export const qosSchema: JsonSchema = { enum: [0, 1], description: 'MQTT QoS (0 or 1, as AWS IoT Core supports).' };

/** A JSON payload (any value: objects and arrays are JSON-encoded) or, with a string, the text as is. */
export const payloadSchema: JsonSchema = { description: 'The payload: an object or array (sent as JSON), or text sent as is.' };

/** Milliseconds from a schema-valid duration (after interpolation); throws one sentence when it is not one. */
export function durationMs(v: number | string, what: string): number {
  const ms = parseDuration(v);
  if (!Number.isFinite(ms) || ms < 0) throw new EngineError('InvalidInput', `${what}: expected a duration such as 500ms, 5s, 2m or 1h, got ${JSON.stringify(v)}`);
  return ms;
}

/** The bytes a payload argument stands for: strings as UTF-8 text, everything else as JSON. */
export function payloadBytes(payload: unknown): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
}
