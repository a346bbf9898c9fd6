/** `publish`: one message (or `count` copies) on a topic, from a test client on the target. */
import { defineStep, passed } from './step.js';
import { payloadBytes, payloadSchema, qosSchema } from './args.js';

export interface PublishArgs {
  topic: string;
  payload?: unknown;
  qos?: 0 | 1;
  retain?: boolean;
  /** Publishes this many copies (default 1). */
  count?: number;
  /** The test client's id (default: the run's own client). */
  clientId?: string;
}

export const publishStep = defineStep<PublishArgs>({
  name: 'publish',
  summary: 'Publishes a message on a topic from a test client on the target.',
  schema: {
    type: 'object',
    required: ['topic'],
    additionalProperties: false,
    properties: {
      topic: { type: 'string', minLength: 1, description: 'The topic (no wildcards).' },
      payload: payloadSchema,
      qos: qosSchema,
      retain: { type: 'boolean' },
      count: { type: 'integer', minimum: 1, maximum: 100000 },
      clientId: { type: 'string', minLength: 1 },
    },
  },
  check: (args) => (typeof args.topic === 'string' && /[+#]/.test(args.topic) && !args.topic.includes('${') ? ['publish: the topic may not contain + or #'] : []),
  async run(ctx, args) {
    const client = await ctx.mqtt(args.clientId ? { clientId: args.clientId } : {});
    const body = payloadBytes(args.payload);
    const count = args.count ?? 1;
    for (let i = 0; i < count; i++) {
      ctx.signal.throwIfAborted();
      await client.publishAsync(args.topic, body, { qos: args.qos ?? 0, retain: args.retain ?? false });
    }
    return passed(count === 1 ? undefined : `${count} messages`);
  },
});
