/**
 * `absent`: no matching message on a topic filter during a window. The window's end is proved, not slept: after it,
 * a marker message goes through the broker on the watch connection, and only when it is back is the check final.
 */
import { compileMatcher } from '../match/matchers.js';
import { durationMs } from './args.js';
import { filtersOf, matchOf, messageArgProblems, messageArgProperties, ms, onMessages, type MessageArgs } from './expectation.js';
import { defineStep, failed, passed } from './step.js';

export const absentStep = defineStep<MessageArgs & { within: number | string }>({
  name: 'absent',
  summary: 'Checks that no matching message arrives on a topic filter during a window.',
  schema: {
    type: 'object',
    required: ['topic', 'within'],
    additionalProperties: false,
    properties: { ...messageArgProperties, within: { ...messageArgProperties.within, description: 'The window in which no matching message may arrive.' } },
  },
  filters: filtersOf,
  check: (args) => messageArgProblems('absent', args),
  async run(ctx, args) {
    const inbox = await ctx.messages.inbox(args.topic, args.qos ?? 1);
    const matcher = compileMatcher(matchOf(args));
    const windowMs = durationMs(args.within, 'within');
    const probe = () => inbox.pending().find((m) => matcher.test(m.payload));
    let hit = await ctx.clock.waitFor(windowMs, probe, onMessages(inbox));
    if (!hit) {
      await inbox.settle();
      hit = probe();
    }
    const expected = { topic: args.topic, ...matchOf(args), absentFor: ms(windowMs) };
    if (hit) return failed(`a matching message arrived on '${hit.topic}' within ${ms(windowMs)}`, { expected, seen: [hit] });
    return passed();
  },
});
