/** `capture`: waits for a matching message and sets variables from it by JSONPath, for later steps. */
import { captureVars, collect, filtersOf, matchOf, messageArgProblems, messageArgProperties, ms, type MessageArgs } from './expectation.js';
import { varsSchema } from './expect.js';
import { defineStep, failed, passed } from './step.js';

export const captureStep = defineStep<MessageArgs & { vars: Record<string, string> }>({
  name: 'capture',
  summary: 'Waits for a matching message on a topic filter and sets variables from it by JSONPath.',
  schema: {
    type: 'object',
    required: ['topic', 'vars'],
    additionalProperties: false,
    properties: { ...messageArgProperties, vars: { ...varsSchema, minProperties: 1 } },
  },
  filters: filtersOf,
  check: (args) => messageArgProblems('capture', args),
  async run(ctx, args) {
    const { matched, inbox, windowMs } = await collect(ctx, args, 1);
    const expected = { topic: args.topic, ...matchOf(args), vars: args.vars, within: ms(windowMs) };
    if (!matched.length) return failed(`no message on '${args.topic}' matched within ${ms(windowMs)}`, { expected, seen: inbox.recent(5) });
    const missing = captureVars(ctx, args.vars, matched[0]);
    if (missing.length) return failed(`the message on '${matched[0].topic}' has nothing for ${missing.join(', ')}`, { expected, seen: [matched[0]] });
    return passed(Object.keys(args.vars).map((k) => `${k}=${JSON.stringify(ctx.vars.get(k))}`).join(', '));
  },
});
