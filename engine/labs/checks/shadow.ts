/** `shadow: { thing, name?, desired?, reported?, noDelta?, minVersion? }`: the shadow's state (GetThingShadow; JSON subsets). */
import { GetThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { isSubset } from '../../scenarios/index.js';
import { defineCheck, done, missing } from './check.js';

export interface ShadowArgs {
  thing: string;
  name?: string;
  desired?: Record<string, unknown>;
  reported?: Record<string, unknown>;
  noDelta?: boolean;
  minVersion?: number;
}

export const shadowCheck = defineCheck<ShadowArgs>({
  kind: 'shadow',
  summary: "A thing's shadow holds these desired and reported values (subsets), with no delta left (GetThingShadow).",
  localOnly: false,
  schema: {
    type: 'object', required: ['thing'], additionalProperties: false,
    properties: {
      thing: { type: 'string', minLength: 1 },
      name: { type: 'string', minLength: 1, description: 'A named shadow (the classic shadow by default).' },
      desired: { type: 'object', description: 'Members state.desired holds (a JSON subset).' },
      reported: { type: 'object', description: 'Members state.reported holds (a JSON subset).' },
      noDelta: { const: true, description: 'desired and reported agree: no delta left.' },
      minVersion: { type: 'integer', minimum: 1 },
    },
  },
  async check(ctx, a) {
    const data = ctx.clients.iotData();
    const which = `${a.name ? `the shadow ${a.name}` : 'the classic shadow'} of ${a.thing}`;
    const res = await ctx.clients.find('GetThingShadow', () => data.send(new GetThingShadowCommand({ thingName: a.thing, ...(a.name ? { shadowName: a.name } : {}) })));
    if (!res?.payload) return missing(`${which} does not exist`);
    const doc = JSON.parse(Buffer.from(res.payload).toString('utf8')) as { state?: { desired?: unknown; reported?: unknown; delta?: unknown }; version?: number };
    const state = doc.state ?? {};
    if (a.desired && !isSubset(a.desired, state.desired)) return missing(`${which} has desired ${JSON.stringify(state.desired ?? null)}, which does not hold ${JSON.stringify(a.desired)}`);
    if (a.reported && !isSubset(a.reported, state.reported)) return missing(`${which} has reported ${JSON.stringify(state.reported ?? null)}, which does not hold ${JSON.stringify(a.reported)}`);
    if (a.noDelta && state.delta !== undefined) return missing(`${which} still has a delta: ${JSON.stringify(state.delta)}`);
    if (a.minVersion !== undefined && (doc.version ?? 0) < a.minVersion) return missing(`${which} is at version ${doc.version}, expected at least ${a.minVersion}`);
    return done(`${which} is at version ${doc.version}${a.noDelta ? ' with no delta' : ''}`);
  },
});
