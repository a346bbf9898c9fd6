/**
 * MQTT topic-filter matching for queries (message history, UI filters), per MQTT 3.1.1 §4.7.
 * `standard` semantics: `#` matches the parent level; leading wildcards skip `$` topics [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string, opts: { dollar?: boolean } = {}): boolean {
  if (!opts.dollar && topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
