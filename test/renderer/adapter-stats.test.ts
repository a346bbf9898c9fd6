import { describe, expect, it } from 'vitest';
import { refusalList, refusedTotal } from '../../renderer/src/state/models/adapter-stats.js';

describe('adapter refusals', () => {
  it.each([
    [{}, [], 0],
    [{ '4.29': 120, '4.01': 3 }, [{ code: '4.01', count: 3 }, { code: '4.29', count: 120 }], 123],
    [{ '403': 2, '401': 1, '429': 0 }, [{ code: '401', count: 1 }, { code: '403', count: 2 }], 3],
    [{ '5.00': 1, '4.13': 4, '4.04': 2 }, [{ code: '4.04', count: 2 }, { code: '4.13', count: 4 }, { code: '5.00', count: 1 }], 7],
  ])('%j → by code, without zeros', (refused, list, total) => {
    expect(refusalList(refused)).toEqual(list);
    expect(refusedTotal(refused)).toBe(total);
  });
});
