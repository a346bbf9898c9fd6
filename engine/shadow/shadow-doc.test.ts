import { describe, it, expect } from 'vitest';
import type { JsonObject } from '../contract/index.js';
import {
  acceptedDocument, applyState, computeDelta, deltaDocument, deltaMetadata, documentsDocument, documentsJson, getDocument, mergeSection, metadataOf,
} from './shadow-doc.js';

const T = 1591140517;

describe('merge [DG:device-shadow-data-flow]', () => {
  it.each<[string, JsonObject, JsonObject, JsonObject]>([
    ['adds fields, keeps the others', { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
    ['merges nested objects field by field', { l: { c: { r: 1, g: 2 } }, x: 1 }, { l: { c: { g: 9 } } }, { l: { c: { r: 1, g: 9 } }, x: 1 }],
    ['null deletes a key', { engine: 'ON', color: 'RED' }, { engine: null }, { color: 'RED' }],
    ['null deletes a nested key', { l: { a: 1, b: 2 } }, { l: { a: null } }, { l: { b: 2 } }],
    ['arrays are replaced whole', { colors: ['RED', 'GREEN', 'BLUE'] }, { colors: ['RED'] }, { colors: ['RED'] }],
    ['an object replaces a scalar', { a: 1 }, { a: { b: 2 } }, { a: { b: 2 } }],
    ['a scalar replaces an object', { a: { b: 2 } }, { a: 3 }, { a: 3 }],
    ['null on a missing key is harmless', { a: 1 }, { zz: null }, { a: 1 }],
  ])('%s', (_name, current, patch, expected) => {
    const { value } = mergeSection(current, metadataOf(current, 1) as never, patch, T);
    expect(value).toEqual(expected);
  });

  it('stamps only the leaves an update wrote', () => {
    const first = mergeSection(undefined, undefined, { ID: 'SmartLamp21', ColorRGB: [128, 128, 128] }, 100);
    const second = mergeSection(first.value, first.meta, { ColorRGB: [255, 255, 0] }, 200);
    expect(second.meta).toEqual({ ID: { timestamp: 100 }, ColorRGB: [{ timestamp: 200 }, { timestamp: 200 }, { timestamp: 200 }] });
  });

  it('does not modify its inputs and stores keys such as __proto__ as data', () => {
    const current = { a: { b: 1 } };
    const patch = JSON.parse('{"a":{"c":2},"__proto__":{"polluted":true}}') as JsonObject;
    const { value } = mergeSection(current, undefined, patch, T);
    expect(current).toEqual({ a: { b: 1 } });
    expect(JSON.parse(JSON.stringify(value))).toEqual(JSON.parse('{"a":{"b":1,"c":2},"__proto__":{"polluted":true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('metadata of an array holds one entry per element, objects inside mirrored', () => {
    expect(metadataOf([1, { a: 2 }, [3]], 5)).toEqual([{ timestamp: 5 }, { a: { timestamp: 5 } }, [{ timestamp: 5 }]]);
  });
});

describe('sections [DG:device-shadow-document#device-shadow-empty-fields]', () => {
  it('"desired": null removes the section; reported is set in the same update', () => {
    const s0 = applyState(undefined, { desired: { color: 'RED' }, reported: { color: 'GREEN' } }, 1);
    const s1 = applyState(s0, { reported: { color: 'red' }, desired: null }, 2);
    expect(s1.state).toEqual({ reported: { color: 'red' } });
    expect(s1.metadata).toEqual({ reported: { color: { timestamp: 2 } } });
  });

  it('"state": null empties the document but keeps it', () => {
    const s0 = applyState(undefined, { desired: { a: 1 }, reported: { a: 1 } }, 1);
    expect(applyState(s0, null, 2)).toEqual({ state: {}, metadata: {} });
  });
});

describe('delta [DG:device-shadow-mqtt#update-delta-rules]', () => {
  it.each<[string, JsonObject | undefined, JsonObject | undefined, JsonObject | undefined]>([
    ['Ex 3: missing in reported is included, only-reported is not', { color: 'RED', state: 'STOP' }, { color: 'GREEN', engine: 'ON' }, { color: 'RED', state: 'STOP' }],
    ['nested objects are compared leaf by leaf', { lights: { color: { r: 255, g: 255, b: 255 } } }, { lights: { color: { r: 255, g: 0, b: 255 } } }, { lights: { color: { g: 255 } } }],
    ['arrays are compared whole', { c: [1, 2, 3] }, { c: [1, 2] }, { c: [1, 2, 3] }],
    ['equal arrays give no delta', { c: [1, { a: 2 }] }, { c: [1, { a: 2 }] }, undefined],
    ['a type mismatch copies the desired value', { a: { b: 1 } }, { a: 5 }, { a: { b: 1 } }],
    ['equal documents give no delta', { a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 }, z: 9 }, undefined],
    ['no desired, no delta', undefined, { a: 1 }, undefined],
    ['no reported: all of desired', { a: 1 }, undefined, { a: 1 }],
  ])('%s', (_n, desired, reported, expected) => {
    expect(computeDelta(desired, reported)).toEqual(expected);
  });

  it('delta metadata is the desired metadata at the same paths', () => {
    const meta = { lights: { color: { r: { timestamp: 1 }, g: { timestamp: 2 } } }, other: { timestamp: 3 } };
    expect(deltaMetadata({ lights: { color: { g: 255 } } }, meta)).toEqual({ lights: { color: { g: { timestamp: 2 } } } });
  });
});

describe('response documents', () => {
  // Worked example 1, steps 3–5 [DG:using-device-shadows]: the documents AWS shows, with their timestamps.
  const step2 = applyState(undefined, { reported: { ID: 'SmartLamp21', ColorRGB: [128, 128, 128] } }, 1591140517);
  const step3Request = { state: { desired: { ColorRGB: [255, 255, 0] } }, clientToken: '21b21b21-bfd2-4279-8c65-e2f697ff4fab' };
  const step3 = applyState(step2, step3Request.state, 1591141596);
  const step4Request = { state: { reported: { ColorRGB: [255, 255, 0] } }, clientToken: 'a4dc2227-9213-4c6a-a6a5-053304f60258' };
  const step4 = applyState(step3, step4Request.state, 1591142747);
  const rgbMeta = (t: number) => [{ timestamp: t }, { timestamp: t }, { timestamp: t }];

  it('update/accepted echoes the request with metadata', () => {
    expect(acceptedDocument(step3Request, 4, 1591141596)).toEqual(JSON.parse('{"state":{"desired":{"ColorRGB":[255,255,0]}},"metadata":{"desired":{"ColorRGB":[{"timestamp":1591141596},{"timestamp":1591141596},{"timestamp":1591141596}]}},"version":4,"timestamp":1591141596,"clientToken":"21b21b21-bfd2-4279-8c65-e2f697ff4fab"}'));
  });

  it('update/delta carries the delta keys directly under state', () => {
    expect(deltaDocument(step3, 4, 1591141596, step3Request.clientToken)).toEqual(JSON.parse('{"version":4,"timestamp":1591141596,"state":{"ColorRGB":[255,255,0]},"metadata":{"ColorRGB":[{"timestamp":1591141596},{"timestamp":1591141596},{"timestamp":1591141596}]},"clientToken":"21b21b21-bfd2-4279-8c65-e2f697ff4fab"}'));
    expect(deltaDocument(step4, 5, 1591142747)).toBeUndefined();
  });

  it('update/documents has previous and current whole documents', () => {
    const doc = documentsDocument({ stored: step3, version: 4 }, { stored: step4, version: 5 }, 1591142747, step4Request.clientToken);
    expect(doc).toEqual({
      previous: {
        state: { desired: { ColorRGB: [255, 255, 0] }, reported: { ID: 'SmartLamp21', ColorRGB: [128, 128, 128] } },
        metadata: { desired: { ColorRGB: rgbMeta(1591141596) }, reported: { ID: { timestamp: 1591140517 }, ColorRGB: rgbMeta(1591140517) } },
        version: 4,
      },
      current: {
        state: { desired: { ColorRGB: [255, 255, 0] }, reported: { ID: 'SmartLamp21', ColorRGB: [255, 255, 0] } },
        metadata: { desired: { ColorRGB: rgbMeta(1591141596) }, reported: { ID: { timestamp: 1591140517 }, ColorRGB: rgbMeta(1591142747) } },
        version: 5,
      },
      timestamp: 1591142747,
      clientToken: 'a4dc2227-9213-4c6a-a6a5-053304f60258',
    });
  });

  it('update/documents built from the stored JSON texts is the same text as the document serialized', () => {
    const text = (d: typeof step3) => JSON.stringify({ state: d.state, metadata: d.metadata });
    for (const token of [step4Request.clientToken, undefined, 'quote"and\\backslash']) {
      expect(documentsJson(text(step3), 4, text(step4), 5, 1591142747, token))
        .toBe(JSON.stringify(documentsDocument({ stored: step3, version: 4 }, { stored: step4, version: 5 }, 1591142747, token)));
      expect(documentsJson(null, 0, text(step4), 1, 7, token)).toBe(JSON.stringify(documentsDocument(undefined, { stored: step4, version: 1 }, 7, token)));
    }
  });

  it('get has no delta when desired equals reported, and a delta otherwise', () => {
    expect(getDocument(step4, 5, 1591143269)).toEqual({ state: step4.state, metadata: step4.metadata, version: 5, timestamp: 1591143269 });
    expect(getDocument(step3, 4, 9).state.delta).toEqual({ ColorRGB: [255, 255, 0] });
  });
});
