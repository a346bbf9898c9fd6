import type { BrokerLimits } from './limits.js';
import type { DeviationId } from './aws-deviations.js';

export interface Violation {
  /** The AWS deviation to explain, when the refusal is an AWS limit. */
  deviation?: DeviationId;
  message: string;
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

function countSlashes(topic: string): number {
  let n = 0;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

/** AWS exempts the Basic Ingest prefix `$aws/rules/{rule}/` from topic length and depth limits. */
function withoutBasicIngest(topic: string): string {
  if (!topic.startsWith('$aws/rules/')) return topic;
  const end = topic.indexOf('/', 11);
  return end < 0 ? '' : topic.slice(end + 1);
}

/**
 * AWS IoT Commands' reserved topics are deeper than the 7-slash limit by design
 * (`$aws/commands/things/{thing}/executions/{id}/response/accepted/json` has 8): AWS serves them, so they are exempt.
 */
const isCommandsTopic = (topic: string) => topic.startsWith('$aws/commands/') && countSlashes(topic) <= 8;

export function checkTopicName(topic: string, limits: BrokerLimits): Violation | null {
  const t = withoutBasicIngest(topic);
  if (limits.maxTopicBytes && byteLength(t) > limits.maxTopicBytes) {
    return { deviation: 'topicTooLong', message: `topic is ${byteLength(t)} bytes, over the limit of ${limits.maxTopicBytes}` };
  }
  if (limits.maxTopicSlashes && countSlashes(t) > limits.maxTopicSlashes && !isCommandsTopic(t)) {
    return { deviation: 'topicTooDeep', message: `topic has ${countSlashes(t)} slashes, over the limit of ${limits.maxTopicSlashes}` };
  }
  return null;
}

export function checkPublish(topic: string, payloadBytes: number, limits: BrokerLimits): Violation | null {
  if (limits.maxPayloadBytes && payloadBytes > limits.maxPayloadBytes) {
    return { deviation: 'payloadTooLarge', message: `payload of ${payloadBytes} bytes is over the limit of ${limits.maxPayloadBytes}` };
  }
  return checkTopicName(topic, limits);
}

/** The most levels any topic may have, in any mode: aedes' `maxTopicLevels` ceiling (its topic trie's word limit). */
export const MAX_TOPIC_LEVELS = 100;

/** aedes refuses a publish to a topic deeper than {@link MAX_TOPIC_LEVELS} with a plain error: say so first. */
export function checkLevels(topic: string): Violation | null {
  const levels = countSlashes(topic) + 1;
  return levels > MAX_TOPIC_LEVELS ? { message: `topic has ${levels} levels, over the broker's limit of ${MAX_TOPIC_LEVELS}` } : null;
}

/** A topic name as an MQTT PUBLISH must carry it (what the MQTT parser checks of a client's), for publishes that come another way. */
export function checkTopicSyntax(topic: string): Violation | null {
  if (!topic.length) return { message: 'the topic must not be empty' }; // [MQTT-4.7.3-1]
  if (/[+#\u0000]/.test(topic)) return { message: `the topic name must not contain wildcards or the null character: ${topic.slice(0, 300)}` }; // [MQTT-3.3.2-2] [MQTT-4.7.3-2]
  return checkLevels(topic);
}

/** MQTT 3.1.1 §4.7.1: `#` only last and alone in its level, `+` alone in its level. */
export function isValidFilter(filter: string): boolean {
  if (!filter.length) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

/** AWS semantics: like MQTT, except `#` does not match its parent level. */
export function awsFilterMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i < t.length;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
