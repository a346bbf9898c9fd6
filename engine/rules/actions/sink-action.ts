/** Shared by the actions that write to local sinks (sqs, sns, kinesis, firehose, dynamoDB*, cloudwatch*). */
import { EngineError, isEngineError } from '../../core/index.js';
import type { ActionDeps, ActionInput, ActionResult } from './action.js';
import type { SinkWriter } from './sink-writer.js';

/** The sinks' port, or InvalidInput at rule creation when the engine has no sinks. */
export function sinksOf(deps: ActionDeps, action: string): SinkWriter {
  if (!deps.sinks) throw new EngineError('InvalidInput', `the ${action} action needs the local sinks, which this engine does not have`);
  return deps.sinks;
}

/** A parameter that may hold `${…}` templates, evaluated per message. */
export const param = (input: ActionInput, value: string) => (value.includes('${') ? input.substitute(value) : value);

/** Runs one sink write; a thrown error (missing target, bad value, full sink) fails the action with its message. */
export async function attempt(work: () => Promise<Record<string, unknown> | void>): Promise<ActionResult> {
  try {
    const detail = await work();
    return detail ? { ok: true, detail } : { ok: true };
  } catch (e) {
    if (isEngineError(e)) return { ok: false, error: e.message, detail: { code: e.code } };
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export function optionalBoolean(params: Record<string, unknown>, field: string, action: string): boolean | undefined {
  const v = params[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new EngineError('InvalidInput', `${action}.${field} must be a boolean`);
  return v;
}

/** The last segment of an ARN (`…:name`) or URL (`…/name`). */
export const lastSegment = (s: string, sep: string) => s.slice(s.lastIndexOf(sep) + 1);
