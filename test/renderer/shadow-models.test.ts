/**
 * The Shadows view's pure parts: the request check agrees with the engine's shadow service on every document (same
 * verdict, same AWS message) and says where the problem is; sections as rows with their timestamps; version diffs;
 * the live shadow list.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../engine/contract/index.js';
import { EngineError } from '../../engine/core/index.js';
import { applyState } from '../../engine/shadow/shadow-doc.js';
import { MAX_STATE_BYTES, parseUpdatePayload } from '../../engine/shadow/shadow-request.js';
import { diffStates, groupShadows, sectionRows, ShadowIndex } from '../../renderer/src/state/models/shadow-document.js';
import { checkShadowRequest, shadowMessages, stateAfter } from '../../renderer/src/state/models/shadow-request.js';

const problem = (text: string, current?: Parameters<typeof checkShadowRequest>[1]) => {
  const r = checkShadowRequest(text, current);
  if (r.ok) throw new Error(`expected a problem in ${text}`);
  return r.problem;
};

describe('checkShadowRequest', () => {
  it('accepts a request and gives the patch to send, with version and clientToken', () => {
    const r = checkShadowRequest('{"state":{"desired":{"on":true,"rgb":[1,2,3]},"reported":null},"version":4,"clientToken":"t1","x":1}');
    expect(r).toEqual({ ok: true, patch: { state: { desired: { on: true, rgb: [1, 2, 3] }, reported: null }, version: 4, clientToken: 't1' }, stateBytes: JSON.stringify({ desired: { on: true, rgb: [1, 2, 3] } }).length });
    expect(checkShadowRequest('{"state":null}')).toMatchObject({ ok: true, patch: { state: null } });
  });

  it('names AWS\'s problem and where it is, line and column', () => {
    const text = '{\n  "state": {\n    "desired": {"on": true},\n    "wanted": {}\n  }\n}';
    expect(problem(text)).toMatchObject({ code: 400, message: 'State contains an invalid node', line: 4, column: 5, endLine: 4, endColumn: 13 });
    expect(problem('{"state":{"desired":{"a":1,}}}')).toMatchObject({ code: 400, message: 'Invalid JSON', detail: "expected a property name in double quotes, found '}'", line: 1, column: 28 });
    expect(problem('{"version":1}')).toMatchObject({ message: 'Missing required node: state', line: 1, column: 1 });
    expect(problem('{"state":[]}')).toMatchObject({ message: 'State node must be an object', column: 10 });
    expect(problem('{"state":{"reported":5}}')).toMatchObject({ message: 'Reported node must be an object', column: 22 });
    expect(problem('{"state":{"desired":"x"}}')).toMatchObject({ message: 'Desired node must be an object' });
    expect(problem('{"state":{"desired":{"c":["RED",null]}}}')).toMatchObject({ message: shadowMessages.nullInArray, column: 33, endColumn: 37 });
    expect(problem('{"state":{},"version":1.5}')).toMatchObject({ message: 'Invalid version', column: 23 });
    expect(problem('{"state":{},"version":"3"}')).toMatchObject({ message: 'Invalid version' });
    expect(problem(`{"state":{},"clientToken":"${'x'.repeat(65)}"}`)).toMatchObject({ message: 'Invalid clientToken' });
    // Six levels inside desired are allowed (the section is level 1); a seventh is not, and the problem is that value.
    expect(checkShadowRequest('{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}').ok).toBe(true);
    expect(problem('{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{}}}}}}}}}')).toMatchObject({
      message: 'JSON contains too many levels of nesting; maximum is 6', column: 51, detail: 'this value is at level 7 of desired',
    });
  });

  it('counts the 8 KB limit on the state the update leaves, not only on what is sent', () => {
    const big = 'x'.repeat(MAX_STATE_BYTES - 100);
    const current = { desired: { big } };
    expect(checkShadowRequest('{"state":{"desired":{"more":"' + 'y'.repeat(50) + '"}}}', current).ok).toBe(true);
    expect(problem('{"state":{"desired":{"more":"' + 'y'.repeat(120) + '"}}}', current)).toMatchObject({ code: 413, message: 'The payload exceeds the maximum size allowed' });
    // Removing the big field makes room again.
    expect(checkShadowRequest('{"state":{"desired":{"big":null,"more":"' + 'y'.repeat(120) + '"}}}', current).ok).toBe(true);
  });

  // Documents made of the parts AWS's rules are about: sections, nesting, arrays with nulls, versions, tokens.
  const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 4 }));
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('v'), { maxKeys: 3 })),
  })).v;
  const section = fc.oneof(fc.constant(null), fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), value, { maxKeys: 3 }), value);
  const request = fc.record({
    state: fc.oneof(fc.constant(null), fc.dictionary(fc.constantFrom('desired', 'reported', 'delta'), section, { maxKeys: 2 }), value),
    version: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(1.5), fc.constant('2'), fc.constant(null)),
    clientToken: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
  }, { requiredKeys: [] });

  it('gives the same verdict and message as the engine for any request document', () => {
    fc.assert(fc.property(request, (doc) => {
      const text = JSON.stringify(doc, null, 1);
      const mine = checkShadowRequest(text);
      let engine: string | undefined;
      try {
        const parsed = parseUpdatePayload(Buffer.from(text));
        if (Buffer.byteLength(JSON.stringify(applyState(undefined, parsed.state, 1).state)) > MAX_STATE_BYTES) engine = shadowMessages.tooLarge;
      } catch (e) {
        if (!(e instanceof EngineError)) throw e;
        engine = e.message;
      }
      expect(mine.ok ? undefined : mine.problem.message).toBe(engine);
    }), { numRuns: 600 });
  });

  it('merges like the service: null removes, objects merge, arrays replace, emptied sections go', () => {
    expect(stateAfter({ desired: { a: { x: 1, y: 2 }, b: [1, 2] }, reported: { r: 1 } }, { desired: { a: { x: null, z: 3 }, b: [9] }, reported: { r: null } }))
      .toEqual({ desired: { a: { y: 2, z: 3 }, b: [9] } });
    expect(stateAfter({ desired: { a: 1 } }, null)).toEqual({});
  });
});

describe('shadow documents', () => {
  it('shows a section as rows, each with the newest timestamp of its metadata', () => {
    const desired: JsonObject = { lights: { color: { r: 255, g: 0 } }, rgb: [1, 2], on: true };
    const meta = { lights: { color: { r: { timestamp: 10 }, g: { timestamp: 12 } } }, rgb: [{ timestamp: 11 }, { timestamp: 13 }], on: { timestamp: 9 } };
    expect(sectionRows(desired, meta)).toEqual([
      { path: 'lights', key: 'lights', depth: 0, timestamp: 12 },
      { path: 'lights.color', key: 'color', depth: 1, timestamp: 12 },
      { path: 'lights.color.r', key: 'r', depth: 2, value: '255', timestamp: 10 },
      { path: 'lights.color.g', key: 'g', depth: 2, value: '0', timestamp: 12 },
      { path: 'rgb', key: 'rgb', depth: 0, value: '[1,2]', timestamp: 13 },
      { path: 'on', key: 'on', depth: 0, value: 'true', timestamp: 9 },
    ]);
    expect(sectionRows(undefined, undefined)).toEqual([]);
  });

  it('lists what changed between two versions, field by field', () => {
    const a = { desired: { mode: 'heat', t: { lo: 1, hi: 2 }, rgb: [1, 2] }, reported: { mode: 'off' } };
    const b = { desired: { mode: 'cool', t: { lo: 1 }, rgb: [1, 3], fan: true } };
    expect(diffStates(a, b)).toEqual([
      { path: 'desired.mode', kind: 'changed', before: '"heat"', after: '"cool"' },
      { path: 'desired.t.hi', kind: 'removed', before: '2' },
      { path: 'desired.rgb', kind: 'changed', before: '[1,2]', after: '[1,3]' },
      { path: 'desired.fan', kind: 'added', after: 'true' },
      { path: 'reported', kind: 'removed', before: '{"mode":"off"}' },
    ]);
    expect(diffStates(null, { desired: { x: 1 } })).toEqual([{ path: 'desired', kind: 'added', after: '{"x":1}' }]);
    expect(diffStates(a, a)).toEqual([]);
  });

  it('groups shadows by thing, classic first, filtered by thing or shadow name', () => {
    const s = (thing: string, name: string | null) => ({ thing, name, version: 1, updatedAt: 0 });
    const list = [s('lamp', 'zeta'), s('fan', null), s('lamp', null), s('lamp', 'alpha')];
    expect(groupShadows(list, '').map((g) => [g.thing, g.shadows.map((x) => x.name)])).toEqual([['fan', [null]], ['lamp', [null, 'alpha', 'zeta']]]);
    expect(groupShadows(list, 'ALP').map((g) => [g.thing, g.shadows.map((x) => x.name)])).toEqual([['lamp', ['alpha']]]);
    expect(groupShadows(list, 'classic').flatMap((g) => g.shadows.map((x) => `${x.thing}/${x.name}`))).toEqual(['fan/null', 'lamp/null']);
  });

  it('keeps the live list: updates add or move on, never back; deletes remove', () => {
    const index = new ShadowIndex();
    index.replace([{ thing: 'lamp', name: null, version: 3, updatedAt: 1 }]);
    index.apply({ thing: 'lamp', name: null, operation: 'update', version: 2, time: 5 }); // older than what the list said
    index.apply({ thing: 'lamp', name: 'cfg', operation: 'update', version: 1, time: 6 });
    expect(index.list()).toEqual([{ thing: 'lamp', name: null, version: 3, updatedAt: 1 }, { thing: 'lamp', name: 'cfg', version: 1, updatedAt: 6 }]);
    index.apply({ thing: 'lamp', name: null, operation: 'delete', version: 3, time: 7 });
    expect(index.list().map((x) => x.name)).toEqual(['cfg']);
  });
});
