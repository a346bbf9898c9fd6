/**
 * The Jobs view in headless Chromium on a real engine: a job created with the AWS SDK appears with its executions,
 * and its status and counts change live as a device (MQTT.js on the Jobs device topics) works on it; an execution and
 * the job are cancelled from the view (AWS's refusal shown for what cannot be); job templates, AWS IoT Commands and
 * file streams made through the control plane are listed, and every empty tab says how to start.
 */
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateCommandCommand, CreateJobCommand, CreateJobTemplateCommand, CreateStreamCommand, CreateThingCommand, IoTClient,
} from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 15_000 };
const SHOTS = '/tmp/shots-uidev';
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const thingArn = (t: string) => `arn:aws:iot:us-east-1:000000000000:thing/${t}`;

describe.skipIf(!fs.existsSync(CHROMIUM))('the Jobs view', { timeout: 90_000 }, () => {
  let bm: BrowserMode;
  let iot: IoTClient;
  let device: MqttClient | undefined;

  beforeAll(async () => {
    bm = await startBrowserMode({
      tmpPrefix: 'tb-jobs-view-', viewport: { width: 1280, height: 800 },
      // Counts the calls the page makes, by method: the view reads jobs on the engine's jobs.changed, never on a timer.
      initScript: () => {
        const calls: Record<string, number> = {};
        (window as unknown as { rpcCalls: Record<string, number> }).rpcCalls = calls;
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (this: WebSocket, data: string) {
          const method = typeof data === 'string' ? (JSON.parse(data) as { method?: string }).method : undefined;
          if (method) calls[method] = (calls[method] ?? 0) + 1;
          send.call(this, data);
        };
      },
    });
    iot = new IoTClient({ endpoint: bm.info.endpoints.http, region: 'us-east-1', credentials });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 240_000); // builds the renderer first

  afterAll(async () => {
    await device?.endAsync();
    iot?.destroy();
    await bm?.stop();
  });

  const page = () => bm.page;
  const text = (selector: string) => page().textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const go = async (hash: string) => {
    await page().evaluate((h) => { location.hash = h; }, hash);
    await page().waitForSelector('[data-testid=jobs-view]', WAIT);
  };
  const executionStatus = (thing: string) => page().getAttribute(`[data-testid=execution-row][data-thing="${thing}"]`, 'data-status');

  it('says how to start on every tab while there is nothing', async () => {
    await page().click('[data-testid=nav-jobs]');
    await page().waitForSelector('[data-testid=job-list-empty]', WAIT);
    expect(await text('[data-testid=job-list-empty]')).toContain('aws iot create-job');
    await screens(bm, SHOTS, 'jobs-empty');
    for (const [tab, empty, says] of [
      ['templates', 'template-list-empty', 'create-job-template'], ['provisioning', 'provisioning-list-empty', 'create-provisioning-template'],
      ['commands', 'command-list-empty', 'create-command'], ['streams', 'stream-list-empty', 'create-stream'],
    ] as const) {
      await page().click(`[data-testid=tab-${tab}]`);
      await page().waitForSelector(`[data-testid=${empty}]`, WAIT);
      expect(await text(`[data-testid=${empty}]`)).toContain(says);
      if (tab === 'provisioning') expect(await text('[data-testid=registration-tasks-empty]')).toContain('start-thing-registration-task');
    }
  });

  it('shows a job made with the SDK with its executions, and follows a device working on it live', async () => {
    for (const t of ['pump-1', 'pump-2', 'pump-3']) await iot.send(new CreateThingCommand({ thingName: t }));
    await iot.send(new CreateJobCommand({
      jobId: 'pump-fw', targets: ['pump-1', 'pump-2', 'pump-3'].map(thingArn), document: '{"operation":"update","version":"2.1"}',
      description: 'Pump firmware 2.1', timeoutConfig: { inProgressTimeoutInMinutes: 10 }, jobExecutionsRolloutConfig: { maximumPerMinute: 50 },
    }));
    await go('#/jobs/jobs');
    await page().waitForSelector('[data-testid=job-row][data-job="pump-fw"][data-status="IN_PROGRESS"]', WAIT);
    await page().click('[data-testid=job-row][data-job="pump-fw"]');
    await page().waitForSelector('[data-testid=job-detail]', WAIT);
    expect(await text('[data-testid=job-status]')).toBe('IN_PROGRESS');
    expect(await text('[data-testid=job-document]')).toContain('2.1');
    expect(await text('[data-testid=job-settings]')).toMatch(/inProgressTimeoutInMinutes.*10/);
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=execution-row][data-status=QUEUED]').length === 3, null, WAIT);
    expect(await text('[data-testid=job-count-queued]')).toBe('queued 3');

    // A device takes its execution and succeeds, over MQTT as on AWS; the view follows it on jobs.changed, reading
    // that job again (not the whole list, and nothing on a timer).
    const calls = () => page().evaluate(() => ({ ...(window as unknown as { rpcCalls: Record<string, number> }).rpcCalls }));
    const before = await calls();
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'pump-1', reconnectPeriod: 0 });
    const update = async (status: string) => {
      const topic = '$aws/things/pump-1/jobs/pump-fw/update';
      await device!.subscribeAsync(`${topic}/accepted`, { qos: 1 });
      const accepted = new Promise<void>((resolve) => device!.on('message', (t) => { if (t === `${topic}/accepted`) resolve(); }));
      await device!.publishAsync(topic, JSON.stringify({ status, statusDetails: { step: status.toLowerCase() } }), { qos: 1 });
      await accepted;
    };
    await update('IN_PROGRESS');
    await page().waitForFunction(() => document.querySelector('[data-testid=execution-row][data-thing="pump-1"]')?.getAttribute('data-status') === 'IN_PROGRESS', null, WAIT);
    expect(await text('[data-testid=job-count-inProgress]')).toBe('in progress 1');
    await screens(bm, SHOTS, 'jobs-rollout');
    await update('SUCCEEDED');
    await page().waitForFunction(() => document.querySelector('[data-testid=execution-row][data-thing="pump-1"]')?.getAttribute('data-status') === 'SUCCEEDED', null, WAIT);
    expect(await text('[data-testid=execution-row][data-thing="pump-1"]')).toContain('step=succeeded');
    expect(await text('[data-testid=job-count-succeeded]')).toBe('succeeded 1');
    const after = await calls();
    expect(after['jobs.list'] ?? 0).toBe(before['jobs.list'] ?? 0);
    expect(after['jobs.describe']).toBeGreaterThan(before['jobs.describe'] ?? 0);

    // The status chips filter the executions.
    await page().click('[data-testid=job-count-succeeded]');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=execution-row]').length === 1, null, WAIT);
    await page().click('[data-testid=job-count-succeeded]');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=execution-row]').length === 3, null, WAIT);
  });

  it('cancels an execution and then the job from the view', async () => {
    await go('#/jobs/jobs/pump-fw');
    await page().waitForSelector('[data-testid=execution-row][data-thing="pump-2"] [data-testid=execution-cancel]', WAIT);
    await page().click('[data-testid=execution-row][data-thing="pump-2"] [data-testid=execution-cancel]');
    await page().waitForFunction(() => document.querySelector('[data-testid=execution-row][data-thing="pump-2"]')?.getAttribute('data-status') === 'CANCELED', null, WAIT);
    expect((await bm.engine.api.jobs.executions({ jobId: 'pump-fw', thing: 'pump-2' }))[0].status).toBe('CANCELED');
    expect(await executionStatus('pump-3')).toBe('QUEUED');

    await page().click('[data-testid=job-cancel]');
    await page().fill('[data-testid=job-cancel-form] input[aria-label=Comment]', 'pumps stay on 2.0');
    await screens(bm, SHOTS, 'jobs-cancel');
    await page().click('[data-testid=job-cancel-confirm]');
    await page().waitForFunction(() => document.querySelector('[data-testid=job-status]')?.textContent === 'CANCELED', null, WAIT);
    expect(await executionStatus('pump-3')).toBe('CANCELED');
    expect(await executionStatus('pump-1')).toBe('SUCCEEDED');
    expect(await text('[data-testid=job-detail]')).toContain('pumps stay on 2.0');
    await page().waitForSelector('[data-testid=job-row][data-job="pump-fw"][data-status="CANCELED"]', WAIT);
    expect(await bm.engine.api.jobs.describe('pump-fw')).toMatchObject({ status: 'CANCELED', comment: 'pumps stay on 2.0' });
  });

  it('lists job templates, commands with their executions and file streams', async () => {
    await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'pump-template', description: 'Pump update', document: '{"operation":"update"}', timeoutConfig: { inProgressTimeoutInMinutes: 3 } }));
    await go('#/jobs/templates');
    await page().click('[data-testid=template-row][data-key="pump-template"]');
    await page().waitForSelector('[data-testid=template-detail]', WAIT);
    expect(await text('[data-testid=template-document]')).toContain('update');
    expect(await text('[data-testid=template-settings]')).toContain('inProgressTimeoutInMinutes');
    await screens(bm, SHOTS, 'jobs-template');

    await iot.send(new CreateCommandCommand({ commandId: 'pump-stop', namespace: 'AWS-IoT', displayName: 'Stop the pump', payload: { content: Buffer.from('{"stop":true}'), contentType: 'application/json' } }));
    await go('#/jobs/commands');
    await page().click('[data-testid=command-row][data-key="pump-stop"]');
    await page().waitForSelector('[data-testid=command-detail]', WAIT);
    expect(await text('[data-testid=command-detail]')).toContain('Not run yet');
    await screens(bm, SHOTS, 'jobs-command');

    const s3 = new S3Client({ endpoint: bm.info.endpoints.http, region: 'us-east-1', credentials, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'ota' }));
      await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'pump.bin', Body: Buffer.alloc(4096, 1) }));
    } finally {
      s3.destroy();
    }
    await iot.send(new CreateStreamCommand({ streamId: 'pump-stream', roleArn: 'arn:aws:iam::000000000000:role/r', files: [{ fileId: 0, s3Location: { bucket: 'ota', key: 'pump.bin' } }] }));
    await go('#/jobs/streams');
    await page().waitForSelector('[data-testid=stream-row][data-stream="pump-stream"]', { timeout: 15_000 });
    expect(await text('[data-testid=stream-row][data-stream="pump-stream"]')).toContain('s3://ota/pump.bin');
    await screens(bm, SHOTS, 'jobs-streams');
    expect(bm.pageProblems).toEqual([]);
  });
});
