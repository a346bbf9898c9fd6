import type { HeldMessage } from './broker/index.js';
import { encodeLine } from './scenarios/index.js';

/**
 * `broker.export`: the history's messages as a recording (`thingbench record`'s JSON lines, which `thingbench replay`
 * takes): `t` counts from the first message; messages the engine published itself carry no client id.
 */
export function exportLines(messages: HeldMessage[]): string {
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
  }
  return out;
}
