/**
 * `lambda` [DG:lambda-rule-action]: invokes a local function (`<dataDir>/functions/<name>.js|.mjs|.ts|.py`) with the
 * rule output as its event, asynchronously (AWS invokes with InvocationType=Event). The function ARN
 * `arn:aws:lambda:<region>:<account>:function:<name>` maps to the file `<name>`; `functionArn` supports templates.
 * A function that throws, times out or runs out of memory fails the action (→ errorAction).
 */
import type { ActionFactory, ActionResult } from './action.js';
import { requiredString } from './params.js';

export const lambdaAction: ActionFactory = (params, deps) => {
  const arn = requiredString(params, 'functionArn', 'lambda');
  if (!arn.includes('${')) deps.functions.resolveName(arn); // reject a malformed ARN at creation
  return {
    kind: 'lambda',
    async invoke(input): Promise<ActionResult> {
      let name: string;
      try {
        name = deps.functions.resolveName(input.substitute(arn));
      } catch (e) {
        return { ok: false, error: (e as Error).message };
      }
      const event = input.output instanceof Uint8Array ? Buffer.from(input.output).toString('base64') : input.output;
      const r = await deps.functions.invoke(name, event, { traceId: input.traceId, ruleName: input.ruleName });
      if (r.ok) return { ok: true, detail: { function: name, durationMs: r.durationMs } };
      return { ok: false, error: r.error, detail: { function: name, kind: r.kind, durationMs: r.durationMs } };
    },
  };
};
