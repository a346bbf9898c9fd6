import { describe, expect, it } from 'vitest';
import { openSinks, sinksClosedAfterEach, type SinkHarness } from '../../../test/helpers/sinks.js';

const open = sinksClosedAfterEach();

async function harness(): Promise<SinkHarness> {
  const h = await openSinks();
  open.push(h);
  await h.sinks.create('table', 'Music', { hashKey: { name: 'Artist', type: 'S' }, rangeKey: { name: 'SongTitle', type: 'S' }, streamViewType: 'NEW_AND_OLD_IMAGES' });
  await h.sinks.create('table', 'Readings', { hashKey: { name: 'device', type: 'S' }, rangeKey: { name: 'ts', type: 'N' } });
  return h;
}

const reason = async (p: Promise<unknown> | (() => unknown)): Promise<[string | undefined, string]> => {
  try {
    await (typeof p === 'function' ? p() : p);
    return [undefined, 'no error'];
  } catch (e) {
    return [(e as { details?: { reason?: string } }).details?.reason, (e as Error).message];
  }
};

describe('DynamoDB item operations on the table store', () => {
  it('PutItem, GetItem with a projection, conditional puts, ReturnValues ALL_OLD, and durability across a reopen', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    await d.putItem({ TableName: 'Music', Item: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' }, Year: { N: '2015.0' }, Tags: { SS: ['pop', 'new'] } } });
    expect(d.getItem({ TableName: 'Music', Key: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } } }).Item)
      .toEqual({ Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' }, Year: { N: '2015' }, Tags: { SS: ['pop', 'new'] } });
    expect(d.getItem({ TableName: 'Music', Key: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } }, ProjectionExpression: '#y', ExpressionAttributeNames: { '#y': 'Year' } }).Item).toEqual({ Year: { N: '2015' } });
    expect(await reason(d.putItem({ TableName: 'Music', Item: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } }, ConditionExpression: 'attribute_not_exists(Artist)' })))
      .toEqual(['ConditionalCheckFailedException', 'The conditional request failed']);
    const old = await d.putItem({ TableName: 'Music', Item: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' }, Year: { N: '2016' } }, ReturnValues: 'ALL_OLD' });
    expect(old.Attributes?.Year).toEqual({ N: '2015' });
    const again = await h.reopen();
    open.splice(0, 1, again);
    expect(again.sinks.dynamodb.getItem({ TableName: 'Music', Key: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } } }).Item?.Year).toEqual({ N: '2016' });
    // the table's SQL view shows the items as rows
    expect(again.store.all('SELECT Artist, Year FROM "Music"')).toEqual([{ Artist: 'No One You Know', Year: 2016 }]);
  });

  it("refuses bad keys and items with AWS's messages; a missing table is ResourceNotFoundException", async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    expect(await reason(d.putItem({ TableName: 'Music', Item: { Artist: { S: 'a' } } }))).toEqual(['ValidationException', 'One or more parameter values were invalid: Missing the key SongTitle in the item']);
    expect(await reason(d.putItem({ TableName: 'Readings', Item: { device: { S: 'a' }, ts: { S: '1' } } }))).toEqual(['ValidationException', 'One or more parameter values were invalid: Type mismatch for key ts expected: N actual: S']);
    expect(await reason(d.putItem({ TableName: 'Music', Item: { Artist: { S: '' }, SongTitle: { S: 'x' } } }))).toEqual(['ValidationException', 'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: Artist']);
    expect(await reason(() => d.getItem({ TableName: 'Music', Key: { Artist: { S: 'a' }, SongTitle: { S: '' } } }))).toEqual(['ValidationException', 'One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: SongTitle']);
    expect(await reason(() => d.getItem({ TableName: 'Music', Key: { Artist: { S: 'a' } } }))).toEqual(['ValidationException', 'The provided key element does not match the schema']);
    expect(await reason(() => d.getItem({ TableName: 'Nope', Key: { Artist: { S: 'a' } } }))).toEqual(['ResourceNotFoundException', 'Requested resource not found']);
    expect(await reason(d.putItem({ TableName: 'Music', Item: { Artist: { S: 'a' }, SongTitle: { S: 'b' }, big: { S: 'x'.repeat(400 * 1024) } } }))).toEqual(['ValidationException', 'Item size has exceeded the maximum allowed size']);
    expect(await reason(d.putItem({ TableName: 'Music', Item: { Artist: { S: 'a' }, SongTitle: { S: 'b' } }, ReturnValues: 'ALL_NEW' }))).toEqual(['ValidationException', 'ReturnValues can only be ALL_OLD or NONE']);
  });

  it('UpdateItem creates or changes an item, with conditions and every ReturnValues', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    const key = { device: { S: 'd1' }, ts: { N: '1' } };
    const created = await d.updateItem({ TableName: 'Readings', Key: key, UpdateExpression: 'SET reading = :t, #c = if_not_exists(#c, :zero) + :one', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':t': { N: '21.5' }, ':zero': { N: '0' }, ':one': { N: '1' } }, ReturnValues: 'ALL_NEW' });
    expect(created.Attributes).toEqual({ device: { S: 'd1' }, ts: { N: '1' }, reading: { N: '21.5' }, count: { N: '1' } });
    const updatedOld = await d.updateItem({ TableName: 'Readings', Key: key, UpdateExpression: 'SET reading = reading + :d', ExpressionAttributeValues: { ':d': { N: '0.1' } }, ReturnValues: 'UPDATED_OLD' });
    expect(updatedOld.Attributes).toEqual({ reading: { N: '21.5' } });
    const updatedNew = await d.updateItem({ TableName: 'Readings', Key: key, UpdateExpression: 'ADD #c :one', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'UPDATED_NEW' });
    expect(updatedNew.Attributes).toEqual({ count: { N: '2' } });
    expect(await reason(d.updateItem({ TableName: 'Readings', Key: key, UpdateExpression: 'SET reading = :t', ConditionExpression: 'reading < :t', ExpressionAttributeValues: { ':t': { N: '10' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })))
      .toEqual(['ConditionalCheckFailedException', 'The conditional request failed']);
    expect(d.getItem({ TableName: 'Readings', Key: key }).Item?.reading).toEqual({ N: '21.6' });
    expect(await reason(d.updateItem({ TableName: 'Readings', Key: key, UpdateExpression: 'SET ts = :t', ExpressionAttributeValues: { ':t': { N: '10' } } })))
      .toEqual(['ValidationException', 'One or more parameter values were invalid: Cannot update attribute ts. This attribute is part of the key']);
    const deleted = await d.deleteItem({ TableName: 'Readings', Key: key, ConditionExpression: 'attribute_exists(reading)', ReturnValues: 'ALL_OLD' });
    expect(deleted.Attributes?.count).toEqual({ N: '2' });
    expect(d.getItem({ TableName: 'Readings', Key: key })).toEqual({});
  });

  it('Query by key condition in range-key order, both directions, with Limit/LastEvaluatedKey pages, filters and COUNT', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    for (const ts of ['10', '9', '100', '-1', '2.5']) await d.putItem({ TableName: 'Readings', Item: { device: { S: 'd1' }, ts: { N: ts }, odd: { BOOL: Number(ts) % 2 === 1 } } });
    await d.putItem({ TableName: 'Readings', Item: { device: { S: 'd2' }, ts: { N: '1' } } });
    const all = d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d', ExpressionAttributeValues: { ':d': { S: 'd1' } } });
    expect(all.Items!.map((i) => (i.ts as { N: string }).N)).toEqual(['-1', '2.5', '9', '10', '100']);
    expect(all.LastEvaluatedKey).toBeUndefined();
    const back = d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d AND ts BETWEEN :a AND :b', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':a': { N: '0' }, ':b': { N: '10' } }, ScanIndexForward: false });
    expect(back.Items!.map((i) => (i.ts as { N: string }).N)).toEqual(['10', '9', '2.5']);
    const pages: string[][] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d AND ts > :z', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':z': { N: '0' } }, Limit: 2, ExclusiveStartKey: start });
      pages.push(page.Items!.map((i) => (i.ts as { N: string }).N));
      start = page.LastEvaluatedKey;
    } while (start);
    expect(pages).toEqual([['2.5', '9'], ['10', '100'], []]);
    const filtered = d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d', FilterExpression: 'odd = :t', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':t': { BOOL: true } }, Select: 'COUNT' });
    expect(filtered).toEqual({ Count: 1, ScannedCount: 5 });
    expect(await reason(() => d.query({ TableName: 'Readings', KeyConditionExpression: 'ts = :z', ExpressionAttributeValues: { ':z': { N: '0' } } }))).toEqual(['ValidationException', 'Query condition missed key schema element: device']);
    expect(await reason(() => d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d OR ts = :z', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':z': { N: '0' } } }))).toEqual(['ValidationException', 'Invalid operator used in KeyConditionExpression: OR']);
    expect(await reason(() => d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d AND odd = :z', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':z': { BOOL: true } } }))).toEqual(['ValidationException', 'Query key condition not supported']);
    expect(await reason(() => d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d AND ts > :a AND ts < :b', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':a': { N: '0' }, ':b': { N: '9' } } }))).toEqual(['ValidationException', 'KeyConditionExpressions must only contain one condition per key']);
    expect(await reason(() => d.query({ TableName: 'Readings', KeyConditionExpression: 'device = :d AND begins_with(ts, :p)', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':p': { N: '1' } } }))).toEqual(['ValidationException', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N']);
  });

  it('Scan pages through every item once, and segments split the table', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    for (let i = 0; i < 30; i++) await d.putItem({ TableName: 'Readings', Item: { device: { S: `d${i % 7}` }, ts: { N: String(i) } } });
    const seen: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = d.scan({ TableName: 'Readings', Limit: 4, ExclusiveStartKey: start });
      seen.push(...page.Items!.map((i) => `${(i.device as { S: string }).S}/${(i.ts as { N: string }).N}`));
      start = page.LastEvaluatedKey;
    } while (start);
    expect(seen.length).toBe(30);
    expect(new Set(seen).size).toBe(30);
    const segs = [0, 1, 2].map((Segment) => d.scan({ TableName: 'Readings', Segment, TotalSegments: 3 }).Count);
    expect(segs.reduce((a, b) => a + b)).toBe(30);
  });

  it('BatchWriteItem and BatchGetItem with their limits; UnprocessedItems is empty', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    const puts = Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { device: { S: 'b' }, ts: { N: String(i) } } } }));
    expect(await d.batchWriteItem({ RequestItems: { Readings: puts } })).toEqual({ UnprocessedItems: {} });
    expect(h.sinks.tables.count('Readings')).toBe(25);
    expect((await reason(d.batchWriteItem({ RequestItems: { Readings: [...puts, puts[0]] } })))[1]).toMatch(/Member must have length less than or equal to 25/);
    expect(await reason(d.batchWriteItem({ RequestItems: { Readings: [puts[0], puts[0]] } }))).toEqual(['ValidationException', 'Provided list of item keys contains duplicates']);
    await d.batchWriteItem({ RequestItems: { Readings: [{ DeleteRequest: { Key: { device: { S: 'b' }, ts: { N: '0' } } } }] } });
    const got = d.batchGetItem({ RequestItems: { Readings: { Keys: [0, 1, 2].map((i) => ({ device: { S: 'b' }, ts: { N: String(i) } })) } } });
    expect(got.Responses.Readings.map((i) => (i.ts as { N: string }).N).sort()).toEqual(['1', '2']);
    expect(got.UnprocessedKeys).toEqual({});
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ device: { S: 'b' }, ts: { N: String(i) } }));
    expect(await reason(() => d.batchGetItem({ RequestItems: { Readings: { Keys: tooMany } } }))).toEqual(['ValidationException', 'Too many items requested for the BatchGetItem call']);
  });

  it('TransactWriteItems is all or nothing, with CancellationReasons; TransactGetItems reads several items', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    await d.putItem({ TableName: 'Readings', Item: { device: { S: 'acct' }, ts: { N: '1' }, balance: { N: '100' } } });
    const move = (amount: string) => ({
      TransactItems: [
        { Update: { TableName: 'Readings', Key: { device: { S: 'acct' }, ts: { N: '1' } }, UpdateExpression: 'SET balance = balance - :a', ConditionExpression: 'balance >= :a', ExpressionAttributeValues: { ':a': { N: amount } } } },
        { Put: { TableName: 'Readings', Item: { device: { S: 'acct' }, ts: { N: '2' }, moved: { N: amount } }, ConditionExpression: 'attribute_not_exists(device)' } },
        { ConditionCheck: { TableName: 'Music', Key: { Artist: { S: 'x' }, SongTitle: { S: 'y' } }, ConditionExpression: 'attribute_not_exists(Artist)' } },
      ],
    });
    const failed = await d.transactWriteItems(move('150')).catch((e: { message: string; details: unknown }) => e);
    expect((failed as { message: string }).message).toBe('Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]');
    expect((failed as { details: { reason: string; cancellationReasons: unknown[] } }).details.cancellationReasons).toEqual([{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }, { Code: 'None' }, { Code: 'None' }]);
    expect(d.getItem({ TableName: 'Readings', Key: { device: { S: 'acct' }, ts: { N: '2' } } })).toEqual({}); // nothing written
    await d.transactWriteItems(move('40'));
    const got = d.transactGetItems({ TransactItems: [{ Get: { TableName: 'Readings', Key: { device: { S: 'acct' }, ts: { N: '1' } } } }, { Get: { TableName: 'Readings', Key: { device: { S: 'acct' }, ts: { N: '2' } } } }] });
    expect(got.Responses.map((r) => r.Item?.balance ?? r.Item?.moved)).toEqual([{ N: '60' }, { N: '40' }]);
    expect(await reason(d.transactWriteItems({ TransactItems: [move('1').TransactItems[0], move('1').TransactItems[0]] }))).toEqual(['ValidationException', 'Transaction request cannot include multiple operations on one item']);
  });

  it('a table with a stream keeps a change feed with old and new images', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    const key = { Artist: { S: 'A' }, SongTitle: { S: 'S' } };
    await d.putItem({ TableName: 'Music', Item: { ...key, v: { N: '1' } } });
    await d.updateItem({ TableName: 'Music', Key: key, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } });
    await d.deleteItem({ TableName: 'Music', Key: key });
    const feed = h.sinks.tables.changes('Music');
    expect(feed.map((c) => [c.event, c.oldImage?.v, c.newImage?.v])).toEqual([['INSERT', undefined, { N: '1' }], ['MODIFY', { N: '1' }, { N: '2' }], ['REMOVE', { N: '2' }, undefined]]);
    expect(feed.every((c) => JSON.stringify(c.keys) === JSON.stringify(key))).toBe(true);
    expect(h.sinks.tables.changes('Readings')).toEqual([]);
    // stream records are kept 24 hours, as DynamoDB Streams keeps them
    h.clock.t += 24 * 3600_000 + 1;
    await d.putItem({ TableName: 'Music', Item: { ...key, v: { N: '3' } } });
    expect(h.sinks.tables.changes('Music').map((c) => c.event)).toEqual(['INSERT']);
  });

  it('the rules path (plain JSON items) and the typed API share one store', async () => {
    const h = await harness();
    await h.sinks.tables.put('Readings', { device: 'r1', ts: 5, temperature: 21.5, meta: { fw: '1.0' } });
    expect(h.sinks.dynamodb.getItem({ TableName: 'Readings', Key: { device: { S: 'r1' }, ts: { N: '5' } } }).Item)
      .toEqual({ device: { S: 'r1' }, ts: { N: '5' }, temperature: { N: '21.5' }, meta: { M: { fw: { S: '1.0' } } } });
    await h.sinks.dynamodb.putItem({ TableName: 'Readings', Item: { device: { S: 'r2' }, ts: { N: '1' }, tags: { SS: ['a'] } } });
    expect(h.sinks.tables.get('Readings', { device: 'r2', ts: 1 })).toEqual({ device: 'r2', ts: 1, tags: ['a'] });
  });
});
