import { describe, expect, it } from 'vitest';
import { openSinks, sinksClosedAfterEach } from '../../test/helpers/sinks.js';

const open = sinksClosedAfterEach();

describe('time to live on the table store', () => {
  it('sweeps on the engine\'s clock: numbers in the past within five years, index entries too, each a REMOVE by the service', async () => {
    const h = await openSinks({ ttlSweepMs: 3_600_000 });
    open.push(h);
    await h.sinks.create('table', 'Sessions', {
      hashKey: { name: 'id', type: 'S' }, streamViewType: 'KEYS_ONLY',
      indexes: [{ name: 'by-user', global: true, hashKey: { name: 'user', type: 'S' }, projection: 'KEYS_ONLY' }],
    });
    const now = h.clock.now() / 1000;
    const put = (id: string, expires: Record<string, unknown> | undefined) => h.sinks.dynamodb.putItem({ TableName: 'Sessions', Item: { id: { S: id }, user: { S: 'u' }, ...(expires ? { expires } : {}) } });
    await put('past', { N: String(now - 10) });
    await put('future', { N: String(now + 10) });
    await put('ancient', { N: String(now - 6 * 365 * 86400) });
    await put('string', { S: String(now - 10) });
    await put('none', undefined);
    expect(await h.sinks.sweepExpired()).toBe(0); // TTL is off
    await h.sinks.tables.setTimeToLive('Sessions', 'expires');
    const ids = () => (h.sinks.dynamodb.scan({ TableName: 'Sessions' }).Items ?? []).map((i) => (i.id as { S: string }).S).sort();
    expect(ids()).toEqual(['ancient', 'future', 'none', 'past', 'string']); // expired but not swept: still read
    expect(await h.sinks.sweepExpired()).toBe(1);
    expect(ids()).toEqual(['ancient', 'future', 'none', 'string']);
    h.clock.t += 20_000;
    expect(await h.sinks.sweepExpired()).toBe(1);
    expect(ids()).toEqual(['ancient', 'none', 'string']);
    expect(h.sinks.tables.indexStats('Sessions').get('by-user')).toMatchObject({ count: 3 });
    const removes = h.sinks.tables.changes('Sessions').filter((c) => c.event === 'REMOVE');
    expect(removes.map((c) => [c.keys.id, c.userIdentity])).toEqual([
      [{ S: 'past' }, { type: 'Service', principalId: 'dynamodb.amazonaws.com' }],
      [{ S: 'future' }, { type: 'Service', principalId: 'dynamodb.amazonaws.com' }],
    ]);
    // an item written after TTL is on gets its expiry; turning TTL off stops the sweep
    await put('later', { N: String(h.clock.now() / 1000 - 1) });
    await h.sinks.tables.setTimeToLive('Sessions', undefined);
    expect(await h.sinks.sweepExpired()).toBe(0);
    await h.sinks.tables.setTimeToLive('Sessions', 'expires');
    expect(await h.sinks.sweepExpired()).toBe(1);
    expect(ids()).toEqual(['ancient', 'none', 'string']);
  });
});
