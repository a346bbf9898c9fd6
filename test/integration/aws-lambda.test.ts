/**
 * The Lambda API on the engine's endpoint with the real `@aws-sdk/client-lambda`: functions created from zips
 * (Node.js CommonJS and ES modules, callback style, Python), Invoke (RequestResponse, Event, DryRun, Tail), function
 * errors in Lambda's shape, refusals (not a zip, no handler file, a runtime this engine cannot run), management
 * (list pages, code download, updates, delete), resource policies, function URLs served by the engine, the
 * function logs in `/aws/lambda/<name>`, and a rule's lambda action invoking a function created through the API.
 */
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import type { MqttClient } from 'mqtt';
import {
  AddPermissionCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteFunctionCommand, DeleteFunctionUrlConfigCommand,
  GetFunctionCommand, GetFunctionConfigurationCommand, ListVersionsByFunctionCommand, GetFunctionUrlConfigCommand, GetPolicyCommand, InvokeCommand, LambdaClient,
  ListFunctionsCommand, RemovePermissionCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, UpdateFunctionUrlConfigCommand,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { startTestEngine, connect, nextMessages, type TestEngine } from '../helpers/engine.js';
import { sigv4Signer } from '../helpers/sigv4-signer.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { hasPython } from '../../engine/functions/index.js';
import { awsCliJson, awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-run';
const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const json = (b: Uint8Array | undefined) => JSON.parse(text(b)) as Record<string, unknown>;
const tail = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

describe('Lambda API', () => {
  let te: TestEngine;
  let lambda: LambdaClient;
  let sub: MqttClient;
  let pub: MqttClient;

  const create = (name: string, files: Record<string, string>, more: Partial<CreateFunctionCommandInput> = {}) => lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip(files) }, ...more,
  }));
  const invoke = (name: string, payload: unknown, more: { LogType?: 'Tail' | 'None'; InvocationType?: 'Event' | 'RequestResponse' | 'DryRun' } = {}) =>
    lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...more }));

  beforeAll(async () => {
    te = await startTestEngine();
    lambda = new LambdaClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
    sub = await connect(te.mqttPort, { clientId: 'lambda-sub' });
    pub = await connect(te.mqttPort, { clientId: 'lambda-pub' });
  });
  afterAll(async () => {
    await sub?.endAsync();
    await pub?.endAsync();
    lambda?.destroy();
    await te?.stop();
  });

  it('creates a CommonJS function from a zip and invokes it with its event, context, environment and a log tail', async () => {
    const created = await create('doubler', {
      'index.js': `exports.handler = async (event, context) => {
  console.log('doubling', event.n);
  return { n: event.n * 2, id: context.awsRequestId, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0, greeting: process.env.GREETING };
};\n`,
    }, { Environment: { Variables: { GREETING: 'hi' } }, Timeout: 5, MemorySize: 256, Description: 'doubles n' });
    expect(created).toMatchObject({
      FunctionName: 'doubler', FunctionArn: arn('doubler'), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 5, MemorySize: 256,
      Description: 'doubles n', Environment: { Variables: { GREETING: 'hi' } }, State: 'Active', Version: '$LATEST', PackageType: 'Zip',
    });
    expect(created.$metadata.httpStatusCode).toBe(201);
    const r = await invoke('doubler', { n: 21 }, { LogType: 'Tail' });
    expect(r.StatusCode).toBe(200);
    expect(r.FunctionError).toBeUndefined();
    expect(r.ExecutedVersion).toBe('$LATEST');
    const out = json(r.Payload);
    expect(out).toMatchObject({ n: 42, fn: 'doubler', left: true, greeting: 'hi' });
    const log = tail(r.LogResult);
    expect(log).toContain(`START RequestId: ${String(out.id)} Version: $LATEST`);
    expect(log).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${String(out.id)}\\tINFO\\tdoubling 21`));
    expect(log).toContain(`END RequestId: ${String(out.id)}`);
    expect(log).toMatch(new RegExp(`REPORT RequestId: ${String(out.id)}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\tMax Memory Used: \\d+ MB`));
    // The first invocation started the instance: its REPORT says how long loading the module took.
    expect(log).toMatch(/Max Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);
    expect(tail((await invoke('doubler', { n: 1 }, { LogType: 'Tail' })).LogResult)).not.toContain('Init Duration');
  });

  it('writes each invocation to the log group /aws/lambda/<name>, one stream per warm instance', async () => {
    const r = await invoke('doubler', { n: 1 });
    const id = String(json(r.Payload).id);
    let events: Array<{ data: { logStream: string; message: string } }> = [];
    await vi.waitFor(async () => {
      events = (await te.engine.api.sinks.records('log', '/aws/lambda/doubler', { limit: 100 })) as unknown as typeof events;
      expect(events.some((e) => e.data.message.startsWith(`REPORT RequestId: ${id}`))).toBe(true);
    });
    const mine = events.filter((e) => e.data.message.includes(id));
    // Records come newest first; in the order written: START, the function's output, END, REPORT.
    expect(mine.reverse().map((e) => /^(START|END|REPORT) /.exec(e.data.message)?.[1] ?? e.data.message.split('\t').slice(1).join(' ')))
      .toEqual(['START', `${id} INFO doubling 1`, 'END', 'REPORT']);
    expect(mine[0].data.logStream).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    // Both invocations ran on the same warm instance: one stream.
    expect(new Set(events.map((e) => e.data.logStream)).size).toBe(1);
  });

  it('runs ES modules and callback-style handlers', async () => {
    await create('esm', { 'index.mjs': `export const handler = async (event) => ({ esm: true, got: event.v });\n` }, { Runtime: 'nodejs22.x' });
    expect(json((await invoke('esm', { v: 'x' })).Payload)).toEqual({ esm: true, got: 'x' });
    await create('esmpkg', { 'package.json': '{ "type": "module" }', 'app/main.js': `export async function go(e) { return { sum: e.a + e.b }; }\n` }, { Handler: 'app/main.go' });
    expect(json((await invoke('esmpkg', { a: 2, b: 3 })).Payload)).toEqual({ sum: 5 });
    await create('callback', { 'index.js': `exports.handler = (event, context, callback) => { callback(null, { cb: event.v + 1 }); };\n` }, { Runtime: 'nodejs18.x' });
    expect(json((await invoke('callback', { v: 1 })).Payload)).toEqual({ cb: 2 });
    await create('ctx', { 'index.js': `exports.handler = async (e, context) => context.clientContext;\n` });
    const clientContext = Buffer.from(JSON.stringify({ custom: { app: 'lab' } })).toString('base64');
    expect(json((await lambda.send(new InvokeCommand({ FunctionName: 'ctx', ClientContext: clientContext }))).Payload)).toEqual({ custom: { app: 'lab' } });
  });

  it.skipIf(!hasPython())('runs Python functions (lambda_function.lambda_handler), their errors with stackTrace', async () => {
    await create('py', {
      'lambda_function.py': `import json, os\nfrom helper import twice\ndef lambda_handler(event, context):\n    print('python got', event['v'])\n    if event['v'] < 0:\n        raise ValueError('negative')\n    return {'v': twice(event['v']), 'fn': context.function_name, 'rid': context.aws_request_id}\n`,
      'helper.py': 'def twice(x):\n    return x * 2\n',
    }, { Runtime: 'python3.12', Handler: 'lambda_function.lambda_handler' });
    const r = await invoke('py', { v: 4 }, { LogType: 'Tail' });
    const out = json(r.Payload);
    expect(out).toMatchObject({ v: 8, fn: 'py' });
    expect(tail(r.LogResult)).toContain('python got 4');
    expect(tail(r.LogResult)).toContain(`START RequestId: ${String(out.rid)}`);
    const bad = await invoke('py', { v: -1 });
    expect(bad.FunctionError).toBe('Unhandled');
    expect(json(bad.Payload)).toMatchObject({ errorType: 'ValueError', errorMessage: 'negative', stackTrace: [expect.stringContaining('lambda_function.py')] });
    await create('pymissing', { 'lambda_function.py': 'def other(e, c):\n    return 1\n' }, { Runtime: 'python3.12', Handler: 'lambda_function.lambda_handler' });
    expect(json((await invoke('pymissing', {})).Payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: "Handler 'lambda_handler' missing on module 'lambda_function'" });
  });

  it('a function that throws answers 200 with X-Amz-Function-Error: Unhandled and Lambda\'s error document', async () => {
    await create('thrower', { 'index.js': `exports.handler = async () => { throw new TypeError('bad input'); };\n` });
    const r = await invoke('thrower', {});
    expect(r.StatusCode).toBe(200);
    expect(r.FunctionError).toBe('Unhandled');
    const err = json(r.Payload);
    expect(err).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
    expect((err.trace as string[])[0]).toBe('TypeError: bad input');
    await create('nohandler', { 'index.js': `exports.other = async () => 1;\n` });
    expect(json((await invoke('nohandler', {})).Payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' });
    await create('badimport', { 'index.js': `require('./missing-helper');\nexports.handler = async () => 1;\n` });
    const imp = await invoke('badimport', {});
    expect(imp.FunctionError).toBe('Unhandled');
    expect(json(imp.Payload)).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining('missing-helper') });
    await create('sleepy', { 'index.js': `exports.handler = () => new Promise(() => {});\n` }, { Timeout: 1 });
    const slow = await invoke('sleepy', {});
    expect(slow.FunctionError).toBe('Unhandled');
    expect(json(slow.Payload)).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringContaining('Task timed out after 1.00 seconds') });
  });

  it('Event answers 202 and runs the function afterwards; DryRun answers 204 and runs nothing', async () => {
    await create('notifier', { 'index.js': `exports.handler = async (e) => { await thingbench.publish('lambda/event', { got: e.v }); };\n` });
    await sub.subscribeAsync('lambda/event', { qos: 1 });
    const got = nextMessages(sub, 1, 10_000);
    const dry = await invoke('notifier', { v: 'dry' }, { InvocationType: 'DryRun' });
    expect(dry.StatusCode).toBe(204);
    const ev = await invoke('notifier', { v: 'async' }, { InvocationType: 'Event' });
    expect(ev.StatusCode).toBe(202);
    // The dry run published nothing: the first message is the Event invocation's.
    expect(JSON.parse((await got)[0].payload.toString())).toEqual({ got: 'async' });
  });

  it('refuses what Lambda refuses, in Lambda\'s error shapes', async () => {
    expect(await refusal(lambda.send(new CreateFunctionCommand({ FunctionName: 'notzip', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: strToU8('plain text') } }))))
      .toEqual({ name: 'InvalidParameterValueException', message: 'Could not unzip uploaded file. Please check your file, then try to upload again.', status: 400 });
    expect(await refusal(create('nofile', { 'main.js': 'exports.handler = async () => 1;' })))
      .toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('index.js'), status: 400 });
    expect(await refusal(create('javafn', { 'index.js': '' }, { Runtime: 'java21' })))
      .toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('The runtime parameter of java21'), status: 400 });
    expect(await refusal(create('doubler', { 'index.js': 'exports.handler = async () => 1;' })))
      .toEqual({ name: 'ResourceConflictException', message: 'Function already exist: doubler', status: 409 });
    expect(await refusal(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' }))))
      .toEqual({ name: 'ResourceNotFoundException', message: `Function not found: ${arn('nope')}`, status: 404 });
    expect(await refusal(invoke('nope', {}))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await refusal(create('timeouts', { 'index.js': 'exports.handler = async () => 1;' }, { Timeout: 901 })))
      .toMatchObject({ name: 'ValidationException', message: expect.stringContaining("at 'timeout' failed to satisfy constraint"), status: 400 });
    expect(await refusal(create('reserved', { 'index.js': 'exports.handler = async () => 1;' }, { Environment: { Variables: { AWS_REGION: 'x' } } })))
      .toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('Reserved keys used in this request: AWS_REGION') });
    expect(await refusal(lambda.send(new InvokeCommand({ FunctionName: 'doubler', Payload: strToU8('{not json') }))))
      .toMatchObject({ name: 'InvalidRequestContentException', status: 400 });
    expect(await refusal(lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'doubler' }))))
      .toMatchObject({ name: 'UnknownOperationException', message: expect.stringContaining('GET /2015-03-31/functions/doubler/versions is a Lambda operation that Thingbench does not support yet'), status: 400 });
    // Nothing was left behind by the refused creations.
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName)).not.toContain('nofile');
  });

  it('lists functions in pages, folder functions included; GetFunction\'s Code.Location downloads the zip', async () => {
    fs.mkdirSync(path.join(te.dataDir, 'functions'), { recursive: true });
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'fromfolder.js'), 'export const handler = async () => ({ folder: true });\n');
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await lambda.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      names.push(...page.Functions!.map((f) => f.FunctionName!));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    expect(pages).toBeGreaterThan(2);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['doubler', 'esm', 'callback', 'fromfolder']));
    expect(json((await invoke('fromfolder', {})).Payload)).toEqual({ folder: true });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: arn('doubler') }));
    expect(got.Configuration).toMatchObject({ FunctionName: 'doubler', CodeSha256: expect.any(String) });
    const res = await fetch(got.Code!.Location!);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(bytes).digest('base64')).toBe(got.Configuration!.CodeSha256);
  });

  it('updates code and configuration (the warm instance is replaced) and deletes', async () => {
    await create('changing', { 'index.js': `exports.handler = async () => ({ v: 1, who: process.env.WHO ?? null });\n` });
    expect(json((await invoke('changing', {})).Payload)).toEqual({ v: 1, who: null });
    const code = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'changing', ZipFile: zip({ 'index.js': `exports.handler = async () => ({ v: 2, who: process.env.WHO ?? null });\n` }) }));
    expect(code.LastUpdateStatus).toBe('Successful');
    expect(json((await invoke('changing', {})).Payload)).toEqual({ v: 2, who: null });
    const conf = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'changing', Environment: { Variables: { WHO: 'me' } }, Timeout: 7 }));
    expect(conf).toMatchObject({ Timeout: 7, Environment: { Variables: { WHO: 'me' } } });
    expect(json((await invoke('changing', {})).Payload)).toEqual({ v: 2, who: 'me' });
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'changing' }))).Timeout).toBe(7);
    expect(await refusal(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'changing', RevisionId: 'stale', Timeout: 8 }))))
      .toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'changing' }));
    expect(await refusal(lambda.send(new GetFunctionCommand({ FunctionName: 'changing' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('keeps a resource policy (AddPermission, GetPolicy, RemovePermission)', async () => {
    const added = await lambda.send(new AddPermissionCommand({
      FunctionName: 'doubler', StatementId: 'iot-invoke', Action: 'lambda:InvokeFunction', Principal: 'iot.amazonaws.com', SourceArn: 'arn:aws:iot:us-east-1:000000000000:rule/r1',
    }));
    expect(JSON.parse(added.Statement!)).toEqual({
      Sid: 'iot-invoke', Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: arn('doubler'),
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:iot:us-east-1:000000000000:rule/r1' } },
    });
    expect(await refusal(lambda.send(new AddPermissionCommand({ FunctionName: 'doubler', StatementId: 'iot-invoke', Action: 'lambda:InvokeFunction', Principal: '*' }))))
      .toMatchObject({ name: 'ResourceConflictException' });
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: 'doubler' }))).Policy!) as { Statement: Array<{ Sid: string }> };
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['iot-invoke']);
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'doubler', StatementId: 'iot-invoke' }));
    expect(await refusal(lambda.send(new GetPolicyCommand({ FunctionName: 'doubler' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('serves a function URL: the version 2.0 event in, the mapped response out', async () => {
    await create('web', {
      'index.js': `exports.handler = async (event) => {
  if (event.rawPath === '/plain') return { hello: 'world' };
  return { statusCode: 201, headers: { 'x-seen': event.requestContext.http.method }, cookies: ['a=1', 'b=2; Path=/'], body: JSON.stringify(event) };
};\n`,
    });
    const url = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE', Cors: { AllowOrigins: ['*'] } }));
    expect(url.$metadata.httpStatusCode).toBe(201);
    expect(url.FunctionUrl).toMatch(new RegExp(`^${te.httpUrl}/lambda-url/[a-z]{32}/$`));
    expect(url).toMatchObject({ FunctionArn: arn('web'), AuthType: 'NONE', Cors: { AllowOrigins: ['*'] }, InvokeMode: 'BUFFERED' });
    expect(await refusal(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' })))).toMatchObject({ name: 'ResourceConflictException' });

    const res = await fetch(`${url.FunctionUrl!}items/7?a=1&a=2&b=x%20y`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: 'sid=abc; theme=dark' }, body: '{"k":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-seen')).toBe('POST');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2; Path=/']);
    const event = await res.json() as Record<string, any>;
    expect(event).toMatchObject({
      version: '2.0', routeKey: '$default', rawPath: '/items/7', rawQueryString: 'a=1&a=2&b=x%20y', cookies: ['sid=abc', 'theme=dark'],
      queryStringParameters: { a: '1,2', b: 'x y' }, body: '{"k":1}', isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/items/7', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' }, routeKey: '$default', stage: '$default' },
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();

    const bin = await fetch(`${url.FunctionUrl!}bin`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 2, 255]) });
    const binEvent = await bin.json() as { body: string; isBase64Encoded: boolean };
    expect(binEvent).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64') });

    const plain = await fetch(`${url.FunctionUrl!}plain`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.json()).toEqual({ hello: 'world' });

    const updated = await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'AWS_IAM' }));
    expect(updated.AuthType).toBe('AWS_IAM');
    expect((await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }))).AuthType).toBe('AWS_IAM');
    await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'web' }));
    expect((await fetch(`${url.FunctionUrl!}plain`)).status).toBe(403);
    expect(await refusal(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a function URL whose function throws answers 502', async () => {
    const url = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'thrower', AuthType: 'NONE' }));
    const res = await fetch(url.FunctionUrl!);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ Message: 'Internal Server Error' });
  });

  it('a rule\'s lambda action invokes a function created through the API', async () => {
    await create('ruled', { 'index.js': `exports.handler = async (e, ctx) => { await thingbench.publish('lambda/ruled', { t: e.t * 10, rule: ctx.functionName }); };\n` });
    await te.engine.api.rules.put('to_ruled', { sql: "SELECT t FROM 'lambda/in'", awsIotSqlVersion: '2016-03-23', actions: [{ lambda: { functionArn: arn('ruled') } }] });
    await sub.subscribeAsync('lambda/ruled', { qos: 1 });
    const got = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('lambda/in', '{"t":4}', { qos: 1 });
    expect(JSON.parse((await got)[0].payload.toString())).toEqual({ t: 40, rule: 'ruled' });
  });

  it('an SQS event source mapping invokes the function with the SQS event and deletes the batch on success', async () => {
    const sqs = new SQSClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { VisibilityTimeout: '30' } }));
      const queueArn = 'arn:aws:sqs:us-east-1:000000000000:jobs';
      await create('worker', {
        'index.js': `exports.handler = async (event) => {
  for (const r of event.Records) await thingbench.publish('lambda/jobs', { body: r.body, source: r.eventSource, arn: r.eventSourceARN, attr: r.messageAttributes.kind && r.messageAttributes.kind.stringValue, count: r.attributes.ApproximateReceiveCount });
  if (event.Records.some((r) => r.body === 'poison')) throw new Error('poison message');
};\n`,
      });
      await sub.subscribeAsync('lambda/jobs', { qos: 1 });
      const mapping = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'worker', EventSourceArn: queueArn, BatchSize: 5 }));
      expect(mapping).toMatchObject({ UUID: expect.any(String), BatchSize: 5, EventSourceArn: queueArn, FunctionArn: arn('worker'), State: 'Creating' });
      expect(mapping.$metadata.httpStatusCode).toBe(202);

      const got = nextMessages(sub, 1, 10_000);
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'job-1', MessageAttributes: { kind: { DataType: 'String', StringValue: 'resize' } } }));
      expect(JSON.parse((await got)[0].payload.toString())).toEqual({ body: 'job-1', source: 'aws:sqs', arn: queueArn, attr: 'resize', count: '1' });
      // Deleted once the invocation succeeded: nothing visible, nothing in flight.
      await vi.waitFor(async () => {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
      }, { timeout: 5000 });

      // A failed invocation leaves its message in flight, to come back after the visibility timeout.
      const poisoned = nextMessages(sub, 1, 10_000);
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
      expect(JSON.parse((await poisoned)[0].payload.toString())).toMatchObject({ body: 'poison' });
      await vi.waitFor(async () => {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
        expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
      }, { timeout: 5000 });

      expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).State).toBe('Enabled');
      expect((await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'worker' }))).EventSourceMappings!.map((m) => m.UUID)).toEqual([mapping.UUID]);
      expect((await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, BatchSize: 2 }))).BatchSize).toBe(2);
      expect(await refusal(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'worker', EventSourceArn: queueArn }))))
        .toMatchObject({ name: 'ResourceConflictException', status: 409 });
      expect(await refusal(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'worker', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:nosuch' }))))
        .toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('AWS.SimpleQueueService.NonExistentQueue') });
      expect(await refusal(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'nope', EventSourceArn: queueArn }))))
        .toMatchObject({ name: 'ResourceNotFoundException' });
      const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
      expect(deleted.State).toBe('Deleting');
      expect(await refusal(lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID })))).toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      sqs.destroy();
    }
  });

  it.skipIf(awsCliMissing !== undefined)('works with the AWS CLI: create-function from fileb://, invoke with a log tail, list-functions, errors', async () => {
    const dir = fs.mkdtempSync(path.join(te.dataDir, 'cli-'));
    fs.writeFileSync(path.join(dir, 'function.zip'), zip({ 'index.mjs': `export const handler = async (e) => { console.log('cli', e.q); return { q: e.q + 1 }; };\n` }));
    const opts = { endpoint: te.httpUrl, cwd: dir };
    const created = await awsCliJson(['lambda', 'create-function', '--function-name', 'clifn', '--runtime', 'nodejs20.x', '--handler', 'index.handler',
      '--role', ROLE, '--zip-file', 'fileb://function.zip'], opts);
    expect(created).toMatchObject({ FunctionName: 'clifn', State: 'Active' });
    const inv = await awsCliJson(['lambda', 'invoke', '--function-name', 'clifn', '--payload', '{"q":1}', '--cli-binary-format', 'raw-in-base64-out', '--log-type', 'Tail', 'out.json'], opts);
    expect(inv).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(tail(inv.LogResult as string)).toMatch(/INFO\tcli 1/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8'))).toEqual({ q: 2 });
    const listed = await awsCliJson(['lambda', 'list-functions'], opts);
    expect((listed.Functions as Array<{ FunctionName: string }>).map((f) => f.FunctionName)).toContain('clifn');
    const missing = await runAwsCli(['lambda', 'get-function', '--function-name', 'nope'], opts);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain(`An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: ${arn('nope')}`);
    await awsCliJson(['lambda', 'delete-function', '--function-name', 'clifn'], opts);
  });

  it('functions created through the API survive a restart', async () => {
    await te.stop();
    te = await te.restart();
    lambda.destroy();
    lambda = new LambdaClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
    await sub.endAsync();
    await pub.endAsync();
    sub = await connect(te.mqttPort, { clientId: 'lambda-sub' });
    pub = await connect(te.mqttPort, { clientId: 'lambda-pub' });
    expect(json((await invoke('doubler', { n: 5 })).Payload)).toMatchObject({ n: 10 });
    const url = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'thrower' }));
    expect(url.FunctionUrl).toContain(te.httpUrl);
  });
});

describe('function URLs off loopback', () => {
  const key = { accessKeyId: 'AKIDURLTEST000000001', secretAccessKey: 'url-test-secret' };
  let engine: Engine;
  let http: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-lambda-url-'));
    engine = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
    http = (await engine.start()).endpoints.http;
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('AuthType AWS_IAM needs a SigV4 signature (service lambda); AuthType NONE is open', async () => {
    const lambda = new LambdaClient({ endpoint: http, region: 'us-east-1', credentials: key });
    try {
      expect(await refusal(new LambdaClient({ endpoint: http, region: 'us-east-1', credentials: { ...key, secretAccessKey: 'wrong' } }).send(new ListFunctionsCommand({}))))
        .toMatchObject({ status: 403 });
      await lambda.send(new CreateFunctionCommand({
        FunctionName: 'who', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE,
        Code: { ZipFile: zip({ 'index.js': `exports.handler = async (e) => ({ key: e.requestContext.authorizer ? e.requestContext.authorizer.iam.accessKey : null });\n` }) },
      }));
      const open = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'who', AuthType: 'NONE' }));
      expect(await (await fetch(open.FunctionUrl!)).json()).toEqual({ key: null });
      await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'who', AuthType: 'AWS_IAM' }));
      const unsigned = await fetch(open.FunctionUrl!);
      expect(unsigned.status).toBe(403);
      const u = new URL(open.FunctionUrl!);
      const signed = await sigv4Signer('lambda', key).sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host } });
      const res = await fetch(open.FunctionUrl!, { headers: signed.headers });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ key: key.accessKeyId });
    } finally {
      lambda.destroy();
    }
  });
});

async function refusal(p: Promise<unknown>) {
  const e = await p.then(() => undefined, (err: Error & { $metadata?: { httpStatusCode?: number } }) => err);
  expect(e, 'the call was refused').toBeDefined();
  return { name: e!.name, message: e!.message, status: e!.$metadata?.httpStatusCode };
}
