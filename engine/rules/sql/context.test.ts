/** The message context and binary payloads [DG:binary-payloads]: parse once per message, raw bytes pass through. */
import { describe, expect, it } from 'vitest';
import { compile, MessageContext, NO_MATCH, serializeOutput, testRule } from './index.js';

describe('MessageContext', () => {
  it('parses the payload once, however many rules read it, and only when a rule needs it', () => {
    const ctx = new MessageContext({ topic: 'a/b', payload: Buffer.from('{"t":60,"c":"red"}') });
    const rules = ["SELECT * FROM 'a/b' WHERE t > 50", "SELECT c AS colour FROM 'a/b'", "SELECT topic() AS t FROM 'a/+'"].map((s) => compile(s));
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => { parses++; return parse(text, reviver); }) as typeof JSON.parse;
    try {
      const outputs = rules.map((r) => r.evaluate(ctx));
      expect(outputs[1]).toEqual({ colour: 'red' });
      expect(parses).toBe(1);
    } finally {
      JSON.parse = parse;
    }
    const untouched = new MessageContext({ topic: 'a/b', payload: Buffer.from('{}') });
    compile("SELECT topic() AS t FROM 'a/b'").evaluate(untouched);
    expect(untouched.isParsed).toBe(false);
  });

  it('SELECT * forwards the original bytes of a JSON payload and of a binary one', () => {
    const json = Buffer.from('{ "spaced" : 1 }');
    const ctx = new MessageContext({ topic: 'a/b', payload: json });
    const out = compile("SELECT * FROM 'a/b'").evaluate(ctx);
    expect(out).toEqual({ spaced: 1 });
    expect(serializeOutput(out as never, ctx)).toBe(json);
    const bin = Buffer.from([0x80, 0x00, 0xff]);
    const bctx = new MessageContext({ topic: 'a/b', payload: bin });
    expect(compile("SELECT * FROM 'a/b' WHERE timestamp() % 12 >= 0").evaluate(bctx)).toBe(bin);
  });

  it('binary payloads: fields are Undefined, encode(*) sees the bytes, added keys stand alone', () => {
    const bin = Buffer.from([1, 2, 3]);
    expect(testRule("SELECT * FROM 'a/b' WHERE device_type = 'thermostat'", 'a/b', bin)).toMatchObject({ ok: true, matched: false, reason: 'where-undefined' });
    const r = testRule("SELECT encode(*, 'base64') AS data, timestamp() AS ts FROM 'a/b'", 'a/b', bin, 'c', { message: { timestamp: 7 } });
    expect(r).toMatchObject({ ok: true, matched: true, output: { data: 'AQID', ts: 7 } });
    const p = testRule("SELECT *, principal() as principal FROM 'a/b'", 'a/b', Buffer.alloc(0), 'c', { message: { principal: 'abc' } });
    expect(p).toMatchObject({ ok: true, matched: true, output: { principal: 'abc' } });
  });

  it('a top-level Undefined serializes as an empty payload', () => {
    const ctx = new MessageContext({ topic: 't', payload: Buffer.from('{}') });
    const out = compile("SELECT VALUE missing FROM 't'").evaluate(ctx);
    expect(out).toBeUndefined();
    expect(serializeOutput(out as undefined).length).toBe(0);
  });
});

describe('testRule', () => {
  it('returns the output, the no-match reason, or the diagnostics', () => {
    expect(testRule("SELECT color FROM 'a/#' WHERE t > 50", 'a/b', '{"color":"red","t":60}', 'dev')).toMatchObject({ ok: true, matched: true, output: { color: 'red' } });
    expect(testRule("SELECT color FROM 'a/#' WHERE t > 50", 'b/c', '{}', 'dev')).toMatchObject({ ok: true, matched: false, reason: 'topic' });
    expect(testRule("SELECT color FROM 'a/#' WHERE t > 50", 'a/b', '{"t":5}', 'dev')).toMatchObject({ matched: false, reason: 'where-false', where: false });
    expect(testRule("SELECT color FROM 'a/#' WHERE t", 'a/b', '{"t":5}', 'dev')).toMatchObject({ matched: false, reason: 'where-not-boolean' });
    expect(testRule("SELECT color FROM 'a/#' WHERE", 'a/b', '{}', 'dev')).toMatchObject({ ok: false, diagnostics: [{ code: 'UnexpectedToken' }] });
  });

  it('reports an injected function that throws as an evaluation error', () => {
    const r = testRule("SELECT get_thing_shadow('x', 'arn') AS s FROM 't'", 't', '{}', 'c', { env: { getThingShadow: () => { throw new Error('store closed'); } } });
    expect(r).toEqual({ ok: false, diagnostics: [], error: 'store closed' });
  });

  it('SELECT * with WHERE returns the shared parsed payload (no copy)', () => {
    const ctx = new MessageContext({ topic: 't', payload: Buffer.from('{"a":1}') });
    expect(compile("SELECT * FROM 't'").evaluate(ctx)).toBe(ctx.json());
    expect(compile("SELECT * FROM 't' WHERE a = 2").evaluate(ctx)).toBe(NO_MATCH);
  });
});
