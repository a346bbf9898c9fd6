/**
 * Rules from `<dataDir>/rules` files, through the real broker: JSON and YAML files load at start; a malformed file is
 * logged with its name, line and column and the other files still load.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';

describe('rules folder', () => {
  let te: TestEngine | undefined;
  const clients: MqttClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync();
    await te?.stop();
    if (te) fs.rmSync(te.dataDir, { recursive: true, force: true });
    te = undefined;
  });

  /** A data directory whose `rules/` holds the given files. */
  function dataDirWith(files: Record<string, string>): string {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-rule-files-'));
    fs.mkdirSync(path.join(dataDir, 'rules'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dataDir, 'rules', name), text);
    return dataDir;
  }

  async function clientsOf(engine: TestEngine): Promise<{ pub: MqttClient; sub: MqttClient }> {
    const pub = await connect(engine.mqttPort, { clientId: 'files-pub' });
    const sub = await connect(engine.mqttPort, { clientId: 'files-sub' });
    clients.push(pub, sub);
    return { pub, sub };
  }

  it('loads YAML and JSON rule files; malformed files are reported with line and column and skipped', async () => {
    const dataDir = dataDirWith({
      'hot.yaml': [
        'ruleName: hot_yaml',
        'topicRulePayload:',
        '  sql: >-',
        "    SELECT temp, topic(2) AS device FROM 'sensors/+/data' WHERE temp > 50",
        "  awsIotSqlVersion: '2016-03-23'",
        '  actions:',
        '    - republish:',
        "        topic: 'alerts/${topic(2)}'",
        `        roleArn: ${ROLE}`,
        '',
      ].join('\n'),
      'cold.yml': `sql: SELECT * FROM 'cold/in'\nawsIotSqlVersion: '2016-03-23'\nactions:\n  - republish: { topic: cold/out, roleArn: ${ROLE} }\n`,
      'plain.json': JSON.stringify({ sql: "SELECT * FROM 'json/in'", awsIotSqlVersion: '2016-03-23', actions: [{ republish: { topic: 'json/out', roleArn: ROLE } }] }),
      'broken.json': '{\n  "sql": "SELECT * FROM \'x\'",\n  "actions": [,]\n}\n',
      'broken.yaml': "sql: SELECT * FROM 'y'\nactions:\n  - republish: { topic: z\n",
      'notes.txt': 'not a rule file',
    });
    te = await startTestEngine({ dataDir });
    const rules = await te.engine.api.rules.list();
    expect(rules.map((r) => [r.name, r.source, path.basename(r.file ?? '')]).sort()).toEqual([
      ['cold', 'file', 'cold.yml'], ['hot_yaml', 'file', 'hot.yaml'], ['plain', 'file', 'plain.json'],
    ]);

    const errors = te.logs.filter((l) => l.source === 'rules' && l.level === 'error').map((l) => l.message);
    expect(errors).toContainEqual(expect.stringMatching(/broken\.json: not valid JSON at line 3, column 15: /));
    expect(errors).toContainEqual(expect.stringMatching(/broken\.yaml: not valid YAML at line \d+, column \d+: /));

    const { pub, sub } = await clientsOf(te);
    await sub.subscribeAsync(['alerts/#', 'cold/out', 'json/out']);
    const got = nextMessages(sub, 3);
    await pub.publishAsync('sensors/d1/data', '{"temp":71}');
    await pub.publishAsync('sensors/d2/data', '{"temp":10}'); // WHERE false: nothing
    await pub.publishAsync('cold/in', '{"c":1}');
    await pub.publishAsync('json/in', '{"j":1}');
    const out = Object.fromEntries((await got).map((m) => [m.topic, JSON.parse(m.payload.toString())]));
    expect(out).toEqual({ 'alerts/d1': { temp: 71, device: 'd1' }, 'cold/out': { c: 1 }, 'json/out': { j: 1 } });
  });
});
