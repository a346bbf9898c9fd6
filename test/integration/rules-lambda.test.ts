/**
 * The lambda action with local functions (`<dataDir>/functions`): the AWS-shaped event and context, publishing and
 * shadows through the local SDK, TypeScript and Python functions, and functions that throw, loop forever or eat
 * memory — each stopped and reported to the rule's errorAction.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { startTestEngine, connect, nextMessages, type TestEngine } from '../helpers/engine.js';

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
import { hasPython } from '../../engine/functions/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';
const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('lambda action', () => {
  let te: TestEngine;
  let pub: MqttClient;
  let sub: MqttClient;
  const fn = (file: string, code: string) => fs.writeFileSync(path.join(te.dataDir, 'functions', file), code);

  /** A rule `FROM 'fn/<name>'` invoking the function, with errors republished to `errors/<name>`. */
  async function rule(name: string) {
    await te.engine.api.rules.put(`r_${name}`, {
      sql: `SELECT *, topic() AS t FROM 'fn/${name}'`, awsIotSqlVersion: '2016-03-23',
      actions: [{ lambda: { functionArn: arn(name) } }],
      errorAction: { republish: { topic: `errors/${name}`, roleArn: ROLE } },
    });
  }

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    fs.mkdirSync(path.join(te.dataDir, 'functions'), { recursive: true });
    pub = await connect(te.mqttPort, { clientId: 'dev-fn' });
    sub = await connect(te.mqttPort, { clientId: 'reader-fn' });
    await sub.subscribeAsync(['errors/#', 'fnout/#']);
  });

  afterAll(async () => {
    await pub?.endAsync();
    await sub?.endAsync();
    await te?.stop();
  });

  it('gets the rule output as event and a Lambda context; publishes and updates a shadow through the SDK', async () => {
    fn('echo.js', `export const handler = async (event, context) => {
      await context.sdk.publish('fnout/echo', { event, name: context.functionName, arn: context.invokedFunctionArn, left: context.getRemainingTimeInMillis() > 0 });
      await thingbench.updateShadow('fnThing', { state: { reported: { seen: event.v } } });
      return 'ok';
    };\n`);
    await rule('echo');
    const got = nextMessages(sub, 1);
    await pub.publishAsync('fn/echo', '{"v":7}');
    const out = JSON.parse((await got)[0].payload.toString()) as Record<string, unknown>;
    expect(out).toEqual({ event: { v: 7, t: 'fn/echo' }, name: 'echo', arn: arn('echo'), left: true });
    await until(() => te.engine.api.shadow.list('fnThing').then((l) => l.length > 0), 5000);
    expect((await te.engine.api.shadow.get('fnThing')).state.reported).toEqual({ seen: 7 });
    // The action counts as succeeded when the handler returns, after its publish and shadow update were seen.
    await until(() => te.engine.api.rules.metrics('r_echo').then(([m]) => m.actionsSucceeded > 0), 5000);
    const [m] = await te.engine.api.rules.metrics('r_echo');
    expect(m.actionsSucceeded).toBe(1);
  });

  it('runs TypeScript functions', async () => {
    fn('typed.ts', `interface E { v: number }\nexport async function handler(event: E): Promise<void> {\n  await (globalThis as any).thingbench.publish('fnout/typed', String(event.v * 2));\n}\n`);
    await rule('typed');
    const got = nextMessages(sub, 1, 15_000);
    await pub.publishAsync('fn/typed', '{"v":21}');
    expect((await got)[0].payload.toString()).toBe('42');
  });

  it('a function that throws fails the action and reaches errorAction', async () => {
    fn('thrower.js', `export const handler = async () => { throw new TypeError('bad input'); };\n`);
    await rule('thrower');
    const got = nextMessages(sub, 1);
    await pub.publishAsync('fn/thrower', '{}');
    const err = JSON.parse((await got)[0].payload.toString()) as { failures: Array<{ failedAction: string; errorMessage: string }> };
    expect(err.failures[0].failedAction).toBe('LambdaAction');
    expect(err.failures[0].errorMessage).toContain('TypeError: bad input');
  });

  it('a function that loops forever is stopped at its timeout', async () => {
    fn('looper.js', `export const handler = () => { for (;;) {} };\n`);
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'looper.config.json'), '{"timeout": 1}');
    await rule('looper');
    const started = Date.now();
    const got = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('fn/looper', '{}');
    const err = JSON.parse((await got)[0].payload.toString()) as { failures: Array<{ errorMessage: string }> };
    expect(err.failures[0].errorMessage).toContain('timed out after 1.00 seconds');
    expect(Date.now() - started).toBeLessThan(5000);
    // The next invocation gets a fresh worker.
    fn('looper.js', `export const handler = async () => { await thingbench.publish('fnout/looper', 'back'); };\n`);
    const again = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('fn/looper', '{}');
    expect((await again)[0].payload.toString()).toBe('back');
  });

  it('a function that eats memory is stopped at its memory limit', async () => {
    fn('hog.js', `export const handler = async () => { const a = []; for (;;) a.push(new Array(1e5).fill({ x: Math.random() })); };\n`);
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'hog.config.json'), '{"timeout": 20, "memorySize": 64}');
    await rule('hog');
    const got = nextMessages(sub, 1, 25_000);
    await pub.publishAsync('fn/hog', '{}');
    const err = JSON.parse((await got)[0].payload.toString()) as { failures: Array<{ errorMessage: string }> };
    expect(err.failures[0].errorMessage).toMatch(/memory/i);
  });

  it('reads a local table item through the SDK (JavaScript and Python), null when there is none', async () => {
    await te.engine.api.sinks.create('table', 'Limits', { hashKey: { name: 'kind', type: 'S' } });
    await te.engine.api.rules.put('r_limits', {
      sql: "SELECT * FROM 'limits/set'", awsIotSqlVersion: '2016-03-23',
      actions: [{ dynamoDBv2: { roleArn: ROLE, putItem: { tableName: 'Limits' } } }],
    });
    await pub.publishAsync('limits/set', '{"kind":"temperature","max":30}', { qos: 1 });
    await until(() => te.engine.api.sinks.records('table', 'Limits').then((r) => r.length === 1), 5000);
    fn('limits.js', `export const handler = async (e) => thingbench.publish('fnout/limits', { hit: await thingbench.getItem('Limits', { kind: e.kind }) });\n`);
    await rule('limits');
    const got = nextMessages(sub, 2);
    await pub.publishAsync('fn/limits', '{"kind":"temperature"}');
    await pub.publishAsync('fn/limits', '{"kind":"humidity"}');
    expect((await got).map((m) => JSON.parse(m.payload.toString()) as unknown)).toEqual([{ hit: { kind: 'temperature', max: 30 } }, { hit: null }]);
    if (!hasPython()) return;
    fn('pylimits.py', `def handler(event, context):\n    context.sdk.publish('fnout/pylimits', context.sdk.get_item('Limits', {'kind': 'temperature'}))\n`);
    await rule('pylimits');
    const py = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('fn/pylimits', '{}');
    expect(JSON.parse((await py)[0].payload.toString())).toEqual({ kind: 'temperature', max: 30 });
  });

  it.skipIf(!hasPython())('runs Python 3 functions with the same SDK', async () => {
    fn('pyfn.py', `def handler(event, context):\n    context.sdk.publish('fnout/py', {'doubled': event['v'] * 2, 'name': context.function_name})\n    return True\n`);
    await rule('pyfn');
    const got = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('fn/pyfn', '{"v":5}');
    expect(JSON.parse((await got)[0].payload.toString())).toEqual({ doubled: 10, name: 'pyfn' });
  });

  it.skipIf(!hasPython())('a Python function that loops forever is killed at its timeout', async () => {
    fn('pyloop.py', `def handler(event, context):\n    while True:\n        pass\n`);
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'pyloop.config.json'), '{"timeout": 1}');
    await rule('pyloop');
    const got = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('fn/pyloop', '{}');
    const err = JSON.parse((await got)[0].payload.toString()) as { failures: Array<{ errorMessage: string }> };
    expect(err.failures[0].errorMessage).toContain('timed out');
  });
});
