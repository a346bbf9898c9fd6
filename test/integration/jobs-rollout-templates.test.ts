/**
 * Job templates end to end: CreateJobTemplate / DescribeJobTemplate / ListJobTemplates / DeleteJobTemplate with
 * @aws-sdk/client-iot and Debian's AWS CLI v2 against a real engine, with the rollout, abort, timeout, retry and
 * presigned-URL policies as AWS returns them, documents from the local S3, and AWS's errors for bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateJobTemplateCommand, DeleteJobTemplateCommand, DescribeJobTemplateCommand, IoTClient, ListJobTemplatesCommand, paginateListJobTemplates,
} from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';

let te: TestEngine;
let iot: IoTClient;
let s3: S3Client;
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
  s3 = new S3Client({ region: 'us-east-1', endpoint: te.httpUrl, credentials, forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/update.json', Body: JSON.stringify({ operation: 'update', url: '${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/app.bin}' }) }));
  await s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/broken.json', Body: '{"operation":' }));
});

afterAll(async () => {
  iot?.destroy();
  s3?.destroy();
  await te?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}

const policies = {
  jobExecutionsRolloutConfig: { maximumPerMinute: 50, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 10 } } },
  abortConfig: { criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 20, minNumberOfExecutedThings: 10 }] },
  timeoutConfig: { inProgressTimeoutInMinutes: 30 },
  jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT' as const, numberOfRetries: 2 }] },
  presignedUrlConfig: { roleArn: 'arn:aws:iam::000000000000:role/JobsDownload', expiresInSec: 600 },
};

describe('job templates with the SDK', () => {
  it('creates a template from a document with every policy and describes it as AWS does', async () => {
    const document = JSON.stringify({ operation: 'update', version: '${aws:iot:parameter:version}' });
    const created = await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'fw-update', description: 'Firmware update', document, ...policies }));
    expect(created).toMatchObject({ jobTemplateId: 'fw-update', jobTemplateArn: 'arn:aws:iot:us-east-1:000000000000:jobtemplate/fw-update' });
    const t = await iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'fw-update' }));
    expect(t).toMatchObject({ jobTemplateId: 'fw-update', jobTemplateArn: created.jobTemplateArn, description: 'Firmware update', document, ...policies });
    expect(t.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(t.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(t.documentSource).toBeUndefined();
  });

  it('creates a template from a document source in the local S3', async () => {
    const source = 'https://s3.us-east-1.amazonaws.com/firmware/jobs/update.json';
    await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'from-s3', description: 'From S3', documentSource: source, maintenanceWindows: [{ startTime: 'cron(0 2 ? * SUN *)', durationInMinutes: 60 }] }));
    const t = await iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'from-s3' }));
    expect(t).toMatchObject({ documentSource: source, maintenanceWindows: [{ startTime: 'cron(0 2 ? * SUN *)', durationInMinutes: 60 }] });
    expect(t.document).toBeUndefined();
  });

  it('lists templates in pages and deletes them', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) await iot.send(new CreateJobTemplateCommand({ jobTemplateId: id, description: id, document: '{}' }));
    const first = await iot.send(new ListJobTemplatesCommand({ maxResults: 2 }));
    expect(first.jobTemplates).toHaveLength(2);
    expect(first.nextToken).toBeTruthy();
    const ids: string[] = [];
    for await (const page of paginateListJobTemplates({ client: iot, pageSize: 2 }, {})) ids.push(...page.jobTemplates!.map((t) => t.jobTemplateId!));
    expect(ids).toEqual(expect.arrayContaining(['fw-update', 'from-s3', 'page-a', 'page-b', 'page-c']));
    expect(new Set(ids).size).toBe(ids.length);
    const summary = first.jobTemplates![0];
    expect(Object.keys(summary).sort()).toEqual(['createdAt', 'description', 'jobTemplateArn', 'jobTemplateId']);
    await iot.send(new DeleteJobTemplateCommand({ jobTemplateId: 'page-b' }));
    expect(await failure(iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'page-b' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await failure(iot.send(new DeleteJobTemplateCommand({ jobTemplateId: 'page-b' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('answers AWS errors for a taken id, bad sources and out-of-range policies', async () => {
    const taken = await failure(iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'fw-update', description: 'again', document: '{}' })));
    expect(taken).toMatchObject({ name: 'ConflictException', status: 409 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 0 } }, "Value '0' at 'jobExecutionsRolloutConfig.maximumPerMinute' failed to satisfy constraint: Member must have value greater than or equal to 1"],
      [{ document: '{}', presignedUrlConfig: { expiresInSec: 3601 } }, 'Member must have value less than or equal to 3600'],
      [{ document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 0 } }, 'greater than or equal to 1'],
      [{ document: '{}', jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 11 }] } }, 'less than or equal to 10'],
      [{ document: '{}', abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 101, minNumberOfExecutedThings: 1 }] } }, 'less than or equal to 100'],
      [{ document: '{}', jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 1, incrementFactor: 6, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } } }, 'less than or equal to 5'],
      [{ document: 'not json' }, 'not valid JSON'],
      [{ document: '{}', documentSource: 'https://s3.amazonaws.com/firmware/jobs/update.json' }, 'Exactly one of'],
      [{}, 'Exactly one of'],
      [{ documentSource: 's3://firmware/jobs/update.json' }, 'not a valid S3 object URL'],
      [{ jobArn: 'arn:aws:iot:us-east-1:000000000000:thing/lamp' }, 'Invalid job ARN'],
    ];
    for (const [input, message] of cases) {
      const f = await failure(iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'bad', description: 'bad', ...input } as never)));
      expect(f, JSON.stringify(input)).toMatchObject({ name: 'InvalidRequestException', status: 400 });
      expect(f.message, JSON.stringify(input)).toContain(message);
    }
    const badId = await failure(iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'no spaces', description: 'x', document: '{}' })));
    expect(badId).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(await failure(iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'bad' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('keeps templates across a restart', async () => {
    await te.stop();
    te = await te.restart();
    iot.destroy();
    iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
    const t = await iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'fw-update' }));
    expect(t).toMatchObject({ description: 'Firmware update', ...policies });
  });
});

describeAwsCli('job templates with /usr/bin/aws', () => {
  it('creates, describes, lists and deletes a template as the CLI user types it', async () => {
    const opts = { endpoint: te.httpUrl };
    const created = await awsCliJson(['iot', 'create-job-template', '--job-template-id', 'cli-template', '--description', 'From the CLI',
      '--document', '{"operation":"reboot"}',
      '--job-executions-rollout-config', 'maximumPerMinute=10',
      '--abort-config', '{"criteriaList":[{"failureType":"ALL","action":"CANCEL","thresholdPercentage":12.5,"minNumberOfExecutedThings":4}]}',
      '--timeout-config', 'inProgressTimeoutInMinutes=15',
      '--job-executions-retry-config', '{"criteriaList":[{"failureType":"FAILED","numberOfRetries":3}]}',
      '--presigned-url-config', 'expiresInSec=120'], opts);
    expect(created).toEqual({ jobTemplateArn: 'arn:aws:iot:us-east-1:000000000000:jobtemplate/cli-template', jobTemplateId: 'cli-template' });
    const t = await awsCliJson(['iot', 'describe-job-template', '--job-template-id', 'cli-template'], opts);
    expect(t).toMatchObject({
      document: '{"operation":"reboot"}', jobExecutionsRolloutConfig: { maximumPerMinute: 10 }, timeoutConfig: { inProgressTimeoutInMinutes: 15 },
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 12.5, minNumberOfExecutedThings: 4 }] },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 3 }] }, presignedUrlConfig: { expiresInSec: 120 },
    });
    const listed = await awsCliJson(['iot', 'list-job-templates'], opts);
    expect(listed.jobTemplates.map((x: { jobTemplateId: string }) => x.jobTemplateId)).toContain('cli-template');
    const bad = await runAwsCli(['iot', 'create-job-template', '--job-template-id', 'cli-bad', '--description', 'x', '--document', '{}', '--presigned-url-config', 'expiresInSec=4000'], opts);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain('InvalidRequestException');
    await awsCliJson(['iot', 'delete-job-template', '--job-template-id', 'cli-template'], opts);
    const gone = await runAwsCli(['iot', 'describe-job-template', '--job-template-id', 'cli-template'], opts);
    expect(gone.stderr).toContain('ResourceNotFoundException');
  }, 120_000);

  it('creates a job from a template with document parameters and rollout policies, as the README shows', async () => {
    const opts = { endpoint: te.httpUrl };
    await awsCliJson(['iot', 'create-thing', '--thing-name', 'cli-lamp'], opts);
    await awsCliJson(['iot', 'create-job-template', '--job-template-id', 'ota', '--description', 'OTA update',
      '--document', '{"operation":"update","version":"${aws:iot:parameter:version}"}', '--timeout-config', 'inProgressTimeoutInMinutes=30'], opts);
    await awsCliJson(['iot', 'create-job', '--job-id', 'cli-fw-4', '--targets', 'arn:aws:iot:us-east-1:000000000000:thing/cli-lamp',
      '--job-template-arn', 'arn:aws:iot:us-east-1:000000000000:jobtemplate/ota', '--document-parameters', 'version=4.0',
      '--job-executions-rollout-config', '{"maximumPerMinute":50,"exponentialRate":{"baseRatePerMinute":5,"incrementFactor":2,"rateIncreaseCriteria":{"numberOfSucceededThings":10}}}',
      '--presigned-url-config', 'roleArn=arn:aws:iam::000000000000:role/JobsDownload,expiresInSec=600'], opts);
    const doc = await awsCliJson(['iot', 'get-job-document', '--job-id', 'cli-fw-4'], opts);
    expect(JSON.parse(doc.document)).toEqual({ operation: 'update', version: '4.0' });
    const job = await awsCliJson(['iot', 'describe-job', '--job-id', 'cli-fw-4'], opts);
    expect(job.job).toMatchObject({
      jobTemplateArn: 'arn:aws:iot:us-east-1:000000000000:jobtemplate/ota', timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      presignedUrlConfig: { expiresInSec: 600 }, jobExecutionsRolloutConfig: { maximumPerMinute: 50 },
    });
  }, 120_000);
});
