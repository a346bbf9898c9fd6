/**
 * IAM and STS on the engine's endpoint, through the AWS SDK v3 clients and Debian's AWS CLI v2: roles with trust,
 * inline and attached policies (customer- and AWS-managed), IAM's errors, documents URL-encoded as IAM returns them;
 * STS AssumeRole's temporary credentials sign IoT and STS calls to an engine that requires SigV4, until refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, DeletePolicyCommand, DeleteRoleCommand, DeleteRolePolicyCommand,
  DetachRolePolicyCommand, GetPolicyCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand,
  ListPoliciesCommand, ListRolePoliciesCommand, ListRolesCommand, PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateTopicRuleCommand, GetTopicRuleCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { sigv4Signer } from '../helpers/sigv4-signer.js';
import { upgradeStatus } from '../helpers/net.js';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const logsPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }] });
const BASIC_EXECUTION = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

type AwsErr = Error & { $metadata: { httpStatusCode: number } };
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: AwsErr) => ({ name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }));

let tb: TestEngine;
let iam: IAMClient;
beforeAll(async () => {
  tb = await startTestEngine();
  iam = new IAMClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
});
afterAll(() => tb.stop());

describe('IAM roles through the SDK', () => {
  it('creates, reads and lists a role with the role ARN rules take, the trust policy URL-encoded', async () => {
    const created = await iam.send(new CreateRoleCommand({ RoleName: 'lab-lambda', AssumeRolePolicyDocument: trust, Description: 'runs the lab function' }));
    expect(created.Role).toMatchObject({ RoleName: 'lab-lambda', Path: '/', Arn: 'arn:aws:iam::000000000000:role/lab-lambda', MaxSessionDuration: 3600 });
    expect(created.Role!.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(created.Role!.CreateDate).toBeInstanceOf(Date);
    expect(created.Role!.AssumeRolePolicyDocument).toBe(encodeURIComponent(trust));

    const got = await iam.send(new GetRoleCommand({ RoleName: 'lab-lambda' }));
    expect(got.Role).toMatchObject({ RoleName: 'lab-lambda', RoleId: created.Role!.RoleId, Description: 'runs the lab function' });
    expect(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!))).toEqual(JSON.parse(trust));

    await iam.send(new CreateRoleCommand({ RoleName: 'svc-role', Path: '/service-role/', AssumeRolePolicyDocument: trust }));
    const all = await iam.send(new ListRolesCommand({}));
    expect(all.Roles!.map((r) => r.Arn)).toEqual(['arn:aws:iam::000000000000:role/lab-lambda', 'arn:aws:iam::000000000000:role/service-role/svc-role']);
    expect(all.IsTruncated).toBe(false);
    const paged = await iam.send(new ListRolesCommand({ MaxItems: 1 }));
    expect(paged).toMatchObject({ IsTruncated: true, Roles: [{ RoleName: 'lab-lambda' }] });
    const rest = await iam.send(new ListRolesCommand({ Marker: paged.Marker }));
    expect(rest.Roles!.map((r) => r.RoleName)).toEqual(['svc-role']);
    expect((await iam.send(new ListRolesCommand({ PathPrefix: '/service-role/' }))).Roles!.map((r) => r.RoleName)).toEqual(['svc-role']);
  });

  it('refuses duplicates, unknown roles, malformed documents and missing members with IAM\'s errors', async () => {
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'LAB-LAMBDA', AssumeRolePolicyDocument: trust }))))
      .toEqual({ name: 'EntityAlreadyExistsException', message: 'Role with name LAB-LAMBDA already exists.', status: 409 });
    expect(await failure(iam.send(new GetRoleCommand({ RoleName: 'nope' }))))
      .toEqual({ name: 'NoSuchEntityException', message: 'The role with name nope cannot be found.', status: 404 });
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: '{"Statement": [' }))))
      .toEqual({ name: 'MalformedPolicyDocumentException', message: 'This policy contains invalid Json', status: 400 });
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: logsPolicy }))))
      .toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Missing required field Principal' });
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'no spaces', AssumeRolePolicyDocument: trust }))))
      .toMatchObject({ name: 'ValidationError', status: 400, message: expect.stringContaining("Value 'no spaces' at 'roleName' failed to satisfy constraint") });
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'x' } as never))))
      .toEqual({ name: 'ValidationError', status: 400, message: "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null" });
  });

  it('keeps inline policies, attaches customer- and AWS-managed policies, and refuses to delete what is in use', async () => {
    await iam.send(new PutRolePolicyCommand({ RoleName: 'lab-lambda', PolicyName: 'logs', PolicyDocument: logsPolicy }));
    expect(await iam.send(new GetRolePolicyCommand({ RoleName: 'lab-lambda', PolicyName: 'logs' }))).toMatchObject({ RoleName: 'lab-lambda', PolicyName: 'logs', PolicyDocument: encodeURIComponent(logsPolicy) });
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'lab-lambda' }))).PolicyNames).toEqual(['logs']);

    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'queue-access', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sqs:*', Resource: '*' } }) }));
    expect(Policy).toMatchObject({ PolicyName: 'queue-access', Arn: 'arn:aws:iam::000000000000:policy/queue-access', DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true });
    expect(await failure(iam.send(new CreatePolicyCommand({ PolicyName: 'queue-access', PolicyDocument: logsPolicy }))))
      .toEqual({ name: 'EntityAlreadyExistsException', message: 'A policy called queue-access already exists. Duplicate names are not allowed.', status: 409 });
    expect(await failure(iam.send(new CreatePolicyCommand({ PolicyName: 'p2', PolicyDocument: trust }))))
      .toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Policy document should not specify a principal.' });

    await iam.send(new AttachRolePolicyCommand({ RoleName: 'lab-lambda', PolicyArn: Policy!.Arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'lab-lambda', PolicyArn: BASIC_EXECUTION }));
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'lab-lambda' }))).AttachedPolicies).toEqual([
      { PolicyName: 'queue-access', PolicyArn: Policy!.Arn }, { PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: BASIC_EXECUTION },
    ]);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: Policy!.Arn }))).Policy!.AttachmentCount).toBe(1);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: BASIC_EXECUTION }))).Policy).toMatchObject({ PolicyName: 'AWSLambdaBasicExecutionRole', Path: '/service-role/' });
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies!.map((p) => p.PolicyName)).toEqual(['queue-access']);
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }))).Policies!.map((p) => p.Arn)).toContain(BASIC_EXECUTION);
    expect((await iam.send(new ListPoliciesCommand({ OnlyAttached: true }))).Policies!.map((p) => p.PolicyName)).toEqual(['queue-access', 'AWSLambdaBasicExecutionRole']);
    expect(await failure(iam.send(new AttachRolePolicyCommand({ RoleName: 'lab-lambda', PolicyArn: 'arn:aws:iam::000000000000:policy/missing' }))))
      .toEqual({ name: 'NoSuchEntityException', message: 'Policy arn:aws:iam::000000000000:policy/missing does not exist or is not attachable.', status: 404 });

    expect(await failure(iam.send(new DeleteRoleCommand({ RoleName: 'lab-lambda' }))))
      .toEqual({ name: 'DeleteConflictException', message: 'Cannot delete entity, must delete policies first.', status: 409 });
    expect(await failure(iam.send(new DeletePolicyCommand({ PolicyArn: Policy!.Arn }))))
      .toEqual({ name: 'DeleteConflictException', message: 'Cannot delete a policy attached to entities.', status: 409 });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'lab-lambda', PolicyName: 'logs' }));
    expect(await failure(iam.send(new DeleteRoleCommand({ RoleName: 'lab-lambda' }))))
      .toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete entity, must detach all policies first.' });
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'lab-lambda', PolicyArn: Policy!.Arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'lab-lambda', PolicyArn: BASIC_EXECUTION }));
    expect(await failure(iam.send(new DetachRolePolicyCommand({ RoleName: 'lab-lambda', PolicyArn: BASIC_EXECUTION }))))
      .toMatchObject({ name: 'NoSuchEntityException', message: `Policy ${BASIC_EXECUTION} was not found.` });
    await iam.send(new DeletePolicyCommand({ PolicyArn: Policy!.Arn }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'lab-lambda' }));
    expect((await failure(iam.send(new GetRoleCommand({ RoleName: 'lab-lambda' })))).name).toBe('NoSuchEntityException');
    expect((await failure(iam.send(new GetPolicyCommand({ PolicyArn: Policy!.Arn })))).name).toBe('NoSuchEntityException');
  });

  it('gives role ARNs that a topic rule\'s actions take as their roleArn', async () => {
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: 'iot-rules', AssumeRolePolicyDocument: trust.replace('lambda.amazonaws.com', 'iot.amazonaws.com') }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'iot-rules', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSIoTRuleActions' }));
    const iot = new IoTClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'forward', topicRulePayload: { sql: "SELECT * FROM 'in'", actions: [{ republish: { topic: 'out', roleArn: Role!.Arn } }] } }));
    expect((await iot.send(new GetTopicRuleCommand({ ruleName: 'forward' }))).rule!.actions![0].republish!.roleArn).toBe('arn:aws:iam::000000000000:role/iot-rules');
  });

  it('keeps roles and policies across a restart', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'kept', AssumeRolePolicyDocument: trust }));
    await tb.stop();
    tb = await tb.restart();
    iam = new IAMClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    expect((await iam.send(new GetRoleCommand({ RoleName: 'kept' }))).Role!.Arn).toBe('arn:aws:iam::000000000000:role/kept');
  });
});

describeAwsCli('IAM and STS through the AWS CLI', () => {
  it('creates a role from a file, reads the trust policy back as JSON, and prints IAM\'s errors', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-iam-cli-'));
    fs.writeFileSync(path.join(dir, 'trust.json'), trust);
    const opts = { endpoint: tb.httpUrl, credentials, cwd: dir };
    const created = await awsCliJson(['iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', 'file://trust.json'], opts);
    expect(created.Role).toMatchObject({ RoleName: 'cli-role', Arn: 'arn:aws:iam::000000000000:role/cli-role' });
    // The CLI decodes IAM's URL-encoded documents, as it does against AWS.
    expect((await awsCliJson(['iam', 'get-role', '--role-name', 'cli-role'], opts)).Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trust));
    await awsCliJson(['iam', 'attach-role-policy', '--role-name', 'cli-role', '--policy-arn', BASIC_EXECUTION], opts);
    expect((await awsCliJson(['iam', 'list-attached-role-policies', '--role-name', 'cli-role'], opts)).AttachedPolicies).toEqual([{ PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: BASIC_EXECUTION }]);
    const conflict = await runAwsCli(['iam', 'delete-role', '--role-name', 'cli-role'], opts);
    expect(conflict.code).toBe(254);
    expect(conflict.stderr).toContain('An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must detach all policies first.');
    const assumed = await awsCliJson(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/cli-role', '--role-session-name', 'cli'], opts);
    expect(assumed.AssumedRoleUser).toEqual({ AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:cli$/), Arn: 'arn:aws:sts::000000000000:assumed-role/cli-role/cli' });
    expect(assumed.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('STS temporary credentials on an engine that requires SigV4', () => {
  const key = { accessKeyId: 'AKIDLONGTERM', secretAccessKey: 'long-term-secret' };
  let engine: Engine;
  let http: string;
  let info: Awaited<ReturnType<Engine['start']>>;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sts-'));
    engine = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
    info = await engine.start();
    http = info.endpoints.http;
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('AssumeRole issues credentials that sign IoT and STS calls, with their session token only', async () => {
    const longTerm = { endpoint: http, region: 'us-east-1', credentials: key };
    await new IAMClient(longTerm).send(new CreateRoleCommand({ RoleName: 'device-admin', AssumeRolePolicyDocument: trust, MaxSessionDuration: 7200 }));
    const sts = new STSClient(longTerm);
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/device-admin', RoleSessionName: 'bench', DurationSeconds: 7200 }));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.Expiration!.getTime()).toBeGreaterThan(Date.now() + 7100_000);
    expect(c.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 7200_000);
    const temporary = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };

    const who = await new STSClient({ ...longTerm, credentials: temporary }).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:sts::000000000000:assumed-role/device-admin/bench', UserId: out.AssumedRoleUser!.AssumedRoleId });
    expect((await new IoTClient({ ...longTerm, credentials: temporary }).send(new ListThingsCommand({}))).things).toEqual([]);

    // Without the session token, or with another one, the key is not valid.
    const { sessionToken: _t, ...withoutToken } = temporary;
    expect(await failure(new IoTClient({ ...longTerm, credentials: withoutToken }).send(new ListThingsCommand({}))))
      .toMatchObject({ name: 'UnrecognizedClientException', status: 403, message: 'The security token included in the request is invalid.' });
    expect(await failure(new STSClient({ ...longTerm, credentials: { ...temporary, sessionToken: 'forged' } }).send(new GetCallerIdentityCommand({}))))
      .toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('the temporary credentials also sign MQTT over WebSocket (AWS IoT\'s browser authentication)', async () => {
    const sts = new STSClient({ endpoint: http, region: 'us-east-1', credentials: key });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/device-admin', RoleSessionName: 'browser' }))).Credentials!;
    const temporary = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const ws = new URL(info.endpoints.ws);
    const presign = async (creds: typeof temporary | Omit<typeof temporary, 'sessionToken'>) => {
      const signed = await sigv4Signer('iotdevicegateway', creds).presign({ method: 'GET', protocol: 'http:', hostname: ws.hostname, port: Number(ws.port), path: '/mqtt', query: {}, headers: { host: ws.host } });
      return `ws://${ws.host}/mqtt?${new URLSearchParams(signed.query as Record<string, string>).toString()}`;
    };
    const client = await connect(await presign(temporary), { clientId: 'browser-sts', protocolVersion: 4 });
    expect(client.connected).toBe(true);
    client.end(true);
    const { sessionToken: _t, ...withoutToken } = temporary;
    expect(await upgradeStatus(await presign(withoutToken))).toBe(403);
    expect(await upgradeStatus(await presign(temporary))).toBe(101);
  });

  it('refuses AssumeRole for a role that does not exist and durations past the role\'s maximum', async () => {
    const sts = new STSClient({ endpoint: http, region: 'us-east-1', credentials: key });
    expect(await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ghost', RoleSessionName: 's1' }))))
      .toEqual({ name: 'AccessDenied', status: 403, message: 'User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/ghost' });
    expect(await failure(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/device-admin', RoleSessionName: 's1', DurationSeconds: 7201 }))))
      .toEqual({ name: 'ValidationError', status: 400, message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
  });
});
