/**
 * A virtual device's job behaviour on the files a job document names, against a real engine: a presigned URL of the
 * local S3 (made with `@aws-sdk/s3-request-presigner`), a file of an MQTT stream (CreateStream, fetched block by
 * block over `$aws/things/{thing}/streams/…`), an AWS OTA (`afr_ota`) document, ECDSA code signatures checked against
 * the certificate in the document (made with openssl), and what the device does with what it cannot use: a bad
 * signature or a missing object ends FAILED with the reason in `statusDetails`, a document it does not understand is
 * REJECTED. The device's own updates show its progress: start, download 50 % and 100 %, apply, then the outcome.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { CreateJobCommand, CreateStreamCommand, CreateThingCommand, DescribeJobExecutionCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { deviceSpecFromModel, loadDeviceModel, VirtualDevice, type JobEvent } from '../../engine/devices/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const THING = 'ota-device';
const MODEL = `
name: ota
identity:
  thingName: ${THING}
shadow:
  initial: { fw: "1.0.0" }
jobs:
  operations: [firmware-update]
  applyDelay: 10ms
  progressReports: 2
  blockSize: 1024
  report: { fw: "{document.version ? document.version : shadow.fw}" }
`;

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const firmware = crypto.randomBytes(50_000 + 17); // 49 blocks of 1 KB and a short one: two GetStream windows
const sha256 = crypto.createHash('sha256').update(firmware).digest('hex');
let te: TestEngine;
let iot: IoTClient;
let s3: S3Client;
let data: IoTDataPlaneClient;
let device: VirtualDevice;
let certificate: string;
let signature: string;
const jobEvents: JobEvent[] = [];
const updates: Array<{ topic: string; body: Record<string, unknown> }> = [];
const streamRequests: Array<{ topic: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
  data = new IoTDataPlaneClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'v2.bin', Body: firmware }));
  await iot.send(new CreateStreamCommand({ streamId: 'fw-v2', roleArn: 'arn:aws:iam::000000000000:role/streams', files: [{ fileId: 0, s3Location: { bucket: 'firmware', key: 'v2.bin' } }] }));
  await iot.send(new CreateThingCommand({ thingName: THING }));

  // A code-signing key and certificate (ECDSA P-256), as a signing profile would have.
  const dir = tempDir('tb-devjobs-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'),
    '-out', path.join(dir, 'cert.pem'), '-subj', '/CN=firmware-signer', '-days', '1'], { stdio: 'ignore' });
  certificate = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  signature = crypto.sign('sha256', firmware, fs.readFileSync(path.join(dir, 'key.pem'), 'utf8')).toString('base64');

  device = new VirtualDevice(deviceSpecFromModel(loadDeviceModel(MODEL, 'ota.yaml'), { index: 0, seed: 1, url: `mqtt://127.0.0.1:${te.mqttPort}` }));
  device.events.on('job', (e) => jobEvents.push(e));
  device.events.on('published', ({ topic, payload }) => {
    const body = () => JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    if (topic.startsWith(`$aws/things/${THING}/jobs/`)) updates.push({ topic, body: body() });
    if (topic.startsWith(`$aws/things/${THING}/streams/`)) streamRequests.push({ topic, body: body() });
  });
  const connected = new Promise<void>((resolve) => { const sub = device.events.on('connected', () => { sub.dispose(); resolve(); }); });
  device.start();
  await connected;
});
afterAll(async () => {
  await device?.stop();
  for (const c of [iot, s3, data]) c?.destroy();
  await te?.stop();
});

/** Creates a job for the device and resolves with its execution once terminal. */
async function runJob(jobId: string, document: object) {
  await iot.send(new CreateJobCommand({ jobId, targets: [`arn:aws:iot:us-east-1:000000000000:thing/${THING}`], document: JSON.stringify(document) }));
  return terminal(jobId);
}

async function terminal(jobId: string) {
  let execution: Awaited<ReturnType<typeof executionOf>> | undefined;
  await vi.waitFor(async () => {
    execution = await executionOf(jobId);
    expect(['SUCCEEDED', 'FAILED', 'REJECTED']).toContain(execution?.status);
  }, { timeout: 20_000, interval: 50 });
  return execution!;
}
const executionOf = async (jobId: string) => (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName: THING }))).execution;

async function reportedFw(): Promise<unknown> {
  const out = await data.send(new GetThingShadowCommand({ thingName: THING }));
  return (JSON.parse(Buffer.from(out.payload!).toString('utf8')) as { state: { reported: { fw?: unknown } } }).state.reported.fw;
}

const updatesOf = (jobId: string) => updates.filter((u) => u.topic === `$aws/things/${THING}/jobs/${jobId}/update`).map((u) => u.body);

