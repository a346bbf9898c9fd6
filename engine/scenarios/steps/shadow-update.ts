/** `shadow.update`: updates a thing's shadow over MQTT (as a device or an app would) and waits for accepted. */
import { defineStep, failed, passed } from './step.js';
import { shadowRequest } from './shadow-request.js';

export interface ShadowUpdateArgs {
  thing: string;
  /** A named shadow; the classic shadow when omitted. */
  shadow?: string;
  desired?: Record<string, unknown> | null;
  reported?: Record<string, unknown> | null;
  /** Optimistic locking: rejected with 409 when the shadow's version differs. */
  version?: number;
}

export const shadowUpdateStep = defineStep<ShadowUpdateArgs>({
  name: 'shadow.update',
  summary: "Updates a thing's shadow (desired and/or reported) over MQTT and waits for the update to be accepted.",
  schema: {
    type: 'object',
    required: ['thing'],
    additionalProperties: false,
    properties: {
      thing: { type: 'string', minLength: 1 },
      shadow: { type: 'string', minLength: 1, description: 'A named shadow (the classic shadow when omitted).' },
      desired: { type: ['object', 'null'], description: 'state.desired (null clears it).' },
      reported: { type: ['object', 'null'], description: 'state.reported (null clears it).' },
      version: { type: 'integer', minimum: 0 },
    },
  },
  needs: ['shadows'],
  check: (args) => (args.desired === undefined && args.reported === undefined ? ['shadow.update: give desired, reported or both'] : []),
  async run(ctx, args) {
    const state: Record<string, unknown> = {};
    if (args.desired !== undefined) state.desired = args.desired;
    if (args.reported !== undefined) state.reported = args.reported;
    const reply = await shadowRequest(ctx, args.thing, args.shadow, 'update', { state, ...(args.version !== undefined ? { version: args.version } : {}) });
    if (!reply.accepted) return failed(`the shadow update of '${args.thing}' was rejected: ${reply.doc.code} ${reply.doc.message}`, { expected: { accepted: true }, seen: [] });
    return passed(`version ${reply.doc.version}`);
  },
});
