/**
 * Screenshots of the UI for looking at it while building it: every view (or the ones named) at 1280 and 900 px wide,
 * light and dark, on a fresh engine with a little traffic and a rule and a shadow to show.
 *
 *   npx tsx test/tools/ui-screens.ts [--out DIR] [view…]        e.g. `npx tsx test/tools/ui-screens.ts topics rules`
 *
 * A view may carry its route's parameters: `shadows/kitchen-thermostat` opens that thing's classic shadow,
 * `rules/hot_kitchen` that rule.
 *
 * Look at the PNGs it lists before calling a view done (ARCHITECTURE §7a; the developers' guide: "Looks matter").
 */
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { startBrowserMode } from '../helpers/browser-mode.js';
import { seedRegistry } from '../helpers/registry-sample.js';
import { makeCertificate } from '../../engine/scenarios/steps/certificate.js';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args.splice(outAt, 2)[1] : '/tmp/thingbench-screens';
const views = args.length ? args : ['topics', 'pipeline', 'shadows', 'rules', 'registry', 'sinks', 'sql', 'devices', 'labs', 'logs', 'cost', 'targets'];

fs.mkdirSync(out, { recursive: true });
const bm = await startBrowserMode({ tmpPrefix: 'tb-screens-', viewport: { width: 1280, height: 800 } });
try {
  const device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'kitchen-thermostat', reconnectPeriod: 0 });
  await bm.engine.api.rules.put('hot_kitchen', {
    sql: "SELECT temp, deviceId, topic(2) AS room FROM 'home/+/telemetry' WHERE temp > 25",
    actions: [{ republish: { topic: 'alerts/${topic(2)}', qos: 1 } }],
    errorAction: { republish: { topic: 'errors/rules' } },
  });
  // Sinks for the Sinks view (`sinks/queue/readings`, `sinks/table/Latest`): the rule below fills them.
  await bm.engine.api.sinks.create('queue', 'readings');
  await bm.engine.api.sinks.create('table', 'Latest', { hashKey: { name: 'room', type: 'S' } });
  await bm.engine.api.sinks.create('log', '/thingbench/telemetry');
  await bm.engine.api.rules.put('to_sinks', {
    sql: "SELECT *, topic(2) AS room FROM 'home/+/telemetry'",
    actions: [
      { sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/readings', roleArn: 'arn:aws:iam::000000000000:role/rules' } },
      { dynamoDBv2: { putItem: { tableName: 'Latest' }, roleArn: 'arn:aws:iam::000000000000:role/rules' } },
      { cloudwatchLogs: { logGroupName: '/thingbench/telemetry', roleArn: 'arn:aws:iam::000000000000:role/rules' } },
    ],
  });
  for (let i = 0; i < 12; i++) {
    await device.publishAsync(`home/${['kitchen', 'garage', 'attic'][i % 3]}/telemetry`, JSON.stringify({ deviceId: 'kitchen-thermostat', temp: 20 + i, humidity: 40 + i }), { qos: 1 });
  }
  await device.publishAsync('home/kitchen/status', 'online', { qos: 1, retain: true });
  await bm.engine.api.shadow.update('kitchen-thermostat', { state: { desired: { mode: 'heat', target: 22 }, reported: { mode: 'off', target: 22 } } });
  await bm.engine.api.shadow.update('kitchen-thermostat', { state: { desired: { target: 23, schedule: { morning: 21, night: 18 } }, reported: { temp: 20.5 } } });
  await bm.engine.api.shadow.update('kitchen-thermostat', { state: { desired: { mode: 'heat' } } }, 'config');
  await bm.engine.api.shadow.update('garage-door', { state: { reported: { open: false, battery: 87 } } });
  await device.endAsync();
  await seedRegistry(bm.info.endpoints.http);
  // A remote target for the Targets view (not reachable: its test says why).
  await bm.engine.api.targets.put('trainer', { kind: 'thingbench', mqttUrl: 'mqtt://trainer.local:1883', endpoint: 'http://trainer.local:8080', region: 'eu-west-1' });
  // A registered CA with JITR on (`registry/cas`) and a second version of a policy (`registry/policies/home-device`).
  const workshopCa = makeCertificate({ name: 'ca', subject: { CN: 'Workshop CA', O: 'Thingbench' }, ca: true, key: 'ec' });
  await bm.engine.api.security.registerCaCertificate({ caCertificatePem: workshopCa.certificatePem, certificateMode: 'SNI_ONLY', setAsActive: true, allowAutoRegistration: true });
  const homeDevice = (await bm.engine.api.security.policies()).find((p) => p.name === 'home-device');
  if (homeDevice) await bm.engine.api.security.putPolicy('home-device', homeDevice.document.replace('iot:Connect', 'iot:Connect*'));

  // A fleet with a dropped turbine (`devices/fleets/fleet-1`) and a finished run (`devices/scenarios/run-1`).
  const until = async (ok: () => Promise<boolean>) => { for (let i = 0; i < 100 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 100)); };
  const fleet = await bm.engine.api.devices.start({ model: 'wind-turbine', count: 40, seed: 1 });
  await until(async () => (await bm.engine.api.devices.list()).some((f) => f.id === fleet.id && f.counters?.connected === 40));
  await bm.engine.api.devices.fault(fleet.id, { kind: 'drop', reconnect: false }, ['turbine-002']);
  const run = await bm.engine.api.scenarios.run({ text: [
    'name: echo check', 'steps:', '  - publish: { topic: echo/one, payload: { n: 1, unit: C } }',
    '  - name: the echo arrives', '    expect: { topic: "echo/+", json: { unit: C }, within: 5s }',
    '  - name: a unit nobody sends', '    expect: { topic: "echo/+", json: { unit: F }, within: 300ms }',
  ].join('\n') });
  await until(async () => (await bm.engine.api.scenarios.runs()).some((r) => r.id === run.id && r.state !== 'running'));

  for (const theme of ['light', 'dark'] as const) {
    await bm.page.evaluate((t) => localStorage.setItem('thingbench.theme', t), theme);
    for (const width of [1280, 900]) {
      await bm.page.setViewportSize({ width, height: 800 });
      for (const view of views) {
        await bm.page.evaluate((v) => { location.hash = `#/${v}`; }, view);
        await bm.page.reload();
        await bm.page.waitForSelector(`[data-testid=view-${view.split('/')[0]}]`);
        await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]');
        await bm.page.waitForTimeout(600); // let live data and fonts settle: this is a picture, not a test
        const file = path.join(out, `${view.replaceAll('/', '_')}-${width}-${theme}.png`);
        await bm.page.screenshot({ path: file });
        console.log(file);
      }
    }
  }
  if (bm.pageProblems.length) console.log(`page problems:\n${bm.pageProblems.join('\n')}`);
} finally {
  await bm.stop();
}
