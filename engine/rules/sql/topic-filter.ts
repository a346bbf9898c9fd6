/** FROM topic filters [DG:iot-sql-from]: MQTT filters, `+` one level, `#` the rest (last level only). */
import { topicMatches } from '../../contract/index.js';

/** Why `filter` is not a valid topic filter, or null when it is. */
export function topicFilterProblem(filter: string): string | null {
  if (filter.length === 0) return 'The topic filter is empty';
  if (Buffer.byteLength(filter, 'utf8') > 256) return 'The topic filter is longer than 256 bytes';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return "'#' must be a whole level and the last one";
    if (level.includes('+') && level !== '+') return "'+' must be a whole level";
  }
  return null;
}

/** Whether a message on `topic` reaches a rule with this FROM filter (a leading wildcard skips `$` topics). */
export function ruleTopicMatches(filter: string, topic: string): boolean {
  return topicMatches(filter, topic);
}

/** `ruleTopicMatches` for a filter split once, applied to a topic split once per message (the rules' hot path). */
export function topicLevelsMatcher(filter: string): (topic: readonly string[]) => boolean {
  const levels = filter.split('/');
  const leadingWildcard = levels[0] === '+' || levels[0] === '#';
  return (topic) => {
    if (leadingWildcard && topic[0].charCodeAt(0) === 36) return false;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      if (level === '#') return true;
      if (i >= topic.length || (level !== '+' && level !== topic[i])) return false;
    }
    return levels.length === topic.length;
  };
}
