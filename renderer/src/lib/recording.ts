/**
 * Recordings as `thingbench replay` takes them: JSON lines, one message each, `t` in milliseconds since the first
 * (README "Record and replay"). The engine writes them (`broker.export`); these helpers name and trim them.
 */

/**
 * The lines whose topic does not start with `$` (the broker's own lifecycle and shadow topics, which a replay
 * cannot publish to), with `t` counted again from the first line kept.
 */
export function withoutSystemTopics(jsonLines: string): { text: string; count: number } {
  const kept: Record<string, unknown>[] = [];
  for (const line of jsonLines.split('\n')) {
    if (!line.trim()) continue;
    const message = JSON.parse(line) as Record<string, unknown>;
    if (typeof message.topic === 'string' && !message.topic.startsWith('$')) kept.push(message);
  }
  const first = Number(kept[0]?.t ?? 0);
  return { text: kept.map((m) => `${JSON.stringify({ ...m, t: Number(m.t) - first })}\n`).join(''), count: kept.length };
}

/** How many messages a recording holds. */
export function lineCount(jsonLines: string): number {
  return jsonLines.split('\n').filter((l) => l.trim()).length;
}

/** A file name for an export of `filter`: `thingbench-home-kitchen-20261205-140307.jsonl`. */
export function recordingFileName(filter: string, now = new Date()): string {
  const what = filter.replace(/\/?#$/, '').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'all';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `thingbench-${what}-${stamp}.jsonl`;
}
