/**
 * Provisioning through the AWS SDK v3 IoT client against the real engine: a thing type, a group, a policy, a
 * certificate a device then connects with over mutual TLS, a thing with its principal, a rule that writes to a sink,
 * a local function; cleanup undoes all of it in reverse (also after a failure half-way), leaving the registry empty;
 * resources that already exist are refused in one sentence or reused.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateThingCommand, DeleteThingCommand, DescribeThingCommand, IoTClient, ListAttachedPoliciesCommand } from '@aws-sdk/client-iot';
import fs from 'node:fs';
import path from 'node:path';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeBeforeRemovingTempDirs, tempDir } from '../helpers/temp-dirs.js';
import { engineInventory } from '../helpers/inventory.js';
import { createEngine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import { tlsConnect } from './helpers/tls-client.js';
import { provision, provisionRefusal, type ProvisionSpec } from '../../engine/scenarios/provision/index.js';
import type { Target } from '../../engine/scenarios/targets/target.js';
import { EngineError } from '../../engine/core/index.js';

const ACCOUNT = 'arn:aws:iot:us-east-1:000000000000';

/** A cleanup stack like the runner's: undone in reverse, every undo attempted, failures collected. */
function cleanupStack() {
  const undos: Array<{ description: string; undo: () => Promise<void> }> = [];
  return {
    push: (description: string, undo: () => Promise<void>) => void undos.push({ description, undo }),
    descriptions: () => undos.map((u) => u.description),
    async unwind(): Promise<string[]> {
      const failures: string[] = [];
      for (const u of undos.splice(0).reverse()) {
        try { await u.undo(); } catch (e) { failures.push(`${u.description}: ${(e as Error).message}`); }
      }
      return failures;
    },
  };
}

/** Everything the registry, security, rules and sinks hold (what a run must leave as it found it). */
async function inventory(te: TestEngine) {
  return {
    // A function's log group (`/aws/lambda/<name>`) outlives it on AWS, but cleanup removes one the run's function made.
    ...(await engineInventory(te.engine.api)),
    functions: fs.existsSync(path.join(te.dataDir, 'functions')) ? fs.readdirSync(path.join(te.dataDir, 'functions')) : [],
  };
}

