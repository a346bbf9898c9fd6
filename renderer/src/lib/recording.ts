/**
 * Captured messages as a recording file that `thingbench replay` plays back: JSON lines, oldest first, `t` in
 * milliseconds since the first message, the payload as UTF-8 text or base64 with `"encoding":"base64"`, the
 * publisher's client id when known and the MQTT 5 properties when there are any (README "Record and replay").
 */
import type { MessageRecord } from '../../../engine/contract/index.js';
import { base64ToBytes } from './format.js';

export function recordingLines(messages: readonly MessageRecord[]): string {
  const ordered = [...messages].sort((a, b) => a.time - b.time || a.id - b.id);
  const first = ordered[0]?.time ?? 0;
  return ordered.map((m) => `${JSON.stringify(recordingLine(m, first))}\n`).join('');
}

function recordingLine(m: MessageRecord, first: number): Record<string, unknown> {
  const line: Record<string, unknown> = { t: m.time - first, topic: m.topic, qos: m.qos, retain: m.retain };
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(base64ToBytes(m.payload));
  } catch {
    text = undefined;
  }
  if (text !== undefined) line.payload = text;
  else {
    line.payload = m.payload;
    line.encoding = 'base64';
  }
  if (m.clientId !== null) line.clientId = m.clientId;
  if (m.properties && Object.keys(m.properties).length) line.properties = m.properties;
  return line;
}

/** A file name for an export of `filter`: `thingbench-home-kitchen-20261205-1403.jsonl`. */
export function recordingFileName(filter: string, now = new Date()): string {
  const what = filter.replace(/\/?#$/, '').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'all';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `thingbench-${what}-${stamp}.jsonl`;
}
