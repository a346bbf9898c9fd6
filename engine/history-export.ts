import type { HeldMessage } from './broker/index.js';
import { EngineError } from './core/index.js';
import { encodeLine } from './scenarios/index.js';

/** The largest export (characters of JSON lines): beyond, the caller narrows the query. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

/**
 * `broker.export`: the history's messages as a recording (`thingbench record`'s JSON lines, which `thingbench replay`
 * takes): `t` counts from the first message; messages the engine published itself carry no client id.
 */
export function exportLines(messages: HeldMessage[], maxChars = MAX_EXPORT_CHARS): string {
  if (!messages.length) return '';
  const first = messages[0].time;
  let out = '';
  let t = 0;
  for (const m of messages) {
    t = Math.max(t, m.time - first); // a recording never goes back in time, even if the clock did
    const line = encodeLine({
      t, topic: m.topic, qos: m.qos, retain: m.retain, payload: m.payload,
      ...(m.clientId !== null ? { clientId: m.clientId } : {}),
      ...(m.properties ? { properties: m.properties } : {}),
    });
    out += line + '\n';
    if (out.length > maxChars) {
      throw new EngineError('TooLarge', `the export is over ${Math.round(maxChars / 1024 / 1024)} MiB: narrow it with a filter, from and to, or a limit`);
    }
  }
  return out;
}
