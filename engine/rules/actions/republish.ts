/**
 * `republish` [DG:republish-rule-action]: publishes the rule output to another topic through the broker, so
 * subscribers, taps (the shadow service for `$aws/things/…/shadow/…`) and other rules see it.
 *
 * - `topic` supports substitution templates; a reserved topic is written with `$$` (`$$aws/things/T/shadow/update`).
 *   Reserved job topics (`$aws/things/T/jobs/…`) are refused, as AWS does.
 * - `qos` 0 (default) or 1; no retain flag: AWS's RepublishAction has none.
 * - The published message carries its lineage (the rules that produced it) for loop protection (`republish-loop.ts`).
 * - MQTT 5 `headers` (payload format indicator, content type, response topic, correlation data, message expiry, user
 *   properties; templates allowed) become the republished message's MQTT 5 properties (`mqtt-headers.ts`). Without
 *   headers the republished message has none, whatever the incoming message carried.
 */
import type { ActionFactory, ActionResult } from './action.js';
import { NO_LINEAGE } from '../republish-loop.js';
import { parseMqttHeaders, resolveMqttHeaders } from './mqtt-headers.js';
import { optionalInteger, requiredString } from './params.js';

export const republishAction: ActionFactory = (params, deps) => {
  const template = requiredString(params, 'topic', 'republish');
  const qos = (optionalInteger(params, 'qos', 'republish', 0, 1) ?? 0) as 0 | 1;
  const headers = parseMqttHeaders(params.headers);
  return {
    kind: 'republish',
    async invoke(input): Promise<ActionResult> {
      const topic = resolveTopic(input.substitute(template));
      if (typeof topic !== 'string') return { ok: false, error: topic.error };
      const properties = headers && resolveMqttHeaders(headers, input.substitute);
      if (properties && 'error' in properties) return { ok: false, error: properties.error, detail: { topic } };
      const msg = properties && Object.keys(properties).length
        ? { topic, payload: input.payload, qos, retain: false, properties }
        : { topic, payload: input.payload, qos, retain: false };
      try {
        await deps.publish(msg, [...(input.lineage ?? NO_LINEAGE), input.ruleName]);
        return { ok: true, detail: { topic, qos } };
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e), detail: { topic } };
      }
    },
  };
};

/** `$$x` → `$x`; rejects topics a publish cannot use. */
export function resolveTopic(raw: string): string | { error: string } {
  const topic = raw.startsWith('$$') ? raw.slice(1) : raw;
  if (topic.length === 0) return { error: 'republish topic is empty' };
  if (topic.includes('+') || topic.includes('#') || topic.includes('\u0000')) return { error: `republish topic ${JSON.stringify(topic)} is not a valid topic name` };
  if (Buffer.byteLength(topic) > 65535) return { error: 'republish topic is too long' };
  if (/^\$aws\/things\/[^/]+\/jobs(\/|$)/.test(topic)) return { error: 'Republishing to reserved job topics is not supported' };
  return topic;
}
