/**
 * `cleanup`: undoes now, newest first, everything the run has created so far (provisioned resources, devices and
 * fleets started, their registrations), as the end of the run would; what later steps create is undone at the end.
 * A scenario that provisions and tears down in rounds (`repeat`) uses it between them.
 */
import { EngineError } from '../../core/index.js';
import { defineStep, failed, passed } from './step.js';

export type CleanupArgs = null | true | Record<string, never>;

export const cleanupStep = defineStep<CleanupArgs>({
  name: 'cleanup',
  summary: 'Undoes now, newest first, everything the run has created so far (provisioned resources, started devices).',
  schema: {
    description: 'No arguments: write cleanup: {} (or cleanup: true).',
    oneOf: [{ type: 'null' }, { const: true }, { type: 'object', additionalProperties: false, properties: {} }],
  },
  async run(ctx) {
    const unwind = ctx.cleanup.unwind?.bind(ctx.cleanup);
    if (!unwind) throw new EngineError('Internal', 'cleanup: this runner cannot undo what the run created before its end');
    let undone = 0;
    const errors = await unwind((description, error) => {
      if (error === undefined) undone++;
      ctx.log.info(`cleanup: ${description}${error === undefined ? '' : ` failed: ${error}`}`);
    });
    if (errors.length) {
      return failed(`cleanup: ${errors.length} of ${errors.length + undone} undo actions failed: ${errors[0]}`, { expected: { failures: 0 } });
    }
    return passed(undone ? `${undone} undone` : 'nothing to undo');
  },
});
