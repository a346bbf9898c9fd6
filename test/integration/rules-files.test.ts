/**
 * Rules from `<dataDir>/rules` files, through the real broker: JSON and YAML files load at start; a malformed file is
 * logged with its name, line and column and the other files still load. While the engine runs, adding, changing and
 * deleting files creates, replaces and deletes their rules (fs.watch), and never touches rules created through the API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { IoTClient, CreateTopicRuleCommand, GetTopicRuleCommand } from '@aws-sdk/client-iot';
import type { RuleInfo } from '../../engine/contract/index.js';
import { connect, nextMessages, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

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

  /** Polls the rule list until `ok` holds (the folder watch reloads after a short quiet time). */
  async function rulesUntil(ok: (rules: RuleInfo[]) => boolean, what: string): Promise<RuleInfo[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const rules = await te!.engine.api.rules.list();
      if (ok(rules)) return rules;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; rules: ${JSON.stringify(rules.map((r) => [r.name, r.sql]))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Publishes on `topic` and resolves with what arrives on the subscribed output topics within `ms` (none: []). */
  async function outputOf(c: { pub: MqttClient; sub: MqttClient }, topic: string, ms = 600): Promise<string[]> {
    const got: string[] = [];
    const on = (t: string, p: Buffer) => void got.push(`${t} ${p.toString()}`);
    c.sub.on('message', on);
    await c.pub.publishAsync(topic, '{"v":1}', { qos: 1 });
    await new Promise((r) => setTimeout(r, ms));
    c.sub.off('message', on);
    return got;
  }

  it('reloads the folder while running: add, change, delete a file; API rules stay', async () => {
    const dataDir = dataDirWith({});
    te = await startTestEngine({ dataDir });
    const rulesDir = path.join(dataDir, 'rules');
    const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      await iot.send(new CreateTopicRuleCommand({ ruleName: 'from_api', topicRulePayload: {
        sql: "SELECT 'api' AS by FROM 'in/api'", awsIotSqlVersion: '2016-03-23', actions: [{ republish: { topic: 'out/api', roleArn: ROLE } }] } }));
      const c = await clientsOf(te);
      await c.sub.subscribeAsync('out/#');

      // Add: a YAML file creates its rule.
      fs.writeFileSync(path.join(rulesDir, 'live.yaml'), `sql: SELECT 'v1' AS by FROM 'in/live'\nawsIotSqlVersion: '2016-03-23'\nactions:\n  - republish: { topic: out/live, roleArn: ${ROLE} }\n`);
      await rulesUntil((rs) => rs.some((r) => r.name === 'live'), 'the added rule');
      expect(await outputOf(c, 'in/live')).toEqual(['out/live {"by":"v1"}']);

      // Change: the rule is replaced (same name, new SQL), without a restart.
      fs.writeFileSync(path.join(rulesDir, 'live.yaml'), `sql: SELECT 'v2' AS by FROM 'in/live'\nawsIotSqlVersion: '2016-03-23'\nactions:\n  - republish: { topic: out/live, roleArn: ${ROLE} }\n`);
      await rulesUntil((rs) => rs.some((r) => r.name === 'live' && r.sql.includes('v2')), 'the changed rule');
      expect(await outputOf(c, 'in/live')).toEqual(['out/live {"by":"v2"}']);

      // A half-saved (malformed) file keeps the rule as it was, and says where the file is wrong.
      fs.writeFileSync(path.join(rulesDir, 'live.yaml'), "sql: SELECT 'v3' AS by FROM 'in/live'\nactions: [\n");
      await until(() => te!.logs.some((l) => /live\.yaml: not valid YAML at line \d+, column \d+/.test(l.message)), 5000, 'the parse error in the log');
      expect((await te.engine.api.rules.get('live')).sql).toContain('v2');
      expect(await outputOf(c, 'in/live')).toEqual(['out/live {"by":"v2"}']);

      // A file that defines the API rule's name takes over; deleting it gives the API rule back.
      fs.writeFileSync(path.join(rulesDir, 'shadowing.json'), JSON.stringify({ ruleName: 'from_api', topicRulePayload: {
        sql: "SELECT 'file' AS by FROM 'in/api'", awsIotSqlVersion: '2016-03-23', actions: [{ republish: { topic: 'out/api', roleArn: ROLE } }] } }));
      await rulesUntil((rs) => rs.some((r) => r.name === 'from_api' && r.source === 'file'), 'the file rule over the API rule');
      expect(await outputOf(c, 'in/api')).toEqual(['out/api {"by":"file"}']);
      fs.rmSync(path.join(rulesDir, 'shadowing.json'));
      await rulesUntil((rs) => rs.some((r) => r.name === 'from_api' && r.source === 'api'), 'the API rule back');
      expect(await outputOf(c, 'in/api')).toEqual(['out/api {"by":"api"}']);

      // Delete: the file's rule goes; the API rule stays.
      fs.rmSync(path.join(rulesDir, 'live.yaml'));
      await rulesUntil((rs) => !rs.some((r) => r.name === 'live'), 'the deleted rule to go');
      expect(await outputOf(c, 'in/live')).toEqual([]);
      expect((await iot.send(new GetTopicRuleCommand({ ruleName: 'from_api' }))).rule?.sql).toBe("SELECT 'api' AS by FROM 'in/api'");
      expect(await outputOf(c, 'in/api')).toEqual(['out/api {"by":"api"}']);
    } finally {
      iot.destroy();
    }
  });
});
