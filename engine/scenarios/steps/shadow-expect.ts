/**
 * `shadow.expect`: a thing's shadow comes to hold what is expected (JSON subsets of desired, reported and delta, and
 * JSONPath conditions over the whole document) within a window. It reads the shadow with a get, and again whenever
 * the shadow's `update/documents` topic says it changed.
 */
import { compileMatcher, matchSchemaProperties } from '../match/matchers.js';
import { durationMs } from './args.js';
import { DEFAULT_WITHIN_MS, ms, onMessages } from './expectation.js';
import { messageArgProperties } from './expectation.js';
import { shadowRequest, shadowTopic } from './shadow-request.js';
import { defineStep, failed, passed, type SeenMessage } from './step.js';

export interface ShadowExpectArgs {
  thing: string;
  shadow?: string;
  desired?: Record<string, unknown>;
  reported?: Record<string, unknown>;
  delta?: Record<string, unknown>;
  /** The shadow must not exist (a get is rejected with 404). */
  missing?: boolean;
  where?: Array<{ path: string; op?: string; value?: unknown }>;
  within?: number | string;
}

export const shadowExpectStep = defineStep<ShadowExpectArgs>({
  name: 'shadow.expect',
  summary: "Waits until a thing's shadow holds what is expected: subsets of desired, reported and delta, or JSONPath conditions over the document.",
  schema: {
    type: 'object',
    required: ['thing'],
    additionalProperties: false,
    properties: {
      thing: { type: 'string', minLength: 1 },
      shadow: { type: 'string', minLength: 1 },
      desired: { type: 'object', description: 'A JSON subset of state.desired.' },
      reported: { type: 'object', description: 'A JSON subset of state.reported.' },
      delta: { type: 'object', description: 'A JSON subset of state.delta.' },
      missing: { type: 'boolean', description: 'true: the shadow must not exist.' },
      where: { ...matchSchemaProperties.where, description: 'JSONPath conditions over the shadow document ($.state.reported.x, $.version, …).' },
      within: messageArgProperties.within,
    },
  },
  needs: ['shadows'],
  filters: (args) => (typeof args.thing === 'string' ? [shadowTopic(args.thing, args.shadow, 'update/documents')] : []),
  async run(ctx, args) {
    const state: Record<string, unknown> = {};
    for (const k of ['desired', 'reported', 'delta'] as const) if (args[k] !== undefined) state[k] = args[k];
    const matcher = compileMatcher({ ...(Object.keys(state).length ? { json: { state } } : {}), ...(args.where ? { where: args.where as never } : {}) });
    const windowMs = args.within === undefined ? DEFAULT_WITHIN_MS : durationMs(args.within, 'within');
    const inbox = await ctx.messages.inbox(shadowTopic(args.thing, args.shadow, 'update/documents'));
    let last: SeenMessage | undefined;
    const probe = async () => {
      const reply = await shadowRequest(ctx, args.thing, args.shadow, 'get');
      const text = JSON.stringify(reply.doc);
      last = { topic: shadowTopic(args.thing, args.shadow, `get/${reply.accepted ? 'accepted' : 'rejected'}`), payload: text, qos: 1, retain: false, at: ctx.clock.elapsed() };
      if (args.missing) return !reply.accepted && reply.doc.code === 404 ? true : undefined;
      return reply.accepted && matcher.test(text) ? true : undefined;
    };
    const ok = await ctx.clock.waitFor(windowMs, probe, onMessages(inbox));
    if (ok) return passed();
    const expected = { thing: args.thing, ...(args.shadow ? { shadow: args.shadow } : {}), ...(args.missing ? { missing: true } : { state }), ...(args.where ? { where: args.where } : {}), within: ms(windowMs) };
    return failed(`the shadow of '${args.thing}' did not ${args.missing ? 'disappear' : 'hold what was expected'} within ${ms(windowMs)}`, { expected, ...(last ? { seen: [last] } : {}) });
  },
});
