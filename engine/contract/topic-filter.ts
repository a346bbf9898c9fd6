/**
 * MQTT topic-filter matching for queries (message history, UI filters), per MQTT 3.1.1 §4.7.
 * `standard` semantics: `#` matches the parent level; leading wildcards skip `$` topics [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string, opts: { dollar?: boolean } = {}): boolean {
  if (!opts.dollar && topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  // Level by level on the strings themselves: splitting both made two arrays and their strings per call, and the UI
  // and the broker call this for every message.
  let from = 0;
  let at = 0;
  for (;;) {
    const end = levelEnd(filter, from);
    const width = end - from;
    if (width === 1 && filter.charCodeAt(from) === HASH) return true;
    if (at > topic.length) return false; // the topic has no level left
    const topicEnd = levelEnd(topic, at);
    const plus = width === 1 && filter.charCodeAt(from) === PLUS;
    if (!plus && (width !== topicEnd - at || !sameChars(filter, from, topic, at, width))) return false;
    if (end === filter.length) return topicEnd === topic.length;
    from = end + 1;
    at = topicEnd + 1;
  }
}

const HASH = 0x23;
const PLUS = 0x2b;

function levelEnd(text: string, from: number): number {
  const slash = text.indexOf('/', from);
  return slash < 0 ? text.length : slash;
}

function sameChars(a: string, aFrom: number, b: string, bFrom: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a.charCodeAt(aFrom + i) !== b.charCodeAt(bFrom + i)) return false;
  return true;
}
