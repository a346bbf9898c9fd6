/**
 * A lab reset on a local target removes the device-management resources under the lab's names: jobs (force-deleted,
 * with their queued executions), job templates, AWS IoT file streams, signing profiles (canceled) and provisioning
 * templates, and leaves another
 * attendee's alone. The lab is lab 14 with a job template and a file stream added to its names.
 */
import {
  CreateJobCommand, CreateJobTemplateCommand, CreateProvisioningTemplateCommand, CreateStreamCommand, CreateThingCommand, IoTClient,
  ListJobTemplatesCommand, ListJobsCommand, ListProvisioningTemplatesCommand, ListStreamsCommand,
} from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSigningProfilesCommand, PutSigningProfileCommand, SignerClient } from '@aws-sdk/client-signer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findLab, labInventory, loadCatalogue, namePrefix, resetLab, type Lab } from '../../engine/labs/index.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';

let target: Target;
let lab: Lab;

beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-dm-lab-') });
  const l14 = findLab(loadCatalogue(), 14);
  lab = { ...l14, names: [...l14.names, { ...l14.names[0], variable: 'OTA', kind: 'jobTemplate', base: 'ota' }, { ...l14.names[0], variable: 'FILES', kind: 'fileStream', base: 'files' }] } as Lab;
}, 60_000);
afterAll(async () => {
  await target?.close();
});

it('force-deletes the lab\'s jobs and deletes its job templates, file streams and provisioning templates, no one else\'s', async () => {
  const aws = target.aws!;
  const config = { region: aws.region, endpoint: aws.endpoint, credentials: aws.credentials as { accessKeyId: string; secretAccessKey: string } };
  const iot = new IoTClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const signer = new SignerClient(config);
  try {
    const mine = (kind: Parameters<typeof namePrefix>[0], base: string) => `${namePrefix(kind, lab.id, 'bob')}${base}`;
    const thing = await iot.send(new CreateThingCommand({ thingName: mine('thing', 'fw-01') }));
    await s3.send(new CreateBucketCommand({ Bucket: 'dm-reset-firmware' }));
    await s3.send(new PutObjectCommand({ Bucket: 'dm-reset-firmware', Key: 'fw.bin', Body: Buffer.alloc(1000, 1) }));
    const role = 'arn:aws:iam::000000000000:role/any';
    const body = JSON.stringify({ Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'x' } } } });
    for (const who of [(k: Parameters<typeof namePrefix>[0], b: string) => mine(k, b), (_k: unknown, b: string) => `alice-${b}`]) {
      await iot.send(new CreateJobCommand({ jobId: who('job', 'fw-2'), targets: [thing.thingArn!], document: '{"operation":"firmware-update"}' }));
      await iot.send(new CreateJobTemplateCommand({ jobTemplateId: who('jobTemplate', 'ota'), description: 'OTA', document: '{"operation":"firmware-update"}' }));
      await iot.send(new CreateStreamCommand({ streamId: who('fileStream', 'files'), roleArn: role, files: [{ fileId: 0, s3Location: { bucket: 'dm-reset-firmware', key: 'fw.bin' } }] }));
      await iot.send(new CreateProvisioningTemplateCommand({ templateName: who('template', 'fleet'), templateBody: body, provisioningRoleArn: role }));
      await signer.send(new PutSigningProfileCommand({ profileName: who('signingProfile', 'firmware').replace(/-/g, '_'), platformId: 'AmazonFreeRTOS-Default' }));
    }
    const before = (await labInventory(lab, target, { attendee: 'bob' })).map((r) => `${r.kind} ${r.name}`).sort();
    expect(before).toEqual([`fileStream ${mine('fileStream', 'files')}`, `job ${mine('job', 'fw-2')}`, `jobTemplate ${mine('jobTemplate', 'ota')}`, `signingProfile ${mine('signingProfile', 'firmware')}`, `thing ${mine('thing', 'fw-01')}`]);
    const reset = await resetLab(lab, target, { attendee: 'bob' });
    expect(reset.errors).toEqual([]);
    expect(reset.removed.map((r) => `${r.kind} ${r.name}`).sort()).toEqual(before);
    expect((await iot.send(new ListJobsCommand({}))).jobs?.map((j) => j.jobId)).toEqual(['alice-fw-2']);
    expect((await iot.send(new ListJobTemplatesCommand({}))).jobTemplates?.map((j) => j.jobTemplateId)).toEqual(['alice-ota']);
    expect((await iot.send(new ListStreamsCommand({}))).streams?.map((x) => x.streamId)).toEqual(['alice-files']);
    // Signing profiles are canceled, as AWS keeps them: listed only with includeCanceled.
    expect((await signer.send(new ListSigningProfilesCommand({}))).profiles?.map((p) => p.profileName)).toEqual(['alice_firmware']);
    const all = (await signer.send(new ListSigningProfilesCommand({ includeCanceled: true }))).profiles ?? [];
    expect(all.find((p) => p.profileName === mine('signingProfile', 'firmware'))?.status).toBe('Canceled');
    // Lab 14 names no provisioning template: a lab removes only the kinds it names; lab 13's are removed likewise.
    expect((await iot.send(new ListProvisioningTemplatesCommand({}))).templates?.map((t) => t.templateName).sort()).toEqual(['alice-fleet', mine('template', 'fleet')]);
    const l13 = findLab(loadCatalogue(), 13);
    const r13 = await resetLab({ ...l13, id: lab.id } as Lab, target, { attendee: 'bob' });
    expect(r13.removed.map((r) => `${r.kind} ${r.name}`)).toEqual([`template ${mine('template', 'fleet')}`]);
    expect((await iot.send(new ListProvisioningTemplatesCommand({}))).templates?.map((t) => t.templateName)).toEqual(['alice-fleet']);
  } finally {
    iot.destroy();
    s3.destroy();
    signer.destroy();
  }
}, 60_000);
