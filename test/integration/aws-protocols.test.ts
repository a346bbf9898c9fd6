/**
 * The engine's one endpoint speaks each AWS service's own wire protocol: a query-protocol service (STS) through the
 * AWS SDK v3 client and Debian's AWS CLI v2, unknown operations in the awsJson (`UnknownOperationException`) and
 * query (`InvalidAction`) shapes, an unsigned query request refused as AWS refuses it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { sigv4Signer } from '../helpers/sigv4-signer.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let tb: TestEngine;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

beforeAll(async () => {
  tb = await startTestEngine();
});
afterAll(() => tb.stop());

/** A request signed by the AWS SDK's signer for `service`, sent with fetch. */
async function signedPost(service: string, headers: Record<string, string>, body: string): Promise<Response> {
  const u = new URL(tb.httpUrl);
  const signed = await sigv4Signer(service, credentials).sign({
    method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: {},
    headers: { host: u.host, ...headers }, body,
  });
  return fetch(`${tb.httpUrl}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
}

describe('STS over the query protocol', () => {
  it('answers GetCallerIdentity to the SDK v3 client with the local account', async () => {
    const sts = new STSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: '000000000000', UserId: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a real STS operation it does not implement with InvalidAction, which the SDK reads by name', async () => {
    const sts = new STSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    const err = await sts.send(new GetSessionTokenCommand({})).catch((e: Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('InvalidAction');
    expect((err as Error).message).toBe('GetSessionToken is an AWS STS operation that Thingbench does not support yet');
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  });

  it('answers an action no version of STS has with the query ErrorResponse, Sender fault', async () => {
    const res = await signedPost('sts', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'Action=MakeCoffee&Version=2011-06-15');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/xml');
    const requestId = res.headers.get('x-amzn-requestid');
    expect(await res.text()).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidAction</Code>'
      + `<Message>Could not find operation MakeCoffee for version 2011-06-15</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  });

  it('refuses an unsigned query request with MissingAuthenticationToken', async () => {
    const res = await fetch(`${tb.httpUrl}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message>');
  });
});

describe('awsJson requests', () => {
  it('answers an X-Amz-Target no service here has with UnknownOperationException in the JSON shape', async () => {
    const res = await signedPost('cognito-idp', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUserPools' }, '{}');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await res.json()).toEqual({ __type: 'UnknownOperationException', message: 'Operation AWSCognitoIdentityProviderService.ListUserPools is not supported' });
  });

  it('answers an operation a JSON service does not have, or does not support yet, in that service\'s shape', async () => {
    const unknown = await signedPost('logs', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.MakeCoffee' }, '{}');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ __type: 'UnknownOperationException', message: 'Operation MakeCoffee is not supported' });
    const unsupported = await signedPost('logs', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.StartQuery' }, '{}');
    expect(unsupported.status).toBe(400);
    expect((await unsupported.json() as { __type: string; message: string }).message).toMatch(/^StartQuery is an .+ operation that Thingbench does not support yet$/);
  });
});

describeAwsCli('STS through the AWS CLI', () => {
  it('aws sts get-caller-identity prints the local account', async () => {
    const out = await awsCliJson(['sts', 'get-caller-identity'], { endpoint: tb.httpUrl, credentials });
    expect(out).toEqual({ UserId: '000000000000', Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
  });

  it('prints the service error of an unsupported operation', async () => {
    const r = await runAwsCli(['sts', 'get-session-token'], { endpoint: tb.httpUrl, credentials });
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('An error occurred (InvalidAction) when calling the GetSessionToken operation: GetSessionToken is an AWS STS operation that Thingbench does not support yet');
  });
});
