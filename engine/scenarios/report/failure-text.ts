/** A failed step as text: what was expected beside the last messages actually seen on that filter. */
import type { StepRecord } from '../run/events.js';

const indent = (text: string, by: string) => text.split('\n').map((l) => by + l).join('\n');

function preview(payload: string, max = 400): string {
  return payload.length > max ? `${payload.slice(0, max)}… (${payload.length} characters)` : payload;
}

export function failureText(r: Pick<StepRecord, 'message' | 'expected' | 'seen' | 'where'>): string {
  const lines: string[] = [];
  if (r.message) lines.push(r.message);
  if (r.where) lines.push(`at ${r.where}`);
  if (r.expected !== undefined) {
    const short = JSON.stringify(r.expected);
    lines.push('expected:');
    lines.push(indent(short.length <= 100 ? short : JSON.stringify(r.expected, null, 2), '  '));
  }
  if (r.seen) {
    if (r.seen.length === 0) lines.push('seen: nothing');
    else {
      lines.push(`seen (last ${r.seen.length}, newest last):`);
      for (const m of r.seen) lines.push(`  +${m.at}ms ${m.topic}${m.retain ? ' (retained)' : ''}: ${preview(m.payload)}`);
    }
  }
  return lines.join('\n');
}

export const stepTitle = (r: Pick<StepRecord, 'id' | 'step' | 'label'>): string => `${r.id} ${r.label ? `${r.label} (${r.step})` : r.step}`;
