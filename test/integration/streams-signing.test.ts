/**
 * Code signing through the AWS Signer API (SDK v3 `SignerClient` and /usr/bin/aws signer …): signing profiles on the
 * SHA256-ECDSA AWS IoT platforms with a certificate issued by the engine's root CA, signing jobs over files in the
 * local S3 whose signed object lands at `prefix + jobId`, and signatures that `openssl dgst -verify` and
 * `verifyFileSignature` accept for the file and refuse for a changed one. AWS's errors for unknown, canceled and
 * duplicate profiles; profiles and jobs kept across a restart; signing certificates imported with `aws acm
 * import-certificate` and read back with `get-certificate`.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CancelSigningProfileCommand, DescribeSigningJobCommand, GetSigningPlatformCommand, GetSigningProfileCommand, ListSigningJobsCommand,
  ListSigningPlatformsCommand, ListSigningProfilesCommand, PutSigningProfileCommand, RevokeSignatureCommand, SignerClient, StartSigningJobCommand,
} from '@aws-sdk/client-signer';
import { verifyFileSignature } from '../../engine/signer/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
let te: TestEngine;
let s3: S3Client;
let signer: SignerClient;
const firmware = crypto.randomBytes(50_000);
const work = tempDir('tb-signing-');

beforeAll(async () => {
  te = await startTestEngine();
  s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
  signer = new SignerClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'firmware' }));
  await s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'app-1.2.bin', Body: firmware }));
});
afterAll(async () => {
  s3?.destroy();
  signer?.destroy();
  await te?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

async function signedObject(bucket: string, key: string): Promise<{ rawPayloadSize: number; signature: string; signatureAlgorithm: string; certificate: string; payload: string }> {
  const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  return JSON.parse(body);
}

/** `openssl dgst -sha256 -verify` of `file` against `signature` (DER) with the certificate's public key. */
function opensslVerifies(file: Buffer, signatureB64: string, certificatePem: string): boolean {
  const dir = fs.mkdtempSync(path.join(work, 'v-'));
  fs.writeFileSync(path.join(dir, 'file.bin'), file);
  fs.writeFileSync(path.join(dir, 'sig.der'), Buffer.from(signatureB64, 'base64'));
  fs.writeFileSync(path.join(dir, 'cert.pem'), certificatePem);
  const pub = execFileSync('openssl', ['x509', '-in', path.join(dir, 'cert.pem'), '-pubkey', '-noout']);
  fs.writeFileSync(path.join(dir, 'pub.pem'), pub);
  try {
    return execFileSync('openssl', ['dgst', '-sha256', '-verify', path.join(dir, 'pub.pem'), '-signature', path.join(dir, 'sig.der'), path.join(dir, 'file.bin')], { encoding: 'utf8' }).includes('Verified OK');
  } catch {
    return false; // openssl exits 1 on "Verification failure"
  }
}

