/**
 * The logs view in headless Chromium: a publish a policy denies (a real device over mutual TLS) shows why it was
 * denied (action, resource, the deciding statement, the policy variables), and an AWS-mode explanation of a dropped
 * message shows in the log with its topic, found by the level, source and text filters, and beside the topics in the
 * topic explorer. `TB_SCREENS=<dir>` also
 * writes screenshots at 1280 and 900 px, light and dark.
 */
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { closed, tlsConnect } from '../integration/helpers/tls-client.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 10_000 };
const ACCOUNT = 'arn:aws:iot:us-east-1:000000000000';

describe.skipIf(!fs.existsSync(CHROMIUM))('the logs view', () => {
  let bm: BrowserMode;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-logs-', viewport: { width: 1280, height: 800 } });
    await bm.page.evaluate(() => { location.hash = '#/logs'; });
    await bm.page.waitForSelector('[data-testid=log-list]', WAIT);
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await bm?.stop();
  });

  it('shows why a denied publish was denied', async () => {
    const iot = new IoTClient({ endpoint: bm.info.endpoints.http, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName: 'thermostat', policyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iot:Connect', 'iot:Publish'], Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Publish', Resource: `${ACCOUNT}:topic/\${iot:ClientId}/admin` },
      ],
    }) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'thermostat', target: cert.certificateArn }));
    const ca = fs.readFileSync(path.join(bm.engine.config.dataDir, 'security', 'root-ca.pem'), 'utf8');
    const r = await tlsConnect(bm.info.endpoints.mqtts, { key: cert.keyPair!.PrivateKey!, cert: cert.certificatePem!, ca }, { clientId: 'thermostat-1' });
    expect(r.error).toBeUndefined();
    const gone = closed(r.client!);
    r.client!.publish('thermostat-1/admin', 'reboot', { qos: 1 });
    await gone; // AWS closes an MQTT 3.1.1 connection whose publish is denied

    const why = bm.page.locator('[data-testid=denial-why]');
    await why.waitFor(WAIT);
    expect(await why.locator('[data-testid=denial-action]').textContent()).toBe('iot:Publish');
    expect(await why.locator('[data-testid=denial-resource]').textContent()).toBe(`${ACCOUNT}:topic/thermostat-1/admin`);
    expect(await why.locator('[data-testid=denial-decision]').textContent()).toMatch(/explicit Deny: statement 1 of policy\s+thermostat\s+\(version 1\)/);
    expect(await why.locator('[data-testid=denial-reason]').textContent()).toBe('explicitly denied by thermostat (version 1) statement 1');
    expect(JSON.parse((await why.locator('[data-testid=denial-statement]').textContent())!)).toEqual({ Effect: 'Deny', Action: 'iot:Publish', Resource: `${ACCOUNT}:topic/\${iot:ClientId}/admin` });
    expect(await why.locator('[data-testid=denial-variables]').textContent()).toContain('${iot:ClientId}thermostat-1');
    expect(await bm.page.locator('[data-testid=denial-row]').count()).toBe(1);
    // The denial is in the engine log too, under its source.
    await bm.page.selectOption('[data-testid=log-source]', 'security');
    await bm.page.locator('[data-testid=log-row][data-source=security]', { hasText: 'denied iot:Publish' }).waitFor(WAIT);
  });

  it('shows the AWS-mode explanation of a dropped message with its topic, found by filters', async () => {
    const device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'qos2-sender', reconnectPeriod: 0 });
    device.publish('factory/line-3/qos2', 'x', { qos: 2 }); // AWS IoT drops QoS 2 and answers nothing
    await device.publishAsync('factory/line-3/after', 'marker', { qos: 1 }); // acknowledged after the QoS 2 one was handled
    device.end(true);

    await bm.page.selectOption('[data-testid=log-source]', 'broker');
    await bm.page.selectOption('[data-testid=log-level]', 'warn');
    await bm.page.fill('[data-testid=log-text]', 'line-3');
    const row = bm.page.locator('[data-testid=log-row][data-source="broker.aws"]');
    await row.first().waitFor(WAIT);
    expect(await row.count()).toBe(1);
    expect(await row.locator('[data-testid=log-topic]').textContent()).toBe('factory/line-3/qos2');
    expect(await row.textContent()).toContain('AWS IoT does not support QoS 2');
    await row.click();
    expect(await bm.page.textContent('[data-testid=log-detail]')).toContain('"deviation": "qos2Publish"');

    await bm.page.selectOption('[data-testid=log-level]', 'error');
    await bm.page.waitForSelector('[data-testid=log-empty]', WAIT);
    await bm.page.selectOption('[data-testid=log-level]', 'info');
    await bm.page.fill('[data-testid=log-text]', '');
    await bm.page.selectOption('[data-testid=log-source]', '');

    if (process.env.TB_SCREENS) await screens(bm, process.env.TB_SCREENS, 'logs');

    // The topic explorer shows it as a notice beside the topics: a dropped message leaves no topic of its own.
    await bm.page.click('[data-testid=nav-topics]');
    const notice = bm.page.locator('[data-testid=aws-notices]');
    await notice.waitFor(WAIT);
    expect(await notice.locator('[data-testid=aws-notice-latest]').textContent()).toMatch(/AWS IoT does not support QoS 2.*factory\/line-3\/qos2/);
    await notice.locator('button.summary').click();
    expect(await notice.locator('[data-testid=aws-notice][data-topic="factory/line-3/qos2"]').count()).toBe(1);
    if (process.env.TB_SCREENS) await screens(bm, process.env.TB_SCREENS, 'topics-notice');
    expect(bm.pageProblems).toEqual([]);
  });
});
