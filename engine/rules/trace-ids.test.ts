import { describe, expect, it } from 'vitest';
import { TraceIds } from './trace-ids.js';

describe('TraceIds', () => {
  it('gives distinct UUID-shaped ids, and another run gives others', () => {
    const a = new TraceIds();
    const ids = Array.from({ length: 1000 }, () => a.next());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(1000);
    expect(new TraceIds().next()).not.toBe(new TraceIds().next());
  });
});