describe('AWS Signer through the SDK v3 SignerClient', () => {
  it('lists the SHA256-ECDSA AWS IoT platforms', async () => {
    const { platforms } = await signer.send(new ListSigningPlatformsCommand({}));
    expect(platforms!.map((p) => p.platformId)).toEqual(['AmazonFreeRTOS-Default', 'AWSIoTDeviceManagement-SHA256-ECDSA']);
    expect(platforms![0]).toMatchObject({ category: 'AWSIoT', target: 'SHA256-ECDSA', signingConfiguration: { hashAlgorithmOptions: { defaultValue: 'SHA256' }, encryptionAlgorithmOptions: { defaultValue: 'ECDSA' } } });
    expect((await signer.send(new ListSigningPlatformsCommand({ partner: 'AWSIoTDeviceManagement' }))).platforms!.map((p) => p.platformId)).toEqual(['AWSIoTDeviceManagement-SHA256-ECDSA']);
    expect((await signer.send(new GetSigningPlatformCommand({ platformId: 'AmazonFreeRTOS-Default' }))).displayName).toBe('Amazon FreeRTOS');
    expect(await failure(signer.send(new GetSigningPlatformCommand({ platformId: 'Nope' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('a profile gets a certificate from the engine\'s root CA; a signing job signs the file; openssl and verifyFileSignature accept it', async () => {
    const put = await signer.send(new PutSigningProfileCommand({ profileName: 'fw_signer', platformId: 'AmazonFreeRTOS-Default', signingParameters: { certname: 'ota_cert.pem' }, tags: { team: 'fw' } }));
    expect(put.arn).toBe('arn:aws:signer:us-east-1:000000000000:/signing-profiles/fw_signer');
    expect(put.profileVersionArn).toBe(`${put.arn}/${put.profileVersion}`);
    const profile = await signer.send(new GetSigningProfileCommand({ profileName: 'fw_signer' }));
    expect(profile).toMatchObject({
      profileName: 'fw_signer', profileVersion: put.profileVersion, platformId: 'AmazonFreeRTOS-Default', platformDisplayName: 'Amazon FreeRTOS', status: 'Active',
      signatureValidityPeriod: { value: 135, type: 'MONTHS' }, signingParameters: { certname: 'ota_cert.pem' }, tags: { team: 'fw' },
    });
    expect(profile.signingMaterial!.certificateArn).toMatch(/^arn:aws:acm:us-east-1:000000000000:certificate\/[0-9a-f-]{36}$/);

    const { jobId, jobOwner } = await signer.send(new StartSigningJobCommand({
      profileName: 'fw_signer', clientRequestToken: 'token-1',
      source: { s3: { bucketName: 'firmware', key: 'app-1.2.bin', version: 'v1' } }, destination: { s3: { bucketName: 'firmware', prefix: 'signed/' } },
    }));
    expect(jobOwner).toBe('000000000000');
    const job = await signer.send(new DescribeSigningJobCommand({ jobId }));
    expect(job).toMatchObject({
      jobId, status: 'Succeeded', statusReason: 'Signing Succeeded', profileName: 'fw_signer', profileVersion: put.profileVersion, platformId: 'AmazonFreeRTOS-Default',
      source: { s3: { bucketName: 'firmware', key: 'app-1.2.bin', version: 'v1' } }, signedObject: { s3: { bucketName: 'firmware', key: `signed/${jobId}` } },
      signingMaterial: { certificateArn: profile.signingMaterial!.certificateArn },
    });
    expect(job.signatureExpiresAt!.getTime() - job.createdAt!.getTime()).toBeGreaterThan(135 * 28 * 86_400_000);

    const signed = await signedObject('firmware', `signed/${jobId}`);
    expect(signed).toMatchObject({ rawPayloadSize: firmware.length, signatureAlgorithm: 'SHA256withECDSA' });
    expect(Buffer.from(signed.payload, 'base64')).toEqual(firmware);
    expect(opensslVerifies(firmware, signed.signature, signed.certificate)).toBe(true);
    expect(verifyFileSignature(firmware, signed.signature, signed.certificate)).toBe(true);
    const tampered = Buffer.from(firmware);
    tampered[100] ^= 1;
    expect(opensslVerifies(tampered, signed.signature, signed.certificate)).toBe(false);
    expect(verifyFileSignature(tampered, signed.signature, signed.certificate)).toBe(false);
    expect(verifyFileSignature(firmware, 'not a signature', signed.certificate)).toBe(false);

    // The signing certificate chains to the engine's root CA.
    const certFile = path.join(work, 'signing-cert.pem');
    fs.writeFileSync(certFile, signed.certificate);
    expect(execFileSync('openssl', ['verify', '-CAfile', path.join(te.dataDir, 'security', 'root-ca.pem'), certFile], { encoding: 'utf8' })).toContain('OK');

    // The same client token answers the same job; the jobs list shows it.
    const again = await signer.send(new StartSigningJobCommand({
      profileName: 'fw_signer', clientRequestToken: 'token-1',
      source: { s3: { bucketName: 'firmware', key: 'app-1.2.bin', version: 'v1' } }, destination: { s3: { bucketName: 'firmware', prefix: 'signed/' } },
    }));
    expect(again.jobId).toBe(jobId);
    const { jobs } = await signer.send(new ListSigningJobsCommand({ status: 'Succeeded' }));
    expect(jobs!.map((j) => j.jobId)).toEqual([jobId]);
  });

  it('a profile on the IoT Device Management platform; a second profile may share the first one\'s certificate', async () => {
    const first = await signer.send(new GetSigningProfileCommand({ profileName: 'fw_signer' }));
    await signer.send(new PutSigningProfileCommand({
      profileName: 'dm_signer', platformId: 'AWSIoTDeviceManagement-SHA256-ECDSA', signingMaterial: { certificateArn: first.signingMaterial!.certificateArn },
      signatureValidityPeriod: { value: 2, type: 'YEARS' },
    }));
    const { jobId } = await signer.send(new StartSigningJobCommand({
      profileName: 'dm_signer', source: { s3: { bucketName: 'firmware', key: 'app-1.2.bin', version: 'v1' } }, destination: { s3: { bucketName: 'firmware' } },
    }));
    const job = await signer.send(new DescribeSigningJobCommand({ jobId }));
    expect(job.signedObject).toEqual({ s3: { bucketName: 'firmware', key: jobId } });
    const years = (job.signatureExpiresAt!.getTime() - job.createdAt!.getTime()) / (365 * 86_400_000);
    expect(years).toBeGreaterThan(1.99);
    expect(years).toBeLessThan(2.01);
    const signed = await signedObject('firmware', jobId!);
    expect(opensslVerifies(firmware, signed.signature, signed.certificate)).toBe(true);
  });

  it('AWS\'s errors: unknown and canceled profiles, a taken name, a bad platform, a missing source (a Failed job), unsupported operations', async () => {
    const start = (profileName: string, key = 'app-1.2.bin') => signer.send(new StartSigningJobCommand({
      profileName, source: { s3: { bucketName: 'firmware', key, version: 'v1' } }, destination: { s3: { bucketName: 'firmware', prefix: 'signed/' } },
    }));
    expect(await failure(start('nobody'))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await failure(signer.send(new GetSigningProfileCommand({ profileName: 'nobody' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await failure(signer.send(new PutSigningProfileCommand({ profileName: 'fw_signer', platformId: 'AmazonFreeRTOS-Default' })))).toMatchObject({ name: 'ConflictException', status: 409 });
    expect(await failure(signer.send(new PutSigningProfileCommand({ profileName: 'other', platformId: 'AWSLambda-SHA384-ECDSA' })))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await failure(signer.send(new PutSigningProfileCommand({ profileName: 'bad-name', platformId: 'AmazonFreeRTOS-Default' })))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(signer.send(new PutSigningProfileCommand({ profileName: 'nocert', platformId: 'AmazonFreeRTOS-Default', signingMaterial: { certificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/none' } }))))
      .toMatchObject({ name: 'ResourceNotFoundException' });

    const { jobId } = await start('fw_signer', 'missing.bin');
    const failed = await signer.send(new DescribeSigningJobCommand({ jobId }));
    expect(failed.status).toBe('Failed');
    expect(failed.statusReason).toBeTruthy();
    expect(failed.signedObject).toBeUndefined();

    await signer.send(new PutSigningProfileCommand({ profileName: 'short_lived', platformId: 'AmazonFreeRTOS-Default' }));
    await signer.send(new CancelSigningProfileCommand({ profileName: 'short_lived' }));
    expect((await signer.send(new GetSigningProfileCommand({ profileName: 'short_lived' }))).status).toBe('Canceled');
    expect(await failure(start('short_lived'))).toMatchObject({ name: 'ValidationException' });
    const active = (await signer.send(new ListSigningProfilesCommand({}))).profiles!.map((p) => p.profileName);
    expect(active).toEqual(['fw_signer', 'dm_signer']);
    const all = (await signer.send(new ListSigningProfilesCommand({ includeCanceled: true }))).profiles!.map((p) => p.profileName);
    expect(all).toEqual(['fw_signer', 'dm_signer', 'short_lived']);

    expect(await failure(signer.send(new RevokeSignatureCommand({ jobId, reason: 'test' })))).toMatchObject({ name: 'UnknownOperationException', status: 404 });
  });

  it('profiles and jobs are kept across a restart', async () => {
    const before = (await signer.send(new ListSigningJobsCommand({}))).jobs!;
    await te.stop();
    te = await te.restart();
    signer.destroy();
    s3.destroy();
    signer = new SignerClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
    expect((await signer.send(new ListSigningJobsCommand({}))).jobs).toEqual(before);
    const { jobId } = await signer.send(new StartSigningJobCommand({
      profileName: 'fw_signer', source: { s3: { bucketName: 'firmware', key: 'app-1.2.bin', version: 'v1' } }, destination: { s3: { bucketName: 'firmware', prefix: 'after/' } },
    }));
    const signed = await signedObject('firmware', `after/${jobId}`);
    expect(opensslVerifies(firmware, signed.signature, signed.certificate)).toBe(true);
  });
});

describeAwsCli('AWS Signer through /usr/bin/aws', () => {
  it('aws signer put-signing-profile, start-signing-job, describe-signing-job, list-signing-jobs, list-signing-platforms', async () => {
    const opts = { endpoint: te.httpUrl };
    const platforms = await awsCliJson(['signer', 'list-signing-platforms'], opts);
    expect(platforms.platforms.map((p: { platformId: string }) => p.platformId)).toContain('AmazonFreeRTOS-Default');
    const put = await awsCliJson(['signer', 'put-signing-profile', '--profile-name', 'cli_signer', '--platform-id', 'AmazonFreeRTOS-Default'], opts);
    expect(put.arn).toBe('arn:aws:signer:us-east-1:000000000000:/signing-profiles/cli_signer');
    const { jobId } = await awsCliJson(['signer', 'start-signing-job', '--profile-name', 'cli_signer',
      '--source', 's3={bucketName=firmware,key=app-1.2.bin,version=v1}', '--destination', 's3={bucketName=firmware,prefix=cli/}'], opts);
    const job = await awsCliJson(['signer', 'describe-signing-job', '--job-id', jobId], opts);
    expect(job).toMatchObject({ status: 'Succeeded', signedObject: { s3: { bucketName: 'firmware', key: `cli/${jobId}` } } });
    const signed = await signedObject('firmware', `cli/${jobId}`);
    expect(opensslVerifies(firmware, signed.signature, signed.certificate)).toBe(true);
    const listed = await awsCliJson(['signer', 'list-signing-jobs'], opts);
    expect(listed.jobs.map((j: { jobId: string }) => j.jobId)).toContain(jobId);
    expect((await runAwsCli(['signer', 'cancel-signing-profile', '--profile-name', 'cli_signer'], opts)).code).toBe(0);
    const missing = await runAwsCli(['signer', 'get-signing-profile', '--profile-name', 'nobody_here'], opts);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  }, 180_000); // each /usr/bin/aws run starts a Python interpreter: seconds apiece on a busy machine
});

describeAwsCli('signing certificates through /usr/bin/aws acm', () => {
  it('aws acm import-certificate brings a P-256 key and certificate a profile signs with; get-certificate returns the PEM a device verifies with', async () => {
    const opts = { endpoint: te.httpUrl };
    const dir = fs.mkdtempSync(path.join(work, 'acm-'));
    const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=Firmware signer', '-days', '30'], { stdio: 'ignore' });
    const { CertificateArn } = await awsCliJson(['acm', 'import-certificate', '--certificate', `fileb://${cert}`, '--private-key', `fileb://${key}`], opts);
    expect(CertificateArn).toMatch(/^arn:aws:acm:us-east-1:000000000000:certificate\/[0-9a-f-]{36}$/);
    const got = await awsCliJson(['acm', 'get-certificate', '--certificate-arn', CertificateArn], opts);
    expect(got.Certificate.trim()).toBe(fs.readFileSync(cert, 'utf8').trim());

    await awsCliJson(['signer', 'put-signing-profile', '--profile-name', 'imported_signer', '--platform-id', 'AWSIoTDeviceManagement-SHA256-ECDSA',
      '--signing-material', `certificateArn=${CertificateArn}`], opts);
    const { jobId } = await awsCliJson(['signer', 'start-signing-job', '--profile-name', 'imported_signer',
      '--source', 's3={bucketName=firmware,key=app-1.2.bin,version=v1}', '--destination', 's3={bucketName=firmware,prefix=imported/}'], opts);
    const signed = await signedObject('firmware', `imported/${jobId}`);
    expect(opensslVerifies(firmware, signed.signature, fs.readFileSync(cert, 'utf8'))).toBe(true);

    // The certificate the engine made for a profile is there too.
    await signer.send(new PutSigningProfileCommand({ profileName: 'made_signer', platformId: 'AmazonFreeRTOS-Default' }));
    const made = (await signer.send(new GetSigningProfileCommand({ profileName: 'made_signer' }))).signingMaterial!.certificateArn!;
    const madePem = (await awsCliJson(['acm', 'get-certificate', '--certificate-arn', made], opts)).Certificate as string;
    expect(madePem).toContain('BEGIN CERTIFICATE');

    // A key that is not the certificate's, and an unknown certificate, are refused.
    const other = path.join(dir, 'other.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', other], { stdio: 'ignore' });
    const mismatch = await runAwsCli(['acm', 'import-certificate', '--certificate', `fileb://${cert}`, '--private-key', `fileb://${other}`], opts);
    expect(mismatch.code).toBe(254);
    expect(mismatch.stderr).toContain('ValidationException');
    const unknown = await runAwsCli(['acm', 'get-certificate', '--certificate-arn', 'arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000'], opts);
    expect(unknown.stderr).toContain('ResourceNotFoundException');
  }, 180_000);
});

