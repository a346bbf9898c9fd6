import { describe, it, expect } from 'vitest';
import { isEngineError } from '../core/index.js';
import { parseFleetQuery } from './fleet-query.js';
import { matches, type IndexedShadow, type IndexedThing } from './fleet-match.js';

function thing(name: string, extra: Partial<IndexedThing> & { reported?: IndexedShadow['reported']; desired?: IndexedShadow['desired'] } = {}): IndexedThing {
  const { reported, desired, ...rest } = extra;
  const shadow: IndexedShadow | undefined = reported || desired ? { reported, desired, hasDelta: desired !== undefined, version: 3 } : undefined;
  return {
    thingName: name, thingId: `id-${name}`, thingGroupNames: [], attributes: {}, connectivity: { connected: false },
    shadow: (n) => (n === null ? shadow : n === 'cfg' ? { reported: { mode: 'eco' }, hasDelta: false, version: 1 } : undefined),
    ...rest,
  };
}

const fleet = [
  thing('lamp-1', { thingTypeName: 'Lamp', attributes: { floor: '2', color: 'red' }, thingGroupNames: ['Lobby'], connectivity: { connected: true, timestamp: 1700000000000 }, reported: { temp: 21.5, tags: ['a', 'b'], nested: { level: 7 } } }),
  thing('lamp-2', { thingTypeName: 'Lamp', attributes: { floor: '5', color: 'Blue' }, connectivity: { connected: false, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' }, reported: { temp: 30 }, desired: { temp: 25 } }),
  thing('Sensor_9', { thingTypeName: 'Sensor', attributes: { floor: '10' }, thingGroupNames: ['Lobby', 'Roof'] }),
  thing('gateway', {}),
];

const names = (query: string) => fleet.filter((t) => matches(parseFleetQuery(query), t)).map((t) => t.thingName);

describe('fleet-indexing query syntax [DG:query-syntax]', () => {
  it.each([
    ['*', ['lamp-1', 'lamp-2', 'Sensor_9', 'gateway']],
    ['thingName:lamp-1', ['lamp-1']],
    ['thingName:LAMP-1', ['lamp-1']], // search is case-insensitive
    ['thingName:lamp*', ['lamp-1', 'lamp-2']],
    ['thingName:lamp-?', ['lamp-1', 'lamp-2']],
    ['lamp-2', ['lamp-2']], // a bare term searches the thing name
    ['thingTypeName:Lamp', ['lamp-1', 'lamp-2']],
    ['thingId:id-gateway', ['gateway']],
    ['attributes.color:red', ['lamp-1']],
    ['attributes.color:blue', ['lamp-2']],
    ['attributes.floor:[2 TO 5]', ['lamp-1', 'lamp-2']],
    ['attributes.floor:{2 TO 5]', ['lamp-2']],
    ['attributes.floor:[2 TO 5}', ['lamp-1']],
    ['attributes.floor:[5 TO *]', ['lamp-2', 'Sensor_9']], // numeric, not "10" < "5"
    ['attributes.floor>4', ['lamp-2', 'Sensor_9']],
    ['attributes.floor<5', ['lamp-1']],
    ['attributes.color:*', ['lamp-1', 'lamp-2']],
    ['attributes.color:["a" TO "c"]', ['lamp-2']],
    ['thingGroupNames:Lobby', ['lamp-1', 'Sensor_9']],
    ['thingGroupNames:Roof', ['Sensor_9']],
    ['connectivity.connected:true', ['lamp-1']],
    ['connectivity.connected:false', ['lamp-2', 'Sensor_9', 'gateway']],
    ['connectivity.disconnectReason:CLIENT_INITIATED_DISCONNECT', ['lamp-2']],
    ['connectivity.timestamp>1600000000000', ['lamp-1']],
    ['shadow.reported.temp:21.5', ['lamp-1']],
    ['shadow.reported.temp>25', ['lamp-2']],
    ['shadow.reported.temp:[20 TO 30]', ['lamp-1', 'lamp-2']],
    ['shadow.reported.tags:b', ['lamp-1']], // arrays match if any element does
    ['shadow.reported.nested.level:7', ['lamp-1']],
    ['shadow.desired.temp:25', ['lamp-2']],
    ['shadow.hasDelta:true', ['lamp-2']],
    ['shadow.name.cfg.reported.mode:eco', ['lamp-1', 'lamp-2', 'Sensor_9', 'gateway']],
    ['thingTypeName:Lamp AND attributes.floor:2', ['lamp-1']],
    ['thingTypeName:Lamp attributes.floor:2', ['lamp-1']], // default operator AND
    ['thingName:gateway OR thingGroupNames:Roof', ['Sensor_9', 'gateway']],
    ['thingTypeName:Lamp AND NOT attributes.color:red', ['lamp-2']],
    ['thingTypeName:Lamp -attributes.color:red', ['lamp-2']],
    ['NOT thingTypeName:*', ['gateway']],
    ['(thingTypeName:Sensor OR attributes.color:red) AND thingGroupNames:Lobby', ['lamp-1', 'Sensor_9']],
    ['thingName:"lamp-1"', ['lamp-1']],
    ['attributes.missing:x', []],
    ['unknownField:x', []],
  ])('%s', (query, expected) => {
    expect(names(query)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['thingName:', 'Expected a value'],
    ['(thingName:a', "Expected ')'"],
    ['thingName:a)', "Unexpected ')'"],
    ['attributes.x:[1 TO', 'Expected a value'],
    ['attributes.x:[1 2]', 'Expected TO'],
    ['attributes.x:[1 TO 2', "Expected ']' or '}'"],
    ['thingName:*abc', 'Leading wildcard'],
    ['thingName:"abc', 'Unterminated'],
    ['a b c d e f g h', 'maximum of 7 terms'],
    ['AND thingName:a', "Unexpected 'AND'"],
  ])('rejects %j (InvalidQueryException)', (query, message) => {
    let error: unknown;
    try {
      parseFleetQuery(query);
    } catch (e) {
      error = e;
    }
    expect(isEngineError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as { details?: object }).details).toEqual({ reason: 'query' });
  });

  it('accepts exactly 7 terms', () => {
    expect(() => parseFleetQuery('a OR b OR c OR d OR e OR f OR g')).not.toThrow();
  });
});
