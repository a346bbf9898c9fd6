import { describe, expect, it } from 'vitest';
import { firstFailure, type SourceRecord } from './stream-poller.js';

const batch: SourceRecord[] = ['100', '200', '300'].map((id) => ({ id, arrival: 0, event: {}, after: `after-${id}` }));

describe('ReportBatchItemFailures for streams', () => {
  it.each<[string, unknown, number]>([
    ['no response', undefined, -1],
    ['a null response', null, -1],
    ['an empty object', {}, -1],
    ['a null list', { batchItemFailures: null }, -1],
    ['an empty list', { batchItemFailures: [] }, -1],
    ['one failure', { batchItemFailures: [{ itemIdentifier: '200' }] }, 1],
    ['the lowest of several', { batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] }, 1],
    ['the first record', { batchItemFailures: [{ itemIdentifier: '100' }] }, 0],
    ['an empty identifier fails the batch', { batchItemFailures: [{ itemIdentifier: '' }] }, 0],
    ['a null identifier fails the batch', { batchItemFailures: [{ itemIdentifier: null }] }, 0],
    ['a bad key name fails the batch', { batchItemFailures: [{ itemId: '200' }] }, 0],
    ['an identifier not in the batch fails the batch', { batchItemFailures: [{ itemIdentifier: '999' }] }, 0],
    ['a list that is not a list fails the batch', { batchItemFailures: 'oops' }, 0],
    ['a string response', 'done', -1],
  ])('%s', (_name, result, index) => {
    expect(firstFailure(result, batch)).toBe(index);
  });
});
