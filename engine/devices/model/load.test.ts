import { readFileSync, readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../core/index.js';
import { createDeviceContext, createFieldSampler, renderTemplate } from './index.js';
import { loadDeviceModel } from './load.js';
import { parseSchedule } from './schedule.js';
import { schemaFileText } from './write-schema.js';

const modelsDir = new URL('../models/', import.meta.url);
const schemaFile = new URL('../../../schemas/device-model.schema.json', import.meta.url);
const builtIns = readdirSync(modelsDir).filter((f) => f.endsWith('.yaml')).sort();

/** The problems loadDeviceModel reports for `text`, one `file:line:col: message` string each. */
function problems(text: string, file = 'broken.yaml'): string[] {
  try { loadDeviceModel(text, file); } catch (e) {
    expect(isEngineError(e) && e.code).toBe('InvalidInput');
    return (e as Error).message.split('\n');
  }
  throw new Error('expected the model to be refused');
}

describe('built-in models', () => {
  it('are the five workshop devices', () => {
    expect(builtIns).toEqual(['firmware-device.yaml', 'generic-sensor.yaml', 'light-bulb.yaml', 'sprinkler.yaml', 'vibration-motor.yaml', 'wind-turbine.yaml']);
  });

  it.each(builtIns)('%s loads cleanly and validates against the published schema', (f) => {
    const text = readFileSync(new URL(f, modelsDir), 'utf8');
    const model = loadDeviceModel(text, f);
    expect(model.name).toBe(f.replace(/\.yaml$/, ''));
    const ajv = new Ajv({ allErrors: true, discriminator: true, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the wind turbine publishes its six readings on turbines/ev-gen/{id}', () => {
    const m = loadDeviceModel(readFileSync(new URL('wind-turbine.yaml', modelsDir), 'utf8'), 'wind-turbine.yaml');
    const ctx = createDeviceContext(m, 6, 1);
    const payload = createFieldSampler(m.telemetry[0].fields, ctx).sample(Date.UTC(2026, 0, 1));
    expect(Object.keys(payload)).toEqual(['id', 'timestamp', 'temperature', 'humidity', 'rotor-freq', 'output', 'output-freq']);
    expect(renderTemplate(m.telemetry[0].topic, ctx, payload)).toBe('turbines/ev-gen/007');
    expect(ctx.thingName).toBe('turbine-007');
  });

  it('the sprinkler publishes on {farm}/sprinkler-{id} and its water follows the shadow', () => {
    const m = loadDeviceModel(readFileSync(new URL('sprinkler.yaml', modelsDir), 'utf8'), 'sprinkler.yaml');
    const ctx = createDeviceContext(m, 12, 1);
    const s = createFieldSampler(m.telemetry[0].fields, ctx);
    expect(renderTemplate(m.telemetry[0].topic, ctx, {})).toBe('farm-2/sprinkler-3');
    expect(s.sample(0, { shadow: { water: 'on' } }).water).toBe('on');
    expect(s.sample(1, { shadow: { water: 'off' } }).water).toBe('off');
  });

  it('the light bulb is a LightBulb with model and wattage attributes; the motor publishes only while running', () => {
    const bulb = loadDeviceModel(readFileSync(new URL('light-bulb.yaml', modelsDir), 'utf8'), 'light-bulb.yaml');
    expect(bulb.identity.thingType).toBe('LightBulb');
    expect(createDeviceContext(bulb, 1, 1).attributes).toEqual({ model: 'G95', wattage: '40' });
    const motor = loadDeviceModel(readFileSync(new URL('vibration-motor.yaml', modelsDir), 'utf8'), 'vibration-motor.yaml');
    expect(motor.telemetry[0]).toMatchObject({ topic: 'data/vibration', inStates: ['running'], when: "shadow.MOTOR == 'ON'" });
    expect(motor.stateMachine?.transitions.map((t) => t.on)).toEqual([{ kind: 'delta', key: 'MOTOR' }, { kind: 'delta', key: 'MOTOR' }]);
  });
});

describe('the published schema', () => {
  it('is the file generated from schema.ts (regenerate: npx tsx engine/devices/model/write-schema.ts)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(schemaFileText());
  });
});

describe('loadDeviceModel', () => {
  it('fills in defaults, converts durations and reads literals as constants', () => {
    const m = loadDeviceModel('name: tiny\ntelemetry:\n  - topic: t/{thingName}\n    interval: 1.5s\n    fields:\n      unit: celsius\n      w: { gen: sine, period: 2m }\n', 'tiny.yaml');
    expect(m.identity).toEqual({ thingName: '{model}-{index}', clientId: '{thingName}', attributes: {}, certificate: { mode: 'none' } });
    expect(m.protocol).toEqual({ transport: 'mqtt', version: 4, keepAlive: 60, cleanSession: true, offlineBuffer: 100,
      reconnect: { enabled: true, minMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.2 } });
    expect(m.telemetry[0]).toMatchObject({ intervalMs: 1500, qos: 0, retain: false, offsetMs: 0 });
    expect(m.telemetry[0].fields).toEqual({
      unit: { gen: 'constant', value: 'celsius' },
      w: { gen: 'sine', periodMs: 120_000, amplitude: 1, offset: 0, phase: 0, phaseSpread: 0 },
    });
    expect(createDeviceContext(m, 3, 9).thingName).toBe('tiny-3');
  });

  it.each([
    ['invalid YAML', 'name: x\ntelemetry:\n  - topic: a\n     fields: {}\n',
      'broken.yaml:3:12: invalid YAML: Nested mappings are not allowed in compact mappings'],
    ['an unknown generator', 'name: x\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      temp: { gen: sinus, period: 1s }\n',
      'broken.yaml:6:20: telemetry[0].fields.temp: unknown generator "sinus"; expected one of: constant, counter, uuid, id, pick, int, float, bool, timestamp, walk, sine, square, triangle, sawtooth, ramp, decay, step, spike, anomaly, geo, route, object, array, expr, thingName, attribute, replay'],
    ['a misspelt property (at its key)', 'name: x\nprotocol:\n  keepAlvie: 30\n',
      "broken.yaml:3:3: unknown property 'keepAlvie' in protocol; expected one of: transport, version, keepAlive, cleanSession, sessionExpiry, reconnect, offlineBuffer, confirmable, ttd"],
    ['a value outside an enum', 'name: x\nprotocol:\n  transport: tcp\n', 'broken.yaml:3:14: protocol.transport: expected one of: "mqtt", "mqtts", "ws", "coap", "https"'],
    ['a missing required property', 'name: x\ntelemetry:\n  - interval: 1s\n    fields: {}\n', "broken.yaml:3:5: telemetry[0]: missing required property 'topic'"],
    ['a bad duration', 'name: x\ntelemetry:\n  - topic: a\n    interval: 5 sec\n    fields: {}\n',
      'broken.yaml:4:15: telemetry[0].interval: expected a duration such as 500ms, 5s, 2m or 1h'],
    ['a wrong type deep in a generator', 'name: x\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      s: { gen: spike, base: { gen: int, min: low, max: 3 }, probability: 0.1, magnitude: 1 }\n',
      'broken.yaml:6:47: telemetry[0].fields.s.base.min: expected number'],
    ['an expression that does not parse (at the offset inside it)', 'name: x\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      f: { gen: expr, expr: "celsius * 1.8 +" }\n',
      'broken.yaml:6:45: expression: expression ends too early'],
    ['an expression reading an unknown field', 'name: x\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      k: { gen: expr, expr: "nope * 2" }\n',
      "broken.yaml:6:29: expression reads 'nope', which is not defined here; expected one of: index, deviceIndex, seed, model, thingName, clientId, attributes, t, elapsed, shadow, state, k"],
    ['a cycle between expression fields', 'name: x\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      g: { gen: expr, expr: "h + 1" }\n      h: { gen: expr, expr: "g + 1" }\n',
      'broken.yaml:6:10: expression fields form a cycle: g → h → g'],
    ['min above max', 'name: x\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      a: { gen: int, min: 5, max: 1 }\n',
      'broken.yaml:6:27: min (5) must not exceed max (1)'],
    ['a bad schedule', "name: x\ntelemetry:\n  - topic: a\n    schedule: '*/5 * * *'\n    fields: {}\n",
      'broken.yaml:4:15: schedule: expected 5 or 6 fields (sec min hour day month weekday) but found 4'],
    ['an unknown template name', 'name: x\nidentity:\n  thingName: "dev-{serial}"\n',
      "broken.yaml:3:20: template reads 'serial', which is not defined here; expected one of: index, deviceIndex, seed, model"],
    ['an attribute the identity does not have', 'name: x\nidentity: { attributes: { model: A60 } }\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      w: { gen: attribute, name: watts }\n',
      "broken.yaml:7:34: unknown attribute 'watts'; expected one of: model"],
    ['a variable named like a built-in', 'name: x\nvars:\n  index: "7"\n', "broken.yaml:3:3: 'index' is a built-in name; choose another name for this variable"],
  ])('reports %s as file:line:col', (_what, text, want) => {
    expect(problems(text)[0]).toBe(want);
  });

  it('reports every problem, not just the first', () => {
    expect(problems('name: x\nstateMachine:\n  initial: idle\n  states: [on, off]\n  transitions:\n    - { from: on, to: gone, on: { timer: 1s, delta: true } }\n', 'sm.yaml')).toEqual([
      "sm.yaml:3:12: unknown state 'idle'; expected one of: on, off",
      "sm.yaml:6:23: unknown state 'gone'; expected one of: on, off",
      'sm.yaml:6:33: expected exactly one trigger (message, delta or timer) but found 2',
    ]);
    expect(problems('name: x\nprotocol:\n  transport: tcp\n  keepAlive: -1\nwill: {}\n')).toEqual([
      'broken.yaml:3:14: protocol.transport: expected one of: "mqtt", "mqtts", "ws", "coap", "https"',
      'broken.yaml:4:14: protocol.keepAlive: must be >= 0',
      "broken.yaml:5:7: will: missing required property 'topic'",
      "broken.yaml:5:7: will: missing required property 'payload'",
    ]);
  });

  it('checks that the behaviours agree with the protocol', () => {
    expect(problems('name: x\nprotocol: { transport: mqtts }\n')[0]).toBe(
      'broken.yaml:2:24: transport mqtts (mutual TLS) needs a client certificate: set identity.certificate to provision or {existing: <id>}');
    expect(problems('name: x\ncommands:\n  - { name: ping, requestTopic: a, replyTopic: b, correlation: mqtt5 }\n')[0]).toBe(
      'broken.yaml:3:64: correlation mqtt5 needs protocol.version 5');
  });

  it('a CoAP or HTTPS device only asks: commands by name and ttd, no listening behaviours', () => {
    const m = loadDeviceModel('name: meter\nprotocol: { transport: coap, confirmable: false, ttd: 5s }\ncommands:\n  - { name: setInterval, reply: { ok: true } }\n', 'meter.yaml');
    expect(m.protocol).toMatchObject({ transport: 'coap', confirmable: false, ttdMs: 5000 });
    expect(m.commands[0]).toMatchObject({ name: 'setInterval' });
    expect(m.commands[0].requestTopic).toBeUndefined();
    expect(problems('name: x\nprotocol: { transport: coap }\nshadow: { initial: { a: 1 } }\n')[0]).toBe(
      'broken.yaml:3:1: a shadow behaviour needs a device that listens (MQTT): a coap device only asks');
    expect(problems('name: x\nprotocol: { transport: https }\n')[0]).toBe(
      'broken.yaml:2:24: transport https (mutual TLS) needs a client certificate: set identity.certificate to provision or {existing: <id>}');
    expect(problems('name: x\nprotocol: { ttd: 5s }\n')[0]).toBe(
      'broken.yaml:2:13: ttd is for devices that only ask (transport coap or https); an MQTT device listens on its request topics');
    expect(problems('name: x\ncommands:\n  - { name: ping }\n')[0]).toBe(
      "broken.yaml:3:5: an MQTT device's command needs requestTopic and replyTopic");
  });

  it('anchors and aliases work; an unknown or circular alias is refused at its position', () => {
    const m = loadDeviceModel('name: x\ntelemetry:\n  - topic: a\n    interval: 1s\n    fields:\n      a: &t { gen: int, min: 0, max: 9 }\n      b: *t\n', 'x.yaml');
    expect(m.telemetry[0].fields.b).toEqual({ gen: 'int', min: 0, max: 9 });
    expect(problems('name: x\nvars: *nothing\n')).toEqual(['broken.yaml:2:7: alias *nothing names no anchor set before it']);
    expect(problems('name: x\nvars: &v\n  a: *v\n')).toEqual(['broken.yaml:3:6: alias *v refers to a node that contains it']);
    const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(',')}]`)];
    expect(problems(`name: x\nvars:\n  ${laughs.join('\n  ')}\n`)[0]).toMatch(/^broken\.yaml:1:1: invalid YAML: Excessive alias count/);
  });

  it('an empty file or a list is refused with a clear sentence', () => {
    expect(problems('')).toEqual(['broken.yaml:1:1: the document: expected object']);
    expect(problems('- a\n')).toEqual(['broken.yaml:1:1: the document: expected object']);
  });
});

describe('schedules', () => {
  it.each([
    ['*/15 * * * * *', '2026-01-01T00:00:07Z', '2026-01-01T00:00:15.000Z'],
    ['0 */5 * * * *', '2026-01-01T00:03:00Z', '2026-01-01T00:05:00.000Z'],
    ['30 9 * * 1', '2026-01-01T00:00:00Z', '2026-01-05T09:30:00.000Z'], // 2026-01-05 is a Monday
    ['0 0 0 29 2 *', '2026-01-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('%s after %s is %s', (src, after, want) => {
    expect(new Date(parseSchedule(src).next(Date.parse(after)) ?? 0).toISOString()).toBe(want);
  });
});

describe('loadBuiltInModels', () => {
  it('loads the five by name', async () => {
    const { loadBuiltInModels } = await import('./index.js');
    expect([...loadBuiltInModels().keys()]).toEqual(['firmware-device', 'generic-sensor', 'light-bulb', 'sprinkler', 'vibration-motor', 'wind-turbine']);
  });
});

describe('the README', () => {
  it("Virtual devices example loads", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Virtual devices'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const m = loadDeviceModel(example, 'README.md');
    expect(renderTemplate(m.telemetry[0].topic, createDeviceContext(m, 13, 1))).toBe('greenhouse/site-1/greenhouse-014');
  });

  it('Devices that only ask example loads', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Devices that only ask'));
    const m = loadDeviceModel(/```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '', 'README.md');
    expect(m.protocol).toMatchObject({ transport: 'coap', confirmable: true, ttdMs: 10_000 });
  });
});
