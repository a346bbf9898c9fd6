/**
 * `delivery`: maps a topic filter, or everything one device publishes, to a delivery class on the engine (the
 * contract's `delivery.put`), so a lab sets up telemetry and events the way its guide tells the user to:
 *
 *   - delivery: { filter: "gateway/+/events/#", class: event, ttl: 10m }
 *   - delivery: { device: "${THING}", class: telemetry }
 *
 * A mapping of the same filter or device is replaced. Only engines have delivery classes (AWS IoT has none).
 */
import { EngineError } from '../../core/index.js';
import { durationMs, durationSchema } from './args.js';
import { defineStep, passed } from './step.js';

export interface DeliveryArgs {
  filter?: string;
  device?: string;
  class: 'telemetry' | 'event';
  /** Events: how long one waits for an absent consumer (default 1h). */
  ttl?: number | string;
}

export const deliveryStep = defineStep<DeliveryArgs>({
  name: 'delivery',
  summary: 'Maps a topic filter or a device to a delivery class: telemetry (fire and forget) or event (stored and forwarded until its TTL).',
  schema: {
    type: 'object',
    required: ['class'],
    additionalProperties: false,
    properties: {
      filter: { type: 'string', minLength: 1, description: 'An MQTT topic filter.' },
      device: { type: 'string', minLength: 1, description: "The publisher's client id (a thing name)." },
      class: { enum: ['telemetry', 'event'] },
      ttl: { ...durationSchema, description: 'Events: how long one is kept for an absent consumer (default 1h).' },
    },
  },
  check: (args) => ((args.filter === undefined) === (args.device === undefined) ? ['delivery: give either a filter or a device'] : []),
  refuse: (_args, target) => (target.api ? [] : [`delivery: the ${target.kind} target has no delivery classes (run the scenario on the local engine)`]),
  async run(ctx, args) {
    const api = ctx.target.api;
    if (!api) throw new EngineError('InvalidInput', 'delivery: this target has no delivery classes');
    const ttlSeconds = args.ttl === undefined ? undefined : Math.max(1, Math.round(durationMs(args.ttl, 'delivery ttl') / 1000));
    const key = args.device !== undefined ? { device: args.device } : { filter: args.filter! };
    const same = (await api.delivery.list()).find((m) => (args.device !== undefined ? m.device === args.device : m.filter === args.filter));
    const m = await api.delivery.put({ ...key, class: args.class, ...(same ? { id: same.id } : {}), ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) });
    return passed(`${m.filter ?? `device ${m.device}`} → ${m.class}${m.ttlSeconds !== undefined ? ` (ttl ${m.ttlSeconds} s)` : ''}`);
  },
});
