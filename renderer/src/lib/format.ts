/** Pure formatting helpers for payloads, sizes and times. */

export type DecodedPayload =
  | { kind: 'empty' }
  | { kind: 'text'; text: string; json: unknown; isJson: boolean }
  | { kind: 'binary'; bytes: Uint8Array };

export function base64ToBytes(base64: string): Uint8Array {
  try {
    const raw = atob(base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  } catch {
    return new Uint8Array();
  }
}

// Control characters other than tab, line feed and carriage return mark a payload as binary.
const controlChars = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** UTF-8 text when the bytes decode and print; binary otherwise. A cut-off tail (`truncated`) may end mid-character. */
export function decodePayload(base64: string, truncated = false): DecodedPayload {
  const bytes = base64ToBytes(base64);
  if (bytes.length === 0) return { kind: 'empty' };
  let text: string;
  try {
    // A fresh decoder each time: `stream` keeps an unfinished character inside the decoder.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
  } catch {
    return { kind: 'binary', bytes };
  }
  if (controlChars.test(text)) return { kind: 'binary', bytes };
  try {
    return { kind: 'text', text, json: JSON.parse(text), isJson: true };
  } catch {
    return { kind: 'text', text, json: undefined, isJson: false };
  }
}

export function hex(bytes: Uint8Array, max = bytes.length): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} …` : shown;
}

/** One line for lists: whitespace collapsed, cut at `max` characters. */
export function payloadPreview(base64: string, truncated = false, max = 160): string {
  const decoded = decodePayload(base64, truncated);
  if (decoded.kind === 'empty') return '(empty)';
  if (decoded.kind === 'binary') return `⟨${hex(decoded.bytes, 24)}⟩`;
  const line = decoded.text.replace(/\s+/g, ' ').trim();
  return line.length > max || truncated ? `${line.slice(0, max)}…` : line;
}

/** The full payload for the detail view: pretty JSON, text, or a hex dump. */
export function payloadFull(base64: string, truncated = false): { text: string; format: 'json' | 'text' | 'hex' | 'empty' } {
  const decoded = decodePayload(base64, truncated);
  if (decoded.kind === 'empty') return { text: '', format: 'empty' };
  if (decoded.kind === 'binary') return { text: hexDump(decoded.bytes), format: 'hex' };
  if (decoded.isJson && typeof decoded.json === 'object' && decoded.json !== null) return { text: JSON.stringify(decoded.json, null, 2), format: 'json' };
  return { text: decoded.text, format: 'text' };
}

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex(row).padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `14:03:07.125` in local time. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatCount(n: number): string {
  return n < 10_000 ? String(n) : n < 1_000_000 ? `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k` : `${(n / 1_000_000).toFixed(1)}M`;
}

/** `14:03:07` today, `2026-12-04 14:03` on another day, in local time. */
export function formatWhen(epochMs: number, now = Date.now()): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d.toDateString() === new Date(now).toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** How long from `at` to `now` (ms): "3 s", "2 min", "1 h". */
export function since(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}
