/**
 * IoT TestAuthorization against a real engine with @aws-sdk/client-iot and /usr/bin/aws: Lab 1's least-privilege
 * policy (`${iot:Connection.Thing.ThingName}`) allows the thing's own topic and refuses another's; explicit and
 * implicit denies name their policies; policyNamesToAdd/Skip; thing group principals; missing context values; AWS's
 * validation errors; and the decision agrees with what the broker does to a real mutual-TLS client. The UI contract's
 * `security.testAuthorization` (over the browser-mode WebSocket) gives the same decisions with the deciding statement,
 * the same errors, and `security.certificates` names each certificate's things.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand,
  CreateThingGroupCommand, IoTClient, TestAuthorizationCommand, type AuthResult,
} from '@aws-sdk/client-iot';
import WebSocket from 'ws';
import { createClient, RpcError, type ThingbenchClient } from '../../engine/contract/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { startUiServer } from '../../engine/host/index.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { nodeTransport } from '../helpers/ui-transport.js';

let te: TestEngine;
let iot: IoTClient;
let cert: { arn: string; id: string; pem: string; key: string };
const arn = (resource: string) => `arn:aws:iot:us-east-1:000000000000:${resource}`;
const policy = (name: string, statements: object[]) =>
  iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  cert = { arn: c.certificateArn!, id: c.certificateId!, pem: c.certificatePem!, key: c.keyPair!.PrivateKey! };
  await iot.send(new CreateThingCommand({ thingName: 'ratchet' }));
  await iot.send(new CreateThingCommand({ thingName: 'other' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'ratchet', principal: cert.arn }));
  await policy('device', [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:*:client/${iot:Connection.Thing.ThingName}' },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:*:topic/device/${iot:Connection.Thing.ThingName}/*' },
  ]);
  await policy('no-secrets', [{ Effect: 'Deny', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:*:topic/device/*/secret' }]);
  await policy('everything', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]);
  await iot.send(new AttachPolicyCommand({ policyName: 'device', target: cert.arn }));
  await iot.send(new AttachPolicyCommand({ policyName: 'no-secrets', target: cert.arn }));
});

afterAll(async () => {
  iot?.destroy();
  await te?.stop();
});

const names = (r: { policies?: Array<{ policyName?: string }> } | undefined) => (r?.policies ?? []).map((p) => p.policyName).sort();

async function test(input: Partial<ConstructorParameters<typeof TestAuthorizationCommand>[0]>): Promise<AuthResult[]> {
  const out = await iot.send(new TestAuthorizationCommand({ principal: cert.arn, clientId: 'ratchet', authInfos: [], ...input }));
  return out.authResults ?? [];
}

