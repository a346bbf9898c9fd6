/**
 * The `replay` step: a recording beside the scenario is played into the real engine as its original publishers
 * (optionally with a client id prefix), in order, with its timing on the run's clock; a bad recording is one
 * `file:line` sentence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import { encodeLine } from '../../engine/scenarios/index.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

const recording = [
  { t: 0, topic: 'plant/p1/temp', qos: 1 as const, retain: false, payload: Buffer.from('{"t":20}'), clientId: 'pump-1' },
  { t: 400, topic: 'plant/p2/temp', qos: 0 as const, retain: false, payload: Buffer.from('{"t":21}'), clientId: 'pump-2' },
  { t: 800, topic: 'plant/p1/temp', qos: 1 as const, retain: false, payload: Buffer.from('{"t":22}'), clientId: 'pump-1' },
].map(encodeLine).join('\n') + '\n';

describe('replay step', () => {
  it('plays a recording as its publishers, in order and with its timing, with a client id prefix', async () => {
    const started = Date.now();
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: replay monday
steps:
  - replay: { file: monday.jsonl, clientIdPrefix: replay- }
  - expect: { topic: "plant/+/temp", where: [{ path: $.t, value: 20 }] }
  - expect: { topic: "plant/+/temp", where: [{ path: $.t, value: 21 }] }
  - expect: { topic: "plant/+/temp", where: [{ path: $.t, value: 22 }] }
  - absent: { topic: "plant/+/temp", within: 100ms }
`,
      'monday.jsonl': recording,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps[0].note).toMatch(/^3 messages from 2 clients in \d+ ms$/);
    // The recording spans 800 ms at speed 1.
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    const seen = (await te.engine.api.broker.messages({ filter: 'plant/+/temp' })).reverse();
    expect(seen.map((m) => [m.clientId, m.topic, Buffer.from(m.payload, 'base64').toString()])).toEqual([
      ['replay-pump-1', 'plant/p1/temp', '{"t":20}'],
      ['replay-pump-2', 'plant/p2/temp', '{"t":21}'],
      ['replay-pump-1', 'plant/p1/temp', '{"t":22}'],
    ]);
  });

  it('runs at speed max and loops; a bad line is a file:line sentence', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: fast loops
steps:
  - replay: { file: monday.jsonl, speed: max, loops: 3 }
  - expect: { topic: "plant/+/temp", count: 9, within: 5s }
`,
      'monday.jsonl': recording,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps[0].note).toMatch(/^9 messages from 2 clients/);

    const { result: bad } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: broken file
steps:
  - replay: { file: broken.jsonl }
`,
      'broken.jsonl': `${encodeLine({ t: 0, topic: 'a', qos: 0, retain: false, payload: Buffer.from('x') })}\n{"t":"soon"}\n`,
    });
    expect(bad.status).toBe('failed');
    expect(bad.steps[0].message).toMatch(/broken\.jsonl:2: /);
  });
});
