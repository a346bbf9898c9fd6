/** `repeat`: runs nested steps a number of times, with the round in a variable (0-based); the first failure ends it. */
import { defineStep, failed, passed, type StepCall } from './step.js';

export interface RepeatArgs {
  times: number | string;
  /** The variable holding the round, 0-based (default `i`). */
  as?: string;
  steps: StepCall[];
}

export const repeatStep = defineStep<RepeatArgs>({
  name: 'repeat',
  summary: 'Runs nested steps a number of times, with the round (from 0) in a variable.',
  schema: {
    type: 'object',
    required: ['times', 'steps'],
    additionalProperties: false,
    properties: {
      times: { type: 'integer', minimum: 1, maximum: 1000000 },
      as: { type: 'string', pattern: '^[A-Za-z_][\\w-]*$', description: 'The variable holding the round, from 0 (default i).' },
      steps: { $ref: '#/definitions/steps' },
    },
  },
  stepLists: ['steps'],
  async run(ctx, args) {
    const times = Number(args.times);
    if (!Number.isInteger(times) || times < 1) return failed(`repeat: times must be a whole number of at least 1, not ${JSON.stringify(args.times)}`);
    for (let i = 0; i < times; i++) {
      ctx.signal.throwIfAborted();
      const outcome = await ctx.runSteps(args.steps, { vars: { [args.as ?? 'i']: i }, label: `round ${i + 1}` });
      if (outcome.status === 'failed') return { ...outcome, message: `round ${i + 1} of ${times}: ${outcome.message}` };
      ctx.log.progress(`round ${i + 1}/${times}`, i + 1, times);
    }
    return passed(`${times} rounds`);
  },
});
