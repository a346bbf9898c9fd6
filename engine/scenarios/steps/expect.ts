/**
 * `expect`: a message on a topic filter that matches (JSON subset, exact payload, JSONPath conditions, RE2 regex,
 * JSON Schema), `count` times (at least; default 1), within a window (default 10 s). The run subscribes every filter
 * when it starts; an expect reads messages after the previous match on that filter (each message is matched once).
 */
import { captureVars, collect, DEFAULT_WITHIN_MS, filtersOf, matchOf, messageArgProblems, messageArgProperties, ms, type MessageArgs } from './expectation.js';
import { defineStep, failed, passed } from './step.js';

export interface ExpectArgs extends MessageArgs {
  count?: number;
  /** Variables to set from the last matched message: `name: $.path`. */
  vars?: Record<string, string>;
}

export const varsSchema = {
  type: 'object',
  description: 'Variables to set from the matched message: name: JSONPath ($ for the whole payload).',
  propertyNames: { pattern: '^[A-Za-z_][\\w-]*$' },
  additionalProperties: { type: 'string', pattern: '^\\$' },
};

export const expectStep = defineStep<ExpectArgs>({
  name: 'expect',
  summary: 'Waits for messages on a topic filter that match (JSON subset, exact payload, JSONPath, regex or JSON Schema), count times within a window.',
  schema: {
    type: 'object',
    required: ['topic'],
    additionalProperties: false,
    properties: {
      ...messageArgProperties,
      count: { type: 'integer', minimum: 1, maximum: 1000000, description: 'At least this many matching messages (default 1).' },
      vars: varsSchema,
    },
  },
  filters: filtersOf,
  check: (args) => messageArgProblems('expect', args),
  async run(ctx, args) {
    const count = args.count ?? 1;
    const { matched, inbox, windowMs } = await collect(ctx, args, count);
    const expected = { topic: args.topic, ...matchOf(args), ...(count > 1 ? { count } : {}), within: ms(windowMs ?? DEFAULT_WITHIN_MS) };
    if (matched.length < count) {
      const what = count === 1 ? 'no message' : `${matched.length} of ${count} messages`;
      return failed(`${what} on '${args.topic}' matched within ${ms(windowMs)}`, { expected, seen: inbox.recent(5) });
    }
    if (args.vars) {
      const missing = captureVars(ctx, args.vars, matched[matched.length - 1]);
      if (missing.length) return failed(`the matched message on '${args.topic}' has nothing for ${missing.join(', ')}`, { expected, seen: [matched[matched.length - 1]] });
    }
    return passed(`${matched.length} matched`, matched.slice(-5));
  },
});
