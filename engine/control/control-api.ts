import { EngineError } from '../core/index.js';
import type { ControlAnswer, ControlHandedOver, ControlSendInput, ThingbenchApi } from '../contract/index.js';
import type { ControlService } from './control-service.js';

/** What `control.send` waits when the caller names no timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The answer as text too when it is valid UTF-8 (most command answers are JSON). */
const utf8 = new TextDecoder('utf-8', { fatal: true });
function textOf(payload: Buffer): string | undefined {
  try {
    return utf8.decode(payload);
  } catch {
    return undefined;
  }
}

/** The contract's `control` area over the control service. */
export function controlApi(control: ControlService): ThingbenchApi['control'] {
  const send = async ({ thing, name, payload, encoding, contentType, timeoutMs, oneWay }: ControlSendInput & { oneWay?: boolean }): Promise<ControlAnswer | ControlHandedOver> => {
    if (!thing) throw new EngineError('InvalidInput', 'control.send needs a thing');
    const a = await control.send({
      thing, name, payload: Buffer.from(payload ?? '', encoding === 'base64' ? 'base64' : 'utf8'), timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(contentType ? { contentType } : {}), ...(oneWay ? { oneWay } : {}),
    });
    if ('oneWay' in a) return a;
    const text = textOf(a.payload);
    return {
      requestId: a.requestId, status: a.status, payload: a.payload.toString('base64'), ...(text !== undefined ? { text } : {}),
      ...(a.contentType ? { contentType: a.contentType } : {}), latencyMs: a.latencyMs, via: a.via,
    };
  };
  // One function answers every overload of `send`: the union it returns follows `oneWay`.
  return { send: send as ThingbenchApi['control']['send'], pending: async () => control.pending() };
}
