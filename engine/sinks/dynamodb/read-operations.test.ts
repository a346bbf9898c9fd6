import { describe, expect, it } from 'vitest';
import { openSinks, sinksClosedAfterEach, type SinkHarness } from '../../../test/helpers/sinks.js';
import { compareScalars, type AttributeValue as Typed, type Item as TypedItem } from './attribute-value.js';

// loose shapes for reading members in assertions
type AttributeValue = Typed & { S?: string; N?: string; B?: string };
type Item = Record<string, AttributeValue>;
import type { QueryInput } from './read-operations.js';

const open = sinksClosedAfterEach();

async function harness(): Promise<SinkHarness> {
  const h = await openSinks();
  open.push(h);
  return h;
}

/** Every page of a Query (or Scan), following LastEvaluatedKey. */
function allPages(run: (start?: Item) => { Items?: TypedItem[]; LastEvaluatedKey?: TypedItem }): Item[] {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const page = run(start);
    out.push(...(page.Items as Item[]));
    start = page.LastEvaluatedKey as Item | undefined;
  } while (start);
  return out;
}

// a seeded generator, so a failure names the same items every run
function rng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe('Query and Scan read key ranges in DynamoDB\'s order', () => {
  it('N range keys numerically (negatives, decimals, exponents), B bytewise, S by UTF-8, with every condition, both directions, in pages', async () => {
    const h = await harness();
    const d = h.sinks.dynamodb;
    const next = rng(7);
    const types = { N: () => ({ N: `${Math.floor(next() * 2000 - 1000)}e${Math.floor(next() * 6 - 3)}` }), S: () => ({ S: ['a', 'ab', 'abc', 'b', 'é', 'z', '\u{1f600}', 'A'][Math.floor(next() * 8)] + Math.floor(next() * 50) }), B: () => ({ B: Buffer.from([Math.floor(next() * 256), Math.floor(next() * 256)]).toString('base64') }) };
    for (const [type, gen] of Object.entries(types) as [keyof typeof types, () => AttributeValue][]) {
      const table = `Keys${type}`;
      await h.sinks.create('table', table, { hashKey: { name: 'p', type: 'S' }, rangeKey: { name: 'r', type } });
      const items = new Map<string, Item>();
      for (let i = 0; i < 300; i++) {
        const item: Item = { p: { S: i % 3 === 0 ? 'other' : 'part' }, r: gen(), i: { N: String(i) } };
        await d.putItem({ TableName: table, Item: item });
        const stored = d.getItem({ TableName: table, Key: { p: item.p, r: item.r } }).Item!;
        items.set(JSON.stringify([stored.p, stored.r]), stored);
      }
      const part = [...items.values()].filter((x) => x.p.S === 'part').sort((a, b) => compareScalars(a.r, b.r));
      const pick = () => part[Math.floor(next() * part.length)].r;
      const lo = pick(), hi = pick();
      const [a, b] = compareScalars(lo, hi) <= 0 ? [lo, hi] : [hi, lo];
      const prefix = type === 'N' ? undefined : type === 'S' ? { S: 'ab' } : { B: Buffer.from(Buffer.from(a.B!, 'base64').subarray(0, 1)).toString('base64') };
      const cases: [string, Record<string, AttributeValue>, (r: AttributeValue) => boolean][] = [
        ['p = :p', {}, () => true],
        ['p = :p AND r = :a', { ':a': a }, (r) => compareScalars(r, a) === 0],
        ['p = :p AND r < :a', { ':a': a }, (r) => compareScalars(r, a) < 0],
        ['p = :p AND r <= :a', { ':a': a }, (r) => compareScalars(r, a) <= 0],
        ['p = :p AND r > :a', { ':a': a }, (r) => compareScalars(r, a) > 0],
        ['p = :p AND :a <= r', { ':a': a }, (r) => compareScalars(r, a) >= 0],
        ['p = :p AND r BETWEEN :a AND :b', { ':a': a, ':b': b }, (r) => compareScalars(r, a) >= 0 && compareScalars(r, b) <= 0],
        ...(prefix ? [['p = :p AND begins_with(r, :x)', { ':x': prefix }, (r: AttributeValue) => compareScalars(r, prefix) >= 0 && (type === 'S' ? r.S!.startsWith(prefix.S!) : Buffer.from(r.B!, 'base64')[0] === Buffer.from(prefix.B!, 'base64')[0])] as [string, Record<string, AttributeValue>, (r: AttributeValue) => boolean]] : []),
      ];
      for (const [expr, values, want] of cases) {
        for (const forward of [true, false]) {
          const input: QueryInput = { TableName: table, KeyConditionExpression: expr, ExpressionAttributeValues: { ':p': { S: 'part' }, ...values }, ScanIndexForward: forward, Limit: 7 };
          const got = allPages((start) => d.query({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
          const expected = part.filter((x) => want(x.r));
          if (!forward) expected.reverse();
          expect(got.map((x) => x.i.N), `${type} ${expr} ${forward ? 'forward' : 'backward'}`).toEqual(expected.map((x) => x.i.N));
        }
      }
      const scanned = allPages((start) => d.scan({ TableName: table, Limit: 11, ...(start ? { ExclusiveStartKey: start } : {}) }));
      expect(scanned.map((x) => x.i.N).sort()).toEqual([...items.values()].map((x) => x.i.N).sort());
    }
  });

  it('refuses a BETWEEN whose bounds are reversed and begins_with on a number, with AWS\'s messages', async () => {
    const h = await harness();
    await h.sinks.create('table', 'Rev', { hashKey: { name: 'p', type: 'S' }, rangeKey: { name: 'r', type: 'N' } });
    const q = (expr: string, values: Record<string, AttributeValue>) => {
      try {
        h.sinks.dynamodb.query({ TableName: 'Rev', KeyConditionExpression: expr, ExpressionAttributeValues: { ':p': { S: 'x' }, ...values } });
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(q('p = :p AND r BETWEEN :a AND :b', { ':a': { N: '5' }, ':b': { N: '1' } })).toBe('Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}');
    expect(q('p = :p AND begins_with(r, :a)', { ':a': { N: '5' } })).toBe('Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N');
    expect(q('p = :p AND r BETWEEN :a AND :b', { ':a': { N: '1' }, ':b': { S: 'x' } })).toBe('Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}');
    expect(q('p = :p AND r = p', {})).toBe('Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
    expect(q('p = :p AND :a = :b', { ':a': { N: '1' }, ':b': { N: '1' } })).toBe('Invalid condition in KeyConditionExpression: No key attribute specified');
    expect(q('p = :p AND r.x = :a', { ':a': { N: '1' } })).toBe('KeyConditionExpressions cannot have conditions on nested attributes');
    expect(q('p = :p AND size(r) = :a', { ':a': { N: '1' } })).toBe('KeyConditionExpressions cannot contain nested operations');
    expect(q('p = :p AND :a BETWEEN r AND :b', { ':a': { N: '1' }, ':b': { N: '2' } })).toBe('Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand');
  });

  it('gives rows stored before key order was kept their order when the sinks start', async () => {
    let h = await harness();
    await h.sinks.create('table', 'Old', { hashKey: { name: 'p', type: 'S' }, rangeKey: { name: 'r', type: 'N' } });
    for (const r of ['10', '-2', '3.5', '100']) await h.sinks.dynamodb.putItem({ TableName: 'Old', Item: { p: { S: 'x' }, r: { N: r } } });
    await h.store.write([{ sql: "UPDATE sink_table_items SET sort = NULL, size = NULL WHERE table_name = 'Old'" }]);
    h = await h.reopen();
    open.splice(0, open.length, h);
    const got = h.sinks.dynamodb.query({ TableName: 'Old', KeyConditionExpression: 'p = :p AND r > :z', ExpressionAttributeValues: { ':p': { S: 'x' }, ':z': { N: '0' } } });
    expect((got.Items as Item[]).map((x) => x.r.N)).toEqual(['3.5', '10', '100']);
    expect(h.sinks.tables.sizeBytes('Old')).toBeGreaterThan(0);
  });
});
