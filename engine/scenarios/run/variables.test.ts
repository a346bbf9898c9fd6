import { describe, expect, it } from 'vitest';
import { RunVariables } from './variables.js';

describe('run variables', () => {
  const vars = new RunVariables({ thing: 'pump-1', limit: 30, reading: { t: [20, 31] }, on: true });

  it('keeps the type of a whole reference and inserts text elsewhere', () => {
    expect(vars.interpolate('${limit}')).toBe(30);
    expect(vars.interpolate('${on}')).toBe(true);
    expect(vars.interpolate('things/${thing}/limit-${limit}')).toBe('things/pump-1/limit-30');
    expect(vars.interpolate('r=${reading}')).toBe('r={"t":[20,31]}');
    expect(vars.interpolate('${reading.t[1]}')).toBe(31);
    expect(vars.interpolate('cost $${x}')).toBe('cost ${x}');
  });

  it('json(…) gives a value as JSON text, a multi-line string inside a JSON document', () => {
    const pem = new RunVariables({ signed: { certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } });
    const doc = pem.interpolate('{"certfile":${json(signed.certificate)}}');
    expect(JSON.parse(doc)).toEqual({ certfile: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' });
    expect(vars.interpolate('${json(thing)}')).toBe('"pump-1"');
    expect(vars.interpolate('[${json(reading.t)}]')).toBe('[[20,31]]');
    expect(() => vars.interpolate('${json(nope)}')).toThrow("unknown variable 'nope'");
  });

  it('interpolates deeply, keys included, leaving other values alone', () => {
    expect(vars.interpolate({ topic: 'a/${thing}', payload: { '${thing}': ['${limit}', 1, null] } })).toEqual({ topic: 'a/pump-1', payload: { 'pump-1': [30, 1, null] } });
  });

  it('names an unknown variable and the known ones', () => {
    expect(() => vars.interpolate('${nope}')).toThrow("unknown variable 'nope'; the variables are thing, limit, reading, on");
    expect(() => vars.interpolate('${reading.x}')).toThrow("has nothing at .x");
  });

  it('scopes: a child reads through, writes back where the name is, and puts a new name in the outermost scope', () => {
    const child = vars.child({ i: 1 });
    expect(child.interpolate('${thing}-${i}')).toBe('pump-1-1');
    child.set('limit', 40);
    child.child({ j: 2 }).set('fresh', 'x');
    child.set('i', 5);
    expect(vars.get('limit')).toBe(40);
    expect(vars.get('fresh')).toBe('x');
    expect(child.get('i')).toBe(5);
    expect(vars.has('i')).toBe(false);
    vars.set('limit', 30);
  });
});
