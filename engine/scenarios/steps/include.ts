/**
 * `include`: runs another scenario file's steps (relative to this file; loaded and checked with the scenario, a cycle
 * is bad input), with its variables as defaults and `vars` passed over them.
 */
import { dirname } from 'node:path';
import { defineStep, passed } from './step.js';

export type IncludeArgs = string | { file: string; vars?: Record<string, unknown> };

const fileOf = (args: IncludeArgs): string => (typeof args === 'string' ? args : args.file);

export const includeStep = defineStep<IncludeArgs>({
  name: 'include',
  summary: "Runs another scenario file's steps, passing variables to it.",
  schema: {
    description: 'A scenario file relative to this one, or { file, vars }.',
    oneOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        required: ['file'],
        additionalProperties: false,
        properties: { file: { type: 'string', minLength: 1 }, vars: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][\\w-]*$' } } },
      },
    ],
  },
  includes: (args) => [fileOf(args)],
  async run(ctx, args) {
    const inc = ctx.included(fileOf(args));
    const vars = { ...inc.variables, ...(typeof args === 'object' ? args.vars ?? {} : {}) };
    const outcome = await ctx.runSteps(inc.steps, { vars, baseDir: dirname(inc.file), label: fileOf(args) });
    return outcome.status === 'passed' ? passed(`${inc.steps.length} steps from ${fileOf(args)}`) : outcome;
  },
});
