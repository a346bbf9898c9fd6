/** The explorer's message side, its pure parts: JSON paths, diffs, JSON problems, chart lines, lifecycle lanes, exports. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BrokerActivity, MessageRecord } from '../../engine/contract/index.js';
import { parseFieldPath } from '../../engine/broker/payload-series.js';
import { parseRecording } from '../../engine/scenarios/index.js';
import { diffFields, diffLines, jsonProblem, looksLikeJson, numericPaths, parsePath, valueAt } from '../../renderer/src/lib/json-tools.js';
import { recordingFileName, withoutSystemTopics } from '../../renderer/src/lib/recording.js';
import { mergeById } from '../../renderer/src/state/models/by-id.js';
import { activityEvent, lanesOf } from '../../renderer/src/state/models/lifecycle.js';
import { numericFieldsOf, SeriesSet } from '../../renderer/src/state/models/series.js';

const message = (id: number, topic: string, payload: string, time = id): MessageRecord => ({
  id, topic, payload: Buffer.from(payload).toString('base64'), size: payload.length, truncated: false, qos: 0, retain: false, clientId: 'c', time,
});

describe('JSON paths', () => {
  const doc = { temp: 21.5, ok: true, name: 'x', nested: { a: { b: 2 } }, list: [{ v: 1 }, 3], 'odd key': 4, '1st': 5, $meta: 6, nan: null };

  it('lists the numeric fields, arrays and odd names included', () => {
    expect(numericPaths(doc)).toEqual(['temp', 'nested.a.b', 'list[0].v', 'list[1]', '["odd key"]', '["1st"]', '["$meta"]']);
    expect(numericPaths(42)).toEqual([]);
    expect(numericPaths(undefined)).toEqual([]);
  });

  it('reads a value back by its path', () => {
    for (const path of numericPaths(doc)) expect(typeof valueAt(doc, path)).toBe('number');
    expect(valueAt(doc, 'list[0].v')).toBe(1);
    expect(valueAt(doc, 'nested.missing.b')).toBeUndefined();
  });

  it('writes paths the engine\'s broker.series reads as the same keys', () => {
    for (const path of numericPaths(doc)) expect(parseFieldPath(path)).toEqual(parsePath(path));
  });

  it('gives the numeric fields seen across a topic\'s messages', () => {
    expect(numericFieldsOf([message(1, 't', '{"a":1}'), message(2, 't', '{"b":{"c":2},"a":3}'), message(3, 't', 'text')])).toEqual(['a', 'b.c']);
  });
});

describe('diffs', () => {
  it('lists changed, added and removed fields with their values as JSON', () => {
    const changes = diffFields({ mode: 'idle', temp: 20, gone: [1], same: 1 }, { mode: 'heat', temp: 20, same: 1, alarm: { on: true } });
    expect(changes.filter((c) => c.kind !== 'same')).toEqual([
      { path: 'mode', kind: 'changed', before: '"idle"', after: '"heat"' },
      { path: 'alarm.on', kind: 'added', after: 'true' },
      { path: 'gone[0]', kind: 'removed', before: '1' },
    ]);
    expect(changes.filter((c) => c.kind === 'same').map((c) => c.path)).toEqual(['temp', 'same']);
    expect(diffFields(1, 2)).toEqual([{ path: '(value)', kind: 'changed', before: '1', after: '2' }]);
  });

  it('diffs text by lines, keeping common lines', () => {
    expect(diffLines('a\nb\nc\nd', 'a\nx\nc\nd\ne')).toEqual([
      { kind: 'same', text: 'a' }, { kind: 'removed', text: 'b' }, { kind: 'added', text: 'x' }, { kind: 'same', text: 'c' },
      { kind: 'same', text: 'd' }, { kind: 'added', text: 'e' },
    ]);
    // Past its budget the middle is shown as removed then added, which is still true.
    expect(diffLines('a\nb\nz', 'a\nc\nz', 0)).toEqual([
      { kind: 'same', text: 'a' }, { kind: 'removed', text: 'b' }, { kind: 'added', text: 'c' }, { kind: 'same', text: 'z' },
    ]);
  });
});

describe('JSON problems', () => {
  it('says what is wrong and where, 1-based', () => {
    expect(looksLikeJson(' {"a":1}')).toBe(true);
    expect(looksLikeJson('[1]')).toBe(true);
    expect(looksLikeJson('on')).toBe(false);
    expect(jsonProblem('{"a": 1}')).toBeNull();
    const p = jsonProblem('{\n  "a": 1,\n  "b" 2\n}')!;
    expect([p.line, p.column]).toEqual([3, 7]);
    expect(p.message).not.toMatch(/position/);
    const end = jsonProblem('{\n  "a": [1, 2')!;
    expect(end.line).toBe(2);
  });
});

describe('chart lines', () => {
  it('keeps live points in time order, puts the history in front, and aligns lines on one time axis', () => {
    const set = new SeriesSet(100);
    set.add('a temp', 'a', 'temp');
    set.add('b temp', 'b', 'temp');
    expect(set.take(message(10, 'a', '{"temp":3}', 3000))).toBe(true);
    expect(set.take(message(11, 'b', '{"temp":30}', 3000))).toBe(true);
    expect(set.take(message(12, 'b', '{"other":1}', 3500))).toBe(false);
    expect(set.take(message(13, 'a', '{"temp":2}', 2000))).toBe(true); // late: lands in place
    // Two messages in the same millisecond both stay.
    set.take(message(14, 'a', '{"temp":4}', 4000));
    set.take(message(15, 'a', '{"temp":5}', 4000));
    set.prepend('a temp', [[1000, 1], [2500, 99]]); // 2500 is not before the first point held (2000)
    expect(set.count('a temp')).toBe(5);
    const [xs, a, b] = set.aligned(['a temp', 'b temp'], 0);
    expect(xs).toEqual([1, 2, 3, 4, 4.000001]);
    expect(a).toEqual([1, 2, 3, 4, 5]);
    expect(b).toEqual([null, null, 30, null, null]);
    // A window leaves out what is older.
    expect(set.aligned(['a temp'], 3000)).toEqual([[3, 4, 4.000001], [3, 4, 5]]);
  });

  it('keeps a view of all points that live points extend in place, equal to aligning them again', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('take' as const), topic: fc.constantFrom('a', 'b'), time: fc.integer({ min: 0, max: 40 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('prepend' as const), times: fc.array(fc.integer({ min: -20, max: 5 }), { maxLength: 4 }) }),
    );
    fc.assert(fc.property(fc.array(event, { maxLength: 60 }), fc.boolean(), (events, inOrder) => {
      const set = new SeriesSet(12);
      set.add('a v', 'a', 'v');
      set.add('b v', 'b', 'v');
      const keys = ['a v', 'b v'];
      let clock = 0;
      let id = 0;
      expect(set.view(keys)).toEqual([[], [], []]);
      for (const e of events) {
        if (e.kind === 'take') {
          // Mostly in time order, as live traffic comes; sometimes late.
          const time = inOrder ? (clock += e.time % 3) : e.time;
          set.take(message(++id, e.topic, JSON.stringify({ v: e.value }), time));
        } else set.prepend('a v', [...e.times].sort((x, y) => x - y).map((t) => [t, t] as const));
        expect(set.view(keys)).toEqual(set.aligned(keys, -Infinity));
      }
    }), { numRuns: 300 });
  });

  it('holds at most its bound per line, the oldest going first', () => {
    const set = new SeriesSet(3);
    set.add('k', 't', 'v');
    for (let i = 1; i <= 5; i++) set.take(message(i, 't', `{"v":${i}}`, i * 1000));
    expect(set.aligned(['k'], 0)).toEqual([[3, 4, 5], [3, 4, 5]]);
  });
});

describe('lifecycle lanes', () => {
  const ev = (id: number, time: number, clientId: string, rest: Partial<BrokerActivity> & { kind: BrokerActivity['kind'] }) =>
    activityEvent({ id, time, clientId, ipAddress: '127.0.0.1', transport: 'tcp', reason: 'CONNECTION_LOST', subscriptions: [], filters: [], ...rest } as unknown as BrokerActivity);

  it('words each event and marks the disconnects a client did not ask for', () => {
    expect(ev(1, 0, 'c', { kind: 'connected' })).toMatchObject({ detail: '127.0.0.1 · tcp', abnormal: false });
    expect(ev(2, 0, 'c', { kind: 'disconnected', reason: 'CLIENT_INITIATED_DISCONNECT' })).toMatchObject({ abnormal: false });
    expect(ev(3, 0, 'c', { kind: 'disconnected', reason: 'MQTT_KEEP_ALIVE_TIMEOUT' })).toMatchObject({ detail: 'MQTT_KEEP_ALIVE_TIMEOUT', abnormal: true });
    expect(ev(4, 0, 'c', { kind: 'subscribed', subscriptions: [{ filter: 'a/#', qos: 1 }, { filter: 'b', qos: 0 }] }).detail).toBe('a/# (QoS 1), b (QoS 0)');
    expect(ev(5, 0, 'c', { kind: 'unsubscribed', filters: ['a/#'] }).detail).toBe('a/#');
  });

  it('draws sessions per client, open ones to now, most recently active first', () => {
    const events = [
      ev(1, 100, 'old', { kind: 'connected' }),
      ev(2, 200, 'old', { kind: 'disconnected', reason: 'CONNECTION_LOST' }),
      ev(3, 300, 'live', { kind: 'connected' }),
      ev(4, 350, 'live', { kind: 'subscribed', subscriptions: [{ filter: 'x', qos: 0 }] }),
      ev(5, 400, 'twice', { kind: 'connected' }),
      ev(6, 500, 'twice', { kind: 'connected' }), // the first session ends here (duplicate client id)
      ev(7, 50, 'before', { kind: 'disconnected', reason: 'CLIENT_INITIATED_DISCONNECT' }),
    ];
    const lanes = lanesOf(events, 0, 1000, 10);
    expect(lanes.map((l) => l.clientId)).toEqual(['live', 'twice', 'old', 'before']);
    expect(lanes[0].sessions).toEqual([{ from: 300, to: 1000, open: true, reason: '', abnormal: false }]);
    expect(lanes[0].marks.map((m) => m.id)).toEqual([4]);
    expect(lanes[1].sessions.map((s) => [s.from, s.to, s.open])).toEqual([[400, 500, false], [500, 1000, true]]);
    expect(lanes[2].sessions).toEqual([{ from: 100, to: 200, open: false, reason: 'CONNECTION_LOST', abnormal: true }]);
    expect(lanes[3].sessions).toEqual([{ from: 0, to: 50, open: false, reason: 'CLIENT_INITIATED_DISCONNECT', abnormal: false }]);
    expect(lanesOf(events, 0, 1000, 2)).toHaveLength(2);
  });

  it('merges events by id, each once, in id order, bounded', () => {
    expect(mergeById([[{ id: 3 }, { id: 1 }], [{ id: 2 }, { id: 3 }]]).map((e) => e.id)).toEqual([1, 2, 3]);
    expect(mergeById([[{ id: 3 }, { id: 1 }, { id: 2 }]], 2).map((e) => e.id)).toEqual([2, 3]);
  });
});

describe('exports', () => {
  it('leaves out the broker\'s $ topics and counts t from the first message kept; replay reads the rest', () => {
    const lines = [
      { t: 0, topic: '$aws/events/presence/connected/c', qos: 0, retain: false, payload: '{}' },
      { t: 40, topic: 'a/b', qos: 1, retain: false, payload: 'x', clientId: 'c' },
      { t: 90, topic: 'a/c', qos: 0, retain: true, payload: 'AAE=', encoding: 'base64', properties: { contentType: 'b' } },
    ].map((l) => JSON.stringify(l)).join('\n');
    const { text, count } = withoutSystemTopics(`${lines}\n`);
    expect(count).toBe(2);
    const { messages, errors } = parseRecording(text, 'x.jsonl');
    expect(errors).toEqual([]);
    expect(messages.map((m) => [m.t, m.topic, m.payload.toString('hex'), m.clientId, m.properties])).toEqual([
      [0, 'a/b', '78', 'c', undefined],
      [50, 'a/c', '0001', undefined, { contentType: 'b' }],
    ]);
  });

  it('names the file after the selection and the time', () => {
    expect(recordingFileName('home/kitchen/#', new Date(2026, 11, 5, 14, 3, 7))).toBe('thingbench-home-kitchen-20261205-140307.jsonl');
    expect(recordingFileName('#', new Date(2026, 0, 2, 3, 4, 5))).toBe('thingbench-all-20260102-030405.jsonl');
  });
});
