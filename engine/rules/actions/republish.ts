/**
 * `republish` [DG:republish-rule-action]: publishes the rule output to another topic through the broker, so
 * subscribers, taps (the shadow service for `$aws/things/…/shadow/…`) and other rules see it.
 *
 * - `topic` supports substitution templates; a reserved topic is written with `$$` (`$$aws/things/T/shadow/update`).
 *   Reserved job topics (`$aws/things/T/jobs/…`) are refused, as AWS does.
 * - `qos` 0 (default) or 1; no retain flag: AWS's RepublishAction has none.
 * - The published message carries its lineage (the rules that produced it) for loop protection (`message-lineage.ts`).
 * - LIMITATION: MQTT 5 `headers` are accepted and validated as an object but not sent (the broker's publisher carries
 *   no MQTT 5 properties).
 */
import { EngineError } from '../../core/index.js';
import type { ActionFactory, ActionResult } from './action.js';
import { NO_LINEAGE } from '../message-lineage.js';
import { optionalInteger, requiredString } from './params.js';

export const republishAction: ActionFactory = (params, deps) => {
  const template = requiredString(params, 'topic', 'republish');
  const qos = (optionalInteger(params, 'qos', 'republish', 0, 1) ?? 0) as 0 | 1;
  if (params.headers !== undefined && (typeof params.headers !== 'object' || params.headers === null || Array.isArray(params.headers))) {
    throw new EngineError('InvalidInput', 'republish.headers must be an object');
  }
  return {
    kind: 'republish',
    async invoke(input): Promise<ActionResult> {
      const topic = resolveTopic(input.substitute(template));
      if (typeof topic !== 'string') return { ok: false, error: topic.error };
      try {
        await deps.publish({ topic, payload: input.payload, qos, retain: false }, [...(input.lineage ?? NO_LINEAGE), input.ruleName]);
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