describe('TestAuthorization with @aws-sdk/client-iot', () => {
  it('allows the thing its own topic and refuses another thing\'s, naming the policies', async () => {
    const [own, other, secret, connect] = await test({
      authInfos: [
        { actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/data')] },
        { actionType: 'PUBLISH', resources: [arn('topic/device/other/data')] },
        { actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/secret')] },
        { actionType: 'CONNECT', resources: [arn('client/ratchet')] },
      ],
    });
    expect(own).toMatchObject({ authInfo: { actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/data')] }, authDecision: 'ALLOWED', missingContextValues: [] });
    expect(names(own.allowed)).toEqual(['device']);
    expect(names(own.denied?.implicitDeny)).toEqual(['no-secrets']);
    expect(other.authDecision).toBe('IMPLICIT_DENY');
    expect(names(other.denied?.implicitDeny)).toEqual(['device', 'no-secrets']);
    expect(names(other.allowed)).toEqual([]);
    expect(secret.authDecision).toBe('EXPLICIT_DENY');
    expect(names(secret.denied?.explicitDeny)).toEqual(['no-secrets']);
    expect(names(secret.allowed)).toEqual(['device']);
    expect(connect.authDecision).toBe('ALLOWED');
    expect(own.allowed?.policies?.[0].policyArn).toBe(arn('policy/device'));
  });

  it('fills iot:Connection.Thing.ThingName only when the certificate is attached to the thing named by the client id', async () => {
    const [r] = await test({ clientId: 'other', authInfos: [{ actionType: 'CONNECT', resources: [arn('client/other')] }] });
    expect(r.authDecision).toBe('IMPLICIT_DENY');
    expect(r.missingContextValues).toContain('iot:Connection.Thing.ThingName');
    const [none] = await test({ clientId: undefined, authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/data')] }] });
    expect(none.authDecision).toBe('IMPLICIT_DENY');
  });

  it('takes a certificate id as principal, policyNamesToAdd and policyNamesToSkip', async () => {
    const [added] = await test({ principal: cert.id, policyNamesToAdd: ['everything'], authInfos: [{ actionType: 'SUBSCRIBE', resources: [arn('topicfilter/anything/#')] }] });
    expect(added.authDecision).toBe('ALLOWED');
    expect(names(added.allowed)).toEqual(['everything']);
    const [skipped] = await test({ policyNamesToSkip: ['no-secrets'], authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/secret')] }] });
    expect(skipped.authDecision).toBe('ALLOWED');
    expect(names(skipped.denied?.explicitDeny)).toEqual([]);
  });

  it('keeps the least permissive decision over several resources', async () => {
    const [r] = await test({ authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/a'), arn('topic/device/other/a')] }] });
    expect(r.authDecision).toBe('IMPLICIT_DENY');
    expect(names(r.allowed)).toEqual(['device']);
  });

  it('evaluates a thing group principal with its own policies', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'floor' }));
    await iot.send(new AttachPolicyCommand({ policyName: 'everything', target: arn('thinggroup/floor') }));
    const [r] = await test({ principal: arn('thinggroup/floor'), authInfos: [{ actionType: 'RECEIVE', resources: [arn('topic/x')] }] });
    expect(r.authDecision).toBe('ALLOWED');
    expect(names(r.allowed)).toEqual(['everything']);
  });

  it('answers bad input with AWS\'s errors', async () => {
    const fail = (input: Partial<ConstructorParameters<typeof TestAuthorizationCommand>[0]>) => test(input).then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: e.name, status: e.$metadata?.httpStatusCode, message: e.message }));
    const eleven = Array.from({ length: 11 }, () => ({ actionType: 'PUBLISH' as const, resources: [arn('topic/a')] }));
    expect(await fail({ authInfos: eleven })).toMatchObject({ name: 'InvalidRequestException', status: 400, message: expect.stringContaining("at 'authInfos' failed to satisfy constraint: Member must have length less than or equal to 10") });
    expect(await fail({})).toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('Member must have length greater than or equal to 1') });
    expect(await fail({ authInfos: [{ actionType: 'RETAIN' as 'PUBLISH', resources: [arn('topic/a')] }] })).toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('Member must satisfy enum value set: [PUBLISH, SUBSCRIBE, RECEIVE, CONNECT]') });
    expect(await fail({ principal: arn(`cert/${'0'.repeat(64)}`), authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/a')] }] })).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await fail({ policyNamesToAdd: ['nope'], authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/a')] }] })).toMatchObject({ name: 'ResourceNotFoundException', message: 'The policy nope does not exist' });
    expect(await fail({ principal: 'us-east-1:11111111-2222-3333-4444-555555555555', authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/a')] }] })).toMatchObject({ name: 'InvalidRequestException', message: expect.stringMatching(/^Cognito identities are not supported/) });
    expect(await fail({ principal: 'not-a-principal', authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/a')] }] })).toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('Invalid principal') });
  });

  it('agrees with the broker: a mutual-TLS client may connect as the thing and not as another client id', async () => {
    const ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'));
    const attempt = (clientId: string) => new Promise<string>((resolve) => {
      const c = mqtt.connect(te.info.endpoints.mqtts, { clientId, ca, cert: cert.pem, key: cert.key, rejectUnauthorized: false, reconnectPeriod: 0, connectTimeout: 5000 });
      c.once('connect', () => {
        c.end(true);
        resolve('connected');
      });
      c.once('error', (e) => {
        c.end(true);
        resolve(`refused: ${e.message}`);
      });
    });
    const [asThing, asOther] = await test({ authInfos: [{ actionType: 'CONNECT', resources: [arn('client/ratchet')] }, { actionType: 'CONNECT', resources: [arn('client/stranger')] }] });
    expect(asThing.authDecision).toBe('ALLOWED');
    expect(await attempt('ratchet')).toBe('connected');
    const [stranger] = await test({ clientId: 'stranger', authInfos: [{ actionType: 'CONNECT', resources: [arn('client/stranger')] }] });
    expect(asOther.authDecision).toBe('IMPLICIT_DENY');
    expect(stranger.authDecision).toBe('IMPLICIT_DENY');
    expect(await attempt('stranger')).toMatch(/^refused: .*[Nn]ot authori[sz]ed/);
  });
});

describeAwsCli('aws iot test-authorization', () => {
  it('answers the CLI with the shorthand auth-infos syntax, and its errors', async () => {
    const out = await awsCliJson(['iot', 'test-authorization', '--principal', cert.arn, '--client-id', 'ratchet',
      '--auth-infos', `actionType=PUBLISH,resources=${arn('topic/device/other/data')}`, `actionType=PUBLISH,resources=${arn('topic/device/ratchet/data')}`], { endpoint: te.httpUrl }) as { authResults: AuthResult[] };
    expect(out.authResults.map((r) => r.authDecision)).toEqual(['IMPLICIT_DENY', 'ALLOWED']);
    expect(out.authResults[0].denied?.implicitDeny?.policies?.map((p) => p.policyName).sort()).toEqual(['device', 'no-secrets']);
    const bad = await runAwsCli(['iot', 'test-authorization', '--principal', `${cert.arn}0`, '--auth-infos', `actionType=PUBLISH,resources=${arn('topic/a')}`], { endpoint: te.httpUrl });
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain('An error occurred (InvalidRequestException) when calling the TestAuthorization operation: Invalid principal');
  });
});

describe('security.testAuthorization through the UI contract', () => {
  let api: ThingbenchClient;
  let socket: WebSocket;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const staticDir = tempDir('tb-authz-ui-');
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>tb</title>');
    const ui = await startUiServer(te.engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });
    socket = new WebSocket(`ws://127.0.0.1:${ui.port}/rpc?token=${ui.token}`, { origin: `http://127.0.0.1:${ui.port}` });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    api = createClient(nodeTransport(socket));
    close = () => ui.close();
  });

  afterAll(async () => {
    api?.dispose();
    socket?.terminate();
    await close?.();
  });

  it('decides as TestAuthorization does and names the deciding statement with its text', async () => {
    const [own, other, secret] = await api.security.testAuthorization({
      principal: cert.arn, clientId: 'ratchet',
      checks: [
        { action: 'iot:Publish', resources: [arn('topic/device/ratchet/data')] },
        { action: 'iot:Publish', resources: [arn('topic/device/other/data')] },
        { action: 'iot:Publish', resources: [arn('topic/device/ratchet/secret')] },
      ],
    });
    expect(own).toMatchObject({ decision: 'ALLOWED', allowed: ['device'], implicitDeny: ['no-secrets'], explicitDeny: [] });
    expect(own.deciding).toMatchObject({ policy: 'device', version: '1', index: 1, effect: 'Allow', resource: arn('topic/device/ratchet/data') });
    expect(JSON.parse(own.deciding!.text!)).toEqual({ Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:*:topic/device/${iot:Connection.Thing.ThingName}/*' });
    expect(other).toMatchObject({ decision: 'IMPLICIT_DENY', allowed: [] });
    expect(other.deciding).toBeUndefined();
    expect(secret).toMatchObject({ decision: 'EXPLICIT_DENY', explicitDeny: ['no-secrets'] });
    expect(secret.deciding).toMatchObject({ policy: 'no-secrets', index: 0, effect: 'Deny' });

    // The same question over HTTP gets the same decisions.
    const http = await test({ authInfos: [{ actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/data')] }, { actionType: 'PUBLISH', resources: [arn('topic/device/ratchet/secret')] }] });
    expect(http.map((r) => r.authDecision)).toEqual([own.decision, secret.decision]);
  });

  it('lists the things a certificate is attached to', async () => {
    const mine = (await api.security.certificates()).find((c) => c.id === cert.id);
    expect(mine).toMatchObject({ status: 'ACTIVE', things: ['ratchet'], policies: expect.arrayContaining(['device', 'no-secrets']) });
  });

  it('refuses bad questions with AWS\'s messages', async () => {
    const fail = (q: Parameters<ThingbenchClient['security']['testAuthorization']>[0]) =>
      api.security.testAuthorization(q).then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message } : e));
    expect(await fail({ principal: cert.arn, checks: [] })).toEqual({ code: 'InvalidInput', message: "1 validation error detected: Value '[]' at 'authInfos' failed to satisfy constraint: Member must have length greater than or equal to 1" });
    expect(await fail({ principal: cert.arn, checks: [{ action: 'iot:Publish', resources: ['x'.repeat(2049)] }] })).toMatchObject({ code: 'InvalidInput', message: expect.stringContaining("at 'authInfos.1.member.resources.1.member' failed to satisfy constraint: Member must have length less than or equal to 2048") });
    expect(await fail({ checks: [{ action: 'iot:Publish', resources: [arn('topic/a')] }], policiesToAdd: ['bad name'] })).toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('Member must satisfy regular expression pattern: [\\w+=,.@-]+') });
    expect(await fail({ checks: [{ action: 'iot:Publish', resources: [arn('topic/a')] }], policiesToAdd: ['nope'] })).toEqual({ code: 'NotFound', message: 'The policy nope does not exist' });
    expect(await fail({ principal: 'not-a-principal', checks: [{ action: 'iot:Publish', resources: [arn('topic/a')] }] })).toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('Invalid principal') });
    expect(await fail({ checks: [{ action: 'iot:Retain' as 'iot:Publish', resources: [] }] })).toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('"action" must be one of') });
  });
});