const spec: ProvisionSpec = {
  thingTypes: [{ name: 'LightBulb', description: 'bulbs', searchableAttributes: ['wattage'] }],
  thingGroups: [{ name: 'floor-1', description: 'first floor' }],
  policies: [{
    name: 'bulb-policy',
    document: { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ACCOUNT}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${ACCOUNT}:topic/bulbs/\${iot:Connection.Thing.ThingName}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ACCOUNT}:topicfilter/bulbs/\${iot:Connection.Thing.ThingName}/*` },
    ] },
  }],
  certificates: [{ name: 'bulbCert', policies: ['bulb-policy'] }],
  things: [{ name: 'bulb-1', type: 'LightBulb', attributes: { wattage: '75', model: '123' }, groups: ['floor-1'], principals: ['bulbCert'] }],
  sinks: [{ kind: 'table', name: 'Readings', options: { hashKey: { name: 'device', type: 'S' } } }],
  functions: [{ name: 'double', code: 'export const handler = async (e) => thingbench.publish(`bulbs/doubled`, String(e.w * 2));\n', timeout: 5 }],
  rules: [{
    name: 'bulb_readings',
    sql: "SELECT topic(2) AS device, * FROM 'bulbs/+/state'",
    actions: [{ dynamoDBv2: { roleArn: 'arn:aws:iam::123456789012:role/r', putItem: { tableName: 'Readings' } } }],
  }],
};

describe('provision', () => {
  let te: TestEngine;
  let target: Target;
  let iot: IoTClient;
  let empty: Awaited<ReturnType<typeof inventory>>;

  beforeAll(async () => {
    te = await startTestEngine();
    target = engineTarget(te);
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    empty = await inventory(te);
  });
  afterAll(async () => {
    iot?.destroy();
    await te?.stop();
  });

  it('creates what the step names, a device uses it over mutual TLS, and cleanup leaves the registry as it was', async () => {
    const cleanup = cleanupStack();
    const out = await provision(target, spec, { cleanup });
    const cert = out.certificates.bulbCert;
    expect(cert.certificateArn).toBe(`${ACCOUNT}:cert/${cert.certificateId}`);
    expect(cert.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(cert.privateKey).toMatch(/PRIVATE KEY-----/);

    const thing = await te.engine.api.registry.thing('bulb-1');
    expect(thing).toMatchObject({ type: 'LightBulb', attributes: { wattage: '75', model: '123' } });
    expect(await te.engine.api.registry.groupThings('floor-1')).toEqual(['bulb-1']);
    expect(await te.engine.api.registry.principals('bulb-1')).toEqual([cert.certificateArn]);
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: cert.certificateArn }))).policies?.map((p) => p.policyName)).toEqual(['bulb-policy']);
    expect(fs.readFileSync(path.join(te.dataDir, 'functions', 'double.config.json'), 'utf8')).toContain('"timeout": 5');

    // The device connects with the provisioned certificate; its publish goes through the rule into the table.
    const tls = target.mqtt('mqtts');
    const dev = await tlsConnect(tls.url, { cert: cert.certificatePem, key: cert.privateKey, ca: tls.tls!.ca! }, { clientId: 'bulb-1' });
    expect(dev.error).toBeUndefined();
    await dev.client!.publishAsync('bulbs/bulb-1/state', JSON.stringify({ on: true, w: 75 }), { qos: 1 });
    await dev.client!.endAsync();
    await vi.waitFor(async () => expect((await te.engine.api.sinks.records('table', 'Readings')).map((r) => r.data)).toEqual([{ device: 'bulb-1', on: true, w: 75 }]), { timeout: 5000 });

    expect(cleanup.descriptions()).toEqual([
      'release the provisioning client', 'delete table Readings', 'delete function double', 'delete thing type LightBulb',
      'delete thing group floor-1', 'delete policy bulb-policy', 'delete certificate bulbCert',
      'detach policy bulb-policy from certificate bulbCert', 'delete thing bulb-1', 'remove thing bulb-1 from group floor-1',
      expect.stringMatching(/^detach .* from thing bulb-1$/), 'delete rule bulb_readings',
    ]);
    expect(await cleanup.unwind()).toEqual([]);
    expect(await inventory(te)).toEqual(empty);
  });

  it('cleans up what it made when a resource half-way is refused, with one sentence naming the refusal', async () => {
    const cleanup = cleanupStack();
    const failing: ProvisionSpec = {
      policies: [{ name: 'ok-policy', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }],
      certificates: [{ name: 'c1', policies: ['ok-policy'] }],
      things: [{ name: 'typed-thing', type: 'NoSuchType', principals: ['c1'] }],
    };
    const err = await provision(target, failing, { cleanup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/^the target 'local' refused CreateThing: .*NoSuchType/);
    expect((err as Error).message).not.toContain('\n');
    expect(await cleanup.unwind()).toEqual([]);
    expect(await inventory(te)).toEqual(empty);
  });

  it('refuses a thing that already exists in one sentence, or reuses it and leaves it there', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'existing', attributePayload: { attributes: { keep: 'me' } } }));
    try {
      const cleanup = cleanupStack();
      const err = await provision(target, { thingGroups: [{ name: 'g' }], things: [{ name: 'existing', groups: ['g'] }] }, { cleanup }).catch((e: unknown) => e);
      expect((err as EngineError).code).toBe('AlreadyExists');
      expect((err as Error).message).toBe("the thing 'existing' already exists on the target 'local': remove it, rename it in the scenario, or set ifExists: reuse to use it as it is");
      expect(await cleanup.unwind()).toEqual([]);

      const reuse = cleanupStack();
      await provision(target, { ifExists: 'reuse', thingGroups: [{ name: 'g' }], things: [{ name: 'existing', groups: ['g'] }] }, { cleanup: reuse });
      expect(await te.engine.api.registry.groupThings('g')).toEqual(['existing']);
      expect(await reuse.unwind()).toEqual([]);
      // The reused thing stays, with its attributes; the membership this run added is gone with the group.
      expect((await iot.send(new DescribeThingCommand({ thingName: 'existing' }))).attributes).toEqual({ keep: 'me' });
      expect((await te.engine.api.registry.groups()).map((g) => g.name)).toEqual([]);
    } finally {
      await iot.send(new DeleteThingCommand({ thingName: 'existing' }));
    }
  });

  it('refuses before the run what a target cannot have made, in one sentence', async () => {
    const mqttOnly: Pick<Target, 'name' | 'kind' | 'api' | 'aws' | 'capabilities'> = {
      name: 'plain', kind: 'mqtt', capabilities: { shadows: false, controlPlane: false, sinks: false, engineRestart: false },
    };
    expect(provisionRefusal({ things: [{ name: 'x' }] }, mqttOnly)).toBe("provision: the target 'plain' (mqtt) has no AWS IoT control plane to create things, certificates, policies or rules on");
    const remote = { ...mqttOnly, name: 'trainer', kind: 'thingbench' as const, capabilities: { ...mqttOnly.capabilities, controlPlane: true },
      aws: { endpoint: 'https://trainer:8443', region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } };
    expect(provisionRefusal({ things: [{ name: 'x' }] }, remote)).toBeNull();
    expect(provisionRefusal({ sinks: [{ kind: 'notify', name: 'alerts' }, { kind: 'table', name: 't' }], functions: [{ name: 'f', code: '' }] }, remote))
      .toBe("provision: the target 'trainer' (thingbench) cannot have sinks (notify, table) and functions made: Thingbench creates them only on a local target until it has AWS's APIs for them (SNS, SQS, Kinesis, DynamoDB, CloudWatch Logs, Lambda)");
  });

  it('says in one sentence when the control plane cannot be reached', async () => {
    const gone: Target = { ...target, name: 'gone', aws: { ...target.aws!, endpoint: 'http://127.0.0.1:1' } };
    const cleanup = cleanupStack();
    const err = await provision(gone, { thingTypes: [{ name: 'T' }] }, { cleanup }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("the target 'gone' could not be reached for DescribeThingType at http://127.0.0.1:1 (ECONNREFUSED)");
    expect(await cleanup.unwind()).toEqual([]);
  });

  it('as a scenario step: certificates become variables, AWS templates stay, and a failed run removes what it made', async () => {
    const { result, events } = await runFiles(target, {
      'main.yaml': `
name: provisioned pipeline
variables: { version: v1 }
steps:
  - provision:
      policies:
        - name: own-topics
          document:
            Version: "2012-10-17"
            Statement: [{ Effect: Allow, Action: iot:Publish, Resource: "arn:aws:iot:us-east-1:000000000000:topic/\${iot:Connection.Thing.ThingName}/\${version}/*" }]
      certificates: [{ name: devCert, policies: [own-topics] }]
      things: [{ name: dev-1, principals: [devCert] }]
      functions: [{ name: stamp, file: stamp.js }]
      rules:
        - name: forward
          sql: "SELECT * FROM 'in/+'"
          actions: [{ republish: { topic: "out/\${topic(2)}/\${version}", roleArn: "arn:aws:iam::123456789012:role/r" } }]
        - name: stamp
          sql: "SELECT * FROM 'stamp/in'"
          actions: [{ lambda: { functionArn: stamp } }]
  - publish: { topic: cert/id, payload: { id: "\${devCert.certificateId}", arn: "\${devCert.certificateArn}" } }
  - expect: { topic: cert/id, where: [{ path: $.id, op: matches, value: "^[0-9a-f]{64}$" }, { path: $.arn, op: matches, value: ":cert/[0-9a-f]{64}$" }] }
  - publish: { topic: in/abc, payload: { n: 1 } }
  - expect: { topic: "out/abc/v1", json: { n: 1 } }
  - publish: { topic: stamp/in, payload: { n: 2 } }
  - expect: { topic: stamp/out, json: { n: 2, stamped: true } }
  - expect: { topic: never/arrives, within: 200ms }
`,
      'stamp.js': "export const handler = async (e) => thingbench.publish('stamp/out', { ...e, stamped: true });\n",
    });
    expect(result.status).toBe('failed');
    expect(result.steps.map((st) => `${st.step} ${st.status}`)).toEqual([
      'provision passed', 'publish passed', 'expect passed', 'publish passed', 'expect passed', 'publish passed', 'expect passed', 'expect failed',
    ]);
    expect(result.cleanupErrors).toEqual([]);
    // The undo actions ran in reverse: rules, thing (after its principal), certificate (after its policy), policy.
    const undone = events.filter((e) => e.name === 'cleanup.finished').map((e) => (e.data as { description: string }).description);
    expect(undone.indexOf('delete rule stamp')).toBeLessThan(undone.indexOf('delete thing dev-1'));
    expect(undone.indexOf('delete thing dev-1')).toBeLessThan(undone.indexOf('delete certificate devCert'));
    expect(undone.indexOf('detach policy own-topics from certificate devCert')).toBeLessThan(undone.indexOf('delete certificate devCert'));
    expect(undone.indexOf('delete certificate devCert')).toBeLessThan(undone.indexOf('delete policy own-topics'));
    expect(await inventory(te)).toEqual(empty);
  });

  it('an abort (Ctrl-C) half-way through a provision step creates nothing more and removes what it made', async () => {
    const ac = new AbortController();
    const things = Array.from({ length: 20 }, (_, i) => `{ name: t-${i} }`).join(', ');
    const { result } = await runFiles(target, {
      'main.yaml': `
name: aborted provisioning
steps:
  - provision: { thingTypes: [{ name: Pump }], things: [${things}] }
  - publish: { topic: never, payload: x }
`,
    }, { signal: ac.signal, onEvents: (e) => e.on('step.log', (l) => /thing type Pump: created/.test(l.message) && ac.abort()) });
    expect(result.status).toBe('aborted');
    expect(result.steps.map((st) => `${st.step} ${st.status}`)).toEqual(['provision aborted', 'publish skipped']);
    expect(result.cleanupErrors).toEqual([]);
    await vi.waitFor(async () => expect(await inventory(te)).toEqual(empty));
  });

  it('the cleanup step undoes what the run made so far, so rounds can provision the same names again', async () => {
    const { result, events } = await runFiles(target, {
      'main.yaml': `
name: rounds
devices: { bulb: { model: light-bulb } }
steps:
  - repeat:
      times: 2
      steps:
        - provision: { thingGroups: [{ name: round-group }], things: [{ name: round-thing, groups: [round-group] }] }
        - start: bulb
        - cleanup: {}
  - provision: { things: [{ name: last-thing }] }
  - cleanup:
`,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps.map((st) => `${st.step} ${st.status} ${st.note ?? ''}`.trim())).toEqual(['repeat passed 2 rounds', 'provision passed 1 resources on local', 'cleanup passed 2 undone']);
    expect(result.steps[0].children.map((st) => `${st.step} ${st.status}`)).toEqual([
      'provision passed', 'start passed', 'cleanup passed', 'provision passed', 'start passed', 'cleanup passed',
    ]);
    const logged = events.filter((e) => e.name === 'step.log').map((e) => (e.data as { message: string }).message).filter((m) => m.startsWith('cleanup: '));
    expect(logged.slice(0, 7)).toEqual([
      'cleanup: stop bulb', 'cleanup: release the certificates of bulb', 'cleanup: delete the things of bulb',
      'cleanup: remove thing round-thing from group round-group', 'cleanup: delete thing round-thing', 'cleanup: delete thing group round-group',
      'cleanup: release the provisioning client',
    ]);
    // Nothing was left for the end of the run.
    expect(events.filter((e) => e.name === 'cleanup.finished')).toEqual([]);
    expect(await inventory(te)).toEqual(empty);
  });
});

describe('provision on another Thingbench (SigV4 required)', () => {
  const key = { accessKeyId: 'AKIDTRAINER', secretAccessKey: 'trainer-secret' };

  it('creates and removes through the signed control plane; refused keys are one sentence', async () => {
    const remote = await createEngine(defaultConfig({ dataDir: tempDir('tb-provision-remote-'), host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
    closeBeforeRemovingTempDirs(() => remote.stop());
    const { endpoints } = await remote.start();
    try {
      const trainer = (credentials: typeof key): Target => ({
        name: 'trainer', kind: 'thingbench', capabilities: { shadows: true, controlPlane: true, sinks: false, engineRestart: false },
        mqtt: () => ({ url: endpoints.mqtts }), aws: { endpoint: endpoints.http, region: 'us-east-1', credentials }, close: async () => undefined,
      });
      const cleanup = cleanupStack();
      const out = await provision(trainer(key), {
        thingTypes: [{ name: 'Pump' }],
        policies: [{ name: 'pump', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] } }],
        certificates: [{ name: 'pumpCert', policies: ['pump'] }],
        things: [{ name: 'pump-1', type: 'Pump', principals: ['pumpCert'] }],
        rules: [{ name: 'pumps', sql: "SELECT * FROM 'pumps/#'", actions: [{ republish: { topic: 'seen/pumps', roleArn: 'arn:aws:iam::123456789012:role/r' } }] }],
      }, { cleanup });
      expect(await remote.api.registry.principals('pump-1')).toEqual([out.certificates.pumpCert.certificateArn]);
      expect((await remote.api.rules.list()).map((r) => r.name)).toEqual(['pumps']);
      expect(await cleanup.unwind()).toEqual([]);
      expect((await remote.api.registry.things()).items).toEqual([]);
      expect(await remote.api.registry.thingTypes()).toEqual([]);
      expect(await remote.api.security.certificates()).toEqual([]);
      expect(await remote.api.security.policies()).toEqual([]);
      expect(await remote.api.rules.list()).toEqual([]);

      const refused = await provision(trainer({ ...key, secretAccessKey: 'wrong' }), { things: [{ name: 'x' }] }, { cleanup }).then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as EngineError);
      expect(refused.code).toBe('Unauthorized');
      expect(refused.message).toMatch(/^the target 'trainer' refused DescribeThing: .+ \((InvalidSignatureException|UnrecognizedClientException|SignatureDoesNotMatch)\)$/);
      expect(await cleanup.unwind()).toEqual([]);
    } finally {
      await remote.stop();
    }
  });
});