describe('files of a job document', () => {
  it('downloads a presigned local-S3 URL, checks size, SHA-256 and the ECDSA signature, reports its progress, applies and reports fw', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'firmware', Key: 'v2.bin' }), { expiresIn: 600 });
    expect(url).toContain('X-Amz-Signature=');
    const execution = await runJob('https-signed', {
      operation: 'firmware-update', version: '2.0.0',
      files: [{ fileName: 'v2.bin', url, fileSize: firmware.length, sha256, 'sig-sha256-ecdsa': signature, certfile: certificate }],
    });
    expect(execution).toMatchObject({ status: 'SUCCEEDED', statusDetails: { detailsMap: { step: 'done' } }, executionNumber: 1 });
    expect(updatesOf('https-signed')).toEqual([
      { status: 'IN_PROGRESS', statusDetails: { step: 'download', progress: '50%' } },
      { status: 'IN_PROGRESS', statusDetails: { step: 'download', progress: '100%' } },
      { status: 'IN_PROGRESS', statusDetails: { step: 'apply' } },
      { status: 'SUCCEEDED', statusDetails: { step: 'done' } },
    ]);
    await vi.waitFor(async () => expect(await reportedFw()).toBe('2.0.0'));
  });

  it('fetches a file of an MQTT stream block by block (two GetStream windows), and an AWS OTA document from its stream', async () => {
    const execution = await runJob('stream', { operation: 'firmware-update', version: '2.1.0', files: [{ fileName: 'v2.bin', streamId: 'fw-v2', fileId: 0, sha256 }] });
    expect(execution.status).toBe('SUCCEEDED');
    // The size was not in the document: DescribeStream first, then blocks 0–31 and 32–48 of 1 KB.
    expect(streamRequests.map((r) => [r.topic.split('/').slice(-2).join('/'), r.body.o, r.body.n, r.body.l])).toEqual([
      ['describe/json', undefined, undefined, undefined], ['get/json', 0, 32, 1024], ['get/json', 32, 17, 1024],
    ]);
    await vi.waitFor(async () => expect(await reportedFw()).toBe('2.1.0'));
    const ota = await runJob('ota', {
      afr_ota: { protocols: ['MQTT'], streamname: 'fw-v2', files: [{ filepath: '/fw/v2.bin', filesize: firmware.length, fileid: 0, certfile: certificate, 'sig-sha256-ecdsa': signature }] },
    });
    expect(ota.status).toBe('SUCCEEDED');
  });

  it('ends FAILED with the reason for a bad signature, a wrong size and a missing object, and keeps its firmware', async () => {
    const before = await reportedFw();
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'firmware', Key: 'v2.bin' }), { expiresIn: 600 });
    const badSignature = crypto.createHash('sha256').update('another file').digest('base64');
    const bad = await runJob('bad-signature', { operation: 'firmware-update', version: '9.9.9', files: [{ fileName: 'v2.bin', url, 'sig-sha256-ecdsa': badSignature, certfile: certificate }] });
    expect(bad).toMatchObject({ status: 'FAILED', statusDetails: { detailsMap: { reason: 'v2.bin: signature verification failed' } } });
    const size = await runJob('wrong-size', { operation: 'firmware-update', version: '9.9.9', files: [{ fileName: 'v2.bin', url, fileSize: 10 }] });
    expect(size).toMatchObject({ status: 'FAILED', statusDetails: { detailsMap: { reason: `v2.bin: ${firmware.length} bytes, the document says 10` } } });
    const missing = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'firmware', Key: 'nope.bin' }), { expiresIn: 600 });
    const gone = await runJob('missing-object', { operation: 'firmware-update', version: '9.9.9', url: missing });
    expect(gone).toMatchObject({ status: 'FAILED', statusDetails: { detailsMap: { reason: 'download answered HTTP 404' } } });
    const noStream = await runJob('missing-stream', { operation: 'firmware-update', version: '9.9.9', streamId: 'no-such-stream', fileId: 0 });
    expect(noStream.status).toBe('FAILED');
    expect(noStream.statusDetails?.detailsMap?.reason).toMatch(/^the stream request was rejected: ResourceNotFound/);
    expect(await reportedFw()).toBe(before);
  });

  it('REJECTS documents it does not understand, and takes jobs queued meanwhile one after the other', async () => {
    const target = [`arn:aws:iot:us-east-1:000000000000:thing/${THING}`];
    await iot.send(new CreateJobCommand({ jobId: 'reboot', targets: target, document: JSON.stringify({ operation: 'reboot' }) }));
    await iot.send(new CreateJobCommand({ jobId: 'no-source', targets: target, document: JSON.stringify({ operation: 'firmware-update', files: [{ fileName: 'x' }] }) }));
    await iot.send(new CreateJobCommand({ jobId: 'plain', targets: target, document: JSON.stringify({ operation: 'firmware-update', version: '3.0.0' }) }));
    expect(await terminal('reboot')).toMatchObject({ status: 'REJECTED', statusDetails: { detailsMap: { reason: "unsupported operation 'reboot'" } } });
    expect(await terminal('no-source')).toMatchObject({ status: 'REJECTED', statusDetails: { detailsMap: { reason: 'file x names no url and no stream' } } });
    expect(await terminal('plain')).toMatchObject({ status: 'SUCCEEDED' });
    // The device took them in the order they were queued, each once.
    const taken = jobEvents.filter((e) => e.status === 'IN_PROGRESS' && ['reboot', 'no-source', 'plain'].includes(e.jobId)).map((e) => e.jobId);
    expect(taken).toEqual(['reboot', 'no-source', 'plain']);
    await vi.waitFor(async () => expect(await reportedFw()).toBe('3.0.0'));
  });
});
