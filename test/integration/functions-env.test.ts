/**
 * Local functions run user code: a JavaScript function (and any process it starts) and a Python function see the
 * environment Lambda documents for a function plus their own configured variables, and none of the engine's
 * environment, which here holds a canary and "real" AWS credentials. Their AWS SDK calls are signed with their
 * execution role's temporary credentials, which an engine requiring SigV4 accepts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { hasPython } from '../../engine/functions/index.js';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const CANARY = 'TB_ENGINE_CANARY_7f3a';
const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('function environments', () => {
  let te: TestEngine;
  let pub: MqttClient;
  let sub: MqttClient;
  const saved = { canary: process.env[CANARY], secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    // The engine's own environment: a canary and the user's (pretend) real credentials.
    process.env[CANARY] = 'engine-only';
    process.env.AWS_SECRET_ACCESS_KEY = 'users-real-secret';
    te = await startTestEngine();
    const dir = path.join(te.dataDir, 'functions');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'envjs.mjs'), `import { execFileSync } from 'node:child_process';
export const handler = async (event, context) => {
  const child = execFileSync('env', { encoding: 'utf8' }).split('\\n').filter(Boolean).map((l) => l.slice(0, l.indexOf('=')));
  await context.sdk.publish('fnenv/envjs', { env: { ...process.env }, child });
};\n`);
    fs.writeFileSync(path.join(dir, 'envjs.config.json'), JSON.stringify({ memorySize: 192, environment: { variables: { GREETING: 'hello', AWS_REGION: 'eu-west-1' } } }));
    fs.writeFileSync(path.join(dir, 'envpy.py'), `import os, json
def handler(event, context):
    context.sdk.publish('fnenv/envpy', json.dumps({'env': dict(os.environ)}))
`);
    // The AWS SDK v3 as a Lambda Node.js runtime provides it: not in the function's package, required or imported.
    fs.writeFileSync(path.join(dir, 'sdkcjs.js'), `const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const client = new DynamoDBClient({});
exports.handler = async (event) => {
  await client.send(new PutItemCommand({ TableName: 'fn-sdk', Item: { id: { S: event.id }, by: { S: 'cjs' } } }));
  return { endpoint: process.env.AWS_ENDPOINT_URL };
};\n`);
    fs.writeFileSync(path.join(dir, 'sdkesm.mjs'), `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => (await doc.send(new GetCommand({ TableName: 'fn-sdk', Key: { id: event.id } }))).Item ?? null;\n`);
    // An ES module whose own import of the SDK sits in a sibling module.
    fs.writeFileSync(path.join(dir, 'sdksib.mjs'), `import { tableNames } from './sdksib-lib.mjs';\nexport const handler = async () => ({ tables: await tableNames() });\n`);
    fs.writeFileSync(path.join(dir, 'sdksib-lib.mjs'), `import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const tableNames = async () => (await client.send(new ListTablesCommand({}))).TableNames;\n`);
    fs.writeFileSync(path.join(dir, 'nosuch.js'), `exports.handler = async () => require('@aws-sdk/client-nope');\n`);
    fs.writeFileSync(path.join(dir, 'envpy.config.json'), JSON.stringify({ environment: { variables: { GREETING: 'hola' } } }));
    for (const name of ['envjs', 'envpy']) {
      await te.engine.api.rules.put(`r_${name}`, { sql: `SELECT * FROM 'fn/${name}'`, awsIotSqlVersion: '2016-03-23', actions: [{ lambda: { functionArn: arn(name) } }] });
    }
    pub = await connect(te.mqttPort, { clientId: 'env-pub' });
    sub = await connect(te.mqttPort, { clientId: 'env-sub' });
    await sub.subscribeAsync('fnenv/#');
  });
  afterAll(async () => {
    await pub?.endAsync();
    await sub?.endAsync();
    await te?.stop();
    if (saved.canary === undefined) delete process.env[CANARY];
    else process.env[CANARY] = saved.canary;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  const documented = (name: string, memory: string) => ({
    AWS_LAMBDA_FUNCTION_NAME: name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory, AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`, _HANDLER: `${name}.handler`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', LAMBDA_TASK_ROOT: path.join(te.dataDir, 'functions'), TZ: ':UTC',
  });

  it('a JavaScript function and the processes it starts see Lambda\'s variables and their own, not the engine\'s', async () => {
    const got = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('fn/envjs', '{}');
    const { env, child } = JSON.parse((await got)[0].payload.toString()) as { env: Record<string, string>; child: string[] };
    expect(env).toMatchObject({ ...documented('envjs', '192'), GREETING: 'hello', AWS_EXECUTION_ENV: expect.stringMatching(/^AWS_Lambda_nodejs\d+\.x$/) });
    expect(env).not.toHaveProperty(CANARY);
    expect(env.AWS_SECRET_ACCESS_KEY).not.toBe('users-real-secret');
    expect(Object.keys(env).filter((k) => k in process.env && env[k] === process.env[k] && !['LANG', 'TZ'].includes(k))).toEqual([]);
    expect(child).toContain('AWS_LAMBDA_FUNCTION_NAME');
    expect(child).not.toContain(CANARY);
    // Lambda refuses to let a function's configuration set a reserved variable; here it is ignored and logged.
    expect(te.logs.some((l) => l.message.includes('AWS_REGION is reserved by Lambda'))).toBe(true);
  });

  it.skipIf(!hasPython())('a Python function sees the same documented set and its own variables, not the engine\'s', async () => {
    const got = nextMessages(sub, 1, 10_000);
    await pub.publishAsync('fn/envpy', '{}');
    const { env } = JSON.parse((await got)[0].payload.toString()) as { env: Record<string, string> };
    expect(env).toMatchObject({ ...documented('envpy', '128'), GREETING: 'hola', AWS_EXECUTION_ENV: expect.stringMatching(/^AWS_Lambda_python3\.\d+$/) });
    expect(env).not.toHaveProperty(CANARY);
    expect(env.AWS_SECRET_ACCESS_KEY).not.toBe('users-real-secret');
  });

  it('a JavaScript function uses the AWS SDK v3 as on Lambda, from the runtime, and its clients reach the engine through AWS_ENDPOINT_URL', async () => {
    await te.engine.api.sinks.create('table', 'fn-sdk', { hashKey: { name: 'id', type: 'S' } });
    const lambda = new LambdaClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
    try {
      const invoke = async (FunctionName: string, payload: unknown) => {
        const r = await lambda.send(new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify(payload)) }));
        return { error: r.FunctionError, body: JSON.parse(Buffer.from(r.Payload!).toString()) as Record<string, unknown> | null };
      };
      expect(await invoke('sdkcjs', { id: 'd1' })).toEqual({ error: undefined, body: { endpoint: te.httpUrl.replace(/\/$/, '') } });
      expect(await te.engine.api.sinks.records('table', 'fn-sdk')).toHaveLength(1);
      // The SDK's notice about future Node versions stays out of the function's log (Lambda's SDK prints none).
      const log = await vi.waitFor(async () => {
        const text = JSON.stringify(await te.engine.api.sinks.records('log', '/aws/lambda/sdkcjs'));
        expect(text).toContain('REPORT RequestId');
        return text;
      }, { timeout: 10_000 });
      expect(log).not.toContain('NodeVersionSupportWarning');
      expect(await invoke('sdkesm', { id: 'd1' })).toEqual({ error: undefined, body: { id: 'd1', by: 'cjs' } });
      expect(await invoke('sdksib', {})).toEqual({ error: undefined, body: { tables: ['fn-sdk'] } });
      // Only the SDK resolves from the runtime; other missing packages stay missing, as on Lambda.
      const missing = await invoke('nosuch', {});
      expect(missing.error).toBe('Unhandled');
      expect(String(missing.body?.errorMessage)).toContain("Cannot find module '@aws-sdk/client-nope'");
    } finally {
      lambda.destroy();
    }
  });
});

describe('function credentials on an engine that requires SigV4', () => {
  const key = { accessKeyId: 'AKIDFNCREDS', secretAccessKey: 'fn-creds-secret' };
  let engine: Engine;
  let dataDir: string;
  let http: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-fncreds-'));
    const dir = path.join(dataDir, 'functions');
    fs.mkdirSync(dir, { recursive: true });
    // As on Lambda: the SDK finds the execution role's credentials in the environment.
    fs.writeFileSync(path.join(dir, 'whoami.mjs'), `import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';
export const handler = async () => {
  const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  const queues = await new SQSClient({}).send(new ListQueuesCommand({}));
  return { arn: who.Arn, queues: queues.QueueUrls ?? [], key: process.env.AWS_ACCESS_KEY_ID };
};\n`);
    // Off loopback, every HTTP request must be signed with a key the engine knows.
    engine = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
    http = (await engine.start()).endpoints.http;
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("a function's AWS SDK calls are signed with its execution role's temporary credentials, which the engine accepts", async () => {
    const lambda = new LambdaClient({ endpoint: http, region: 'us-east-1', credentials: key });
    try {
      const r = await lambda.send(new InvokeCommand({ FunctionName: 'whoami', Payload: Buffer.from('{}') }));
      const body = JSON.parse(Buffer.from(r.Payload!).toString()) as { arn?: string; queues?: string[]; key?: string; errorMessage?: string };
      expect(r.FunctionError, body.errorMessage).toBeUndefined();
      expect(body.arn).toBe('arn:aws:sts::000000000000:assumed-role/thingbench-function/whoami');
      expect(body.queues).toEqual([]);
      expect(body.key).toMatch(/^ASIA[A-Z0-9]{16}$/);
      // A second invocation reuses the warm worker and its credentials.
      const again = JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: 'whoami', Payload: Buffer.from('{}') }))).Payload!).toString()) as { key?: string };
      expect(again.key).toBe(body.key);
    } finally {
      lambda.destroy();
    }
  });
});
