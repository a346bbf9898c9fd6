import { describe, expect, it } from 'vitest';
import { parseRecording } from './scenarios/index.js';
import { exportLines } from './history-export.js';

const msg = (time: number, payload: string | Buffer, clientId: string | null = 'dev-1') =>
  ({ topic: 't/1', payload: Buffer.from(payload), qos: 1 as const, retain: false, clientId, time });

describe('exportLines', () => {
  it('writes a recording that parses back: t from the first message, never going back, no client id for the engine', () => {
    const text = exportLines([msg(1000, '{"a":1}'), msg(1250, Buffer.from([0, 255])), msg(1200, 'x', null)]);
    const parsed = parseRecording(text, 'export.jsonl');
    expect(parsed.errors).toEqual([]);
    expect(parsed.messages.map((m) => [m.t, m.payload.toString('base64'), m.clientId])).toEqual([
      [0, Buffer.from('{"a":1}').toString('base64'), 'dev-1'], [250, 'AP8=', 'dev-1'], [250, 'eA==', undefined],
    ]);
    expect(exportLines([])).toBe('');
  });

  it('refuses an export over its size bound as TooLarge, naming what narrows it', () => {
    const many = Array.from({ length: 100 }, (_, i) => msg(i, 'x'.repeat(100)));
    expect(() => exportLines(many, 5000)).toThrow(expect.objectContaining({ code: 'TooLarge', message: expect.stringMatching(/^the export is over \d+ MiB: narrow it with a filter, from and to, or a limit$/) }));
    expect(exportLines(many.slice(0, 10), 5000).split('\n')).toHaveLength(11);
  });
});
