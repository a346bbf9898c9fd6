/** `wait`: lets time pass (virtual time in deterministic mode, so scheduled device telemetry fires). */
import { defineStep, passed } from './step.js';
import { durationMs, durationSchema } from './args.js';

export type WaitArgs = number | string | { for: number | string };

export const waitStep = defineStep<WaitArgs>({
  name: 'wait',
  summary: 'Lets time pass; in deterministic mode it advances the virtual clock that drives the devices.',
  schema: {
    description: 'A duration (250ms, 5s, 1.5m, 2h, or a number of milliseconds), or { for: duration }.',
    oneOf: [
      durationSchema,
      { type: 'object', required: ['for'], additionalProperties: false, properties: { for: durationSchema } },
    ],
  },
  async run(ctx, args) {
    const ms = durationMs(typeof args === 'object' ? args.for : args, 'wait');
    await ctx.clock.sleep(ms);
    return passed();
  },
});
