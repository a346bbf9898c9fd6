/** DynamoDB's capacity units as it counts them, and the ConsumedCapacity the item operations return when asked. */
import { describe, expect, it } from 'vitest';
import { openSinks, sinksClosedAfterEach } from '../../../test/helpers/sinks.js';
import { capacityMode, readUnits, writeUnits } from './capacity.js';

const open = sinksClosedAfterEach();
/** An item of exactly `bytes` bytes as DynamoDB sizes it: names and values in UTF-8 (`k` + `p` + `sk` + 1 + `v` + blob). */
const item = (sk: string, bytes: number) => ({ k: { S: 'p' }, sk: { S: sk }, v: { S: 'x'.repeat(bytes - 1 - 1 - 2 - sk.length - 1) } });

describe('capacity units', () => {
  it.each([
    [undefined, 1000, 1], [undefined, 1024, 1], [undefined, 1025, 2], [{ a: { S: 'x'.repeat(3000) } }, 100, 3], [undefined, undefined, 1],
  ])('a write of the larger of before and after, in 1 KB units, at least one (%#)', (before, afterBytes, units) => {
    expect(writeUnits(before, afterBytes === undefined ? undefined : { a: { S: 'x'.repeat(afterBytes - 1) } })).toBe(units);
  });

  it.each([[0, true, 1], [0, false, 0.5], [4096, true, 1], [4097, true, 2], [12_000, false, 1.5]])('%i bytes read (consistent %s) are %s units', (bytes, consistent, units) => {
    expect(readUnits(bytes, consistent)).toBe(units);
  });

  it('takes AWS\'s enum and refuses anything else the way DynamoDB does', () => {
    expect([capacityMode(undefined), capacityMode('NONE'), capacityMode('TOTAL'), capacityMode('INDEXES')]).toEqual([false, false, 'TOTAL', 'INDEXES']);
    expect(() => capacityMode('ALL')).toThrow("Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
  });
});

describe('ConsumedCapacity of the item operations', () => {
  it('bills UpdateItem and DeleteItem by the item, Query and Scan by what they read before the filter, transactions twice', async () => {
    const h = await openSinks();
    open.push(h);
    await h.sinks.create('table', 'Cap', { hashKey: { name: 'k', type: 'S' }, rangeKey: { name: 'sk', type: 'S' } });
    const d = h.sinks.dynamodb;
    const key = (sk: string) => ({ k: { S: 'p' }, sk: { S: sk } });
    const total = { ReturnConsumedCapacity: 'TOTAL' };
    expect((await d.putItem({ TableName: 'Cap', Item: item('a', 5000), ...total })).ConsumedCapacity).toEqual({ TableName: 'Cap', CapacityUnits: 5 });
    expect(await d.putItem({ TableName: 'Cap', Item: item('b', 1000) })).toEqual({}); // not asked: not returned
    // A small update of a 5,000-byte item costs the item (before, the larger); a delete costs the deleted item.
    const upd = await d.updateItem({ TableName: 'Cap', Key: key('a'), UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } }, ReturnConsumedCapacity: 'INDEXES' });
    expect(upd.ConsumedCapacity).toEqual({ TableName: 'Cap', CapacityUnits: 5, Table: { CapacityUnits: 5 } });
    expect((await d.updateItem({ TableName: 'Cap', Key: key('b'), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: 'y'.repeat(2500) } }, ...total })).ConsumedCapacity?.CapacityUnits).toBe(3);
    // Query of both (5,006 + ~2,506 bytes, the filter keeping one): 2 units eventually consistent → 1; Scan consistent → 2.
    const q = d.query({ TableName: 'Cap', KeyConditionExpression: 'k = :k', FilterExpression: 'attribute_exists(n)', ExpressionAttributeValues: { ':k': { S: 'p' } }, ...total });
    expect([q.Count, q.ScannedCount, q.ConsumedCapacity]).toEqual([1, 2, { TableName: 'Cap', CapacityUnits: 1 }]);
    expect(d.scan({ TableName: 'Cap', ConsistentRead: true, FilterExpression: 'n = :none', ExpressionAttributeValues: { ':none': { N: '9' } }, ...total }).ConsumedCapacity?.CapacityUnits).toBe(2);
    // A missing item still costs a read; BatchGetItem sizes each key on its own; a transaction costs twice.
    expect(d.getItem({ TableName: 'Cap', Key: key('zz'), ...total }).ConsumedCapacity?.CapacityUnits).toBe(0.5);
    expect(d.batchGetItem({ RequestItems: { Cap: { Keys: [key('a'), key('zz')], ConsistentRead: true } }, ...total }).ConsumedCapacity).toEqual([{ TableName: 'Cap', CapacityUnits: 2 + 1 }]);
    expect(d.transactGetItems({ TransactItems: [{ Get: { TableName: 'Cap', Key: key('a') } }], ...total }).ConsumedCapacity).toEqual([{ TableName: 'Cap', CapacityUnits: 4 }]);
    expect((await d.transactWriteItems({ TransactItems: [{ Delete: { TableName: 'Cap', Key: key('b') } }], ...total })).ConsumedCapacity).toEqual([{ TableName: 'Cap', CapacityUnits: 6 }]);
    expect((await d.deleteItem({ TableName: 'Cap', Key: key('a'), ...total })).ConsumedCapacity?.CapacityUnits).toBe(5);
    expect((await d.deleteItem({ TableName: 'Cap', Key: key('a'), ...total })).ConsumedCapacity?.CapacityUnits).toBe(1);
    expect((await d.batchWriteItem({ RequestItems: { Cap: [{ PutRequest: { Item: item('c', 1500) } }, { DeleteRequest: { Key: key('zz') } }] }, ...total })).ConsumedCapacity)
      .toEqual([{ TableName: 'Cap', CapacityUnits: 2 + 1 }]);
    await expect(d.putItem({ TableName: 'Cap', Item: item('d', 10), ReturnConsumedCapacity: 'SOME' })).rejects.toThrow('returnConsumedCapacity');
    expect(d.getItem({ TableName: 'Cap', Key: key('d') }).Item).toBeUndefined(); // refused before anything was written
  });
});
