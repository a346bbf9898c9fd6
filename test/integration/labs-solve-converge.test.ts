/**
 * `solveLab` on a lab half done by hand: lab 2 with the attendee's own SNS topic (untagged), queue, a subscription
 * without raw delivery and a rule with the wrong SQL. The solution converges instead of stopping at "already
 * exists": the rule is replaced, the subscription's attributes set, the topic and queue reused, each said in its
 * step's output; afterwards every check is done. Lab 1 with the attendee's thing and a too-wide policy: the thing is
 * reused, the policy gets the solution's document as a new default version (unchanged when solved again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreatePolicyCommand, CreateThingCommand, CreateTopicRuleCommand, GetPolicyCommand, GetTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TypedEmitter } from '../../engine/core/index.js';
import { checkLab, findLab, labNames, loadCatalogue, solveLab, startLab } from '../../engine/labs/index.js';
import type { ScenarioEvents } from '../../engine/scenarios/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

describe('solving a lab half done by hand', () => {
  it('lab 2 with a wrong rule, its own topic, queue and a subscription without raw delivery: solve converges and every check passes', async () => {
    const attendee = 'hana';
    const target = engineTarget(te);
    const lab = findLab(loadCatalogue(), 'sns-hook');
    const names = labNames(lab, { attendee });
    const started = await startLab(lab, target, { attendee });
    const client = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    const sns = new SNSClient(client);
    const sqs = new SQSClient(client);
    const iot = new IoTClient(client);

    // What the attendee did by hand: steps 2 and 4, the rule with the wrong topic filter and threshold.
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: names.TOPIC }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: names.QUEUE }));
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const wrongSql = "SELECT * FROM 'device/+/temperature' WHERE temp > 50";
    await iot.send(new CreateTopicRuleCommand({
      ruleName: names.RULE,
      topicRulePayload: { sql: wrongSql, actions: [{ sns: { targetArn: TopicArn, roleArn: `arn:aws:iam::000000000000:role/${names.ROLE}` } }] },
    }));
    const before = await checkLab(lab, target, { attendee, since: started.startedAt });
    expect(before.checks.find((c) => c.id === 'rule')?.status).toBe('missing');
    expect(before.checks.find((c) => c.id === 'subscription')?.status).toBe('missing');

    const events = new TypedEmitter<ScenarioEvents>();
    const finished: string[] = [];
    events.on('step.finished', (e) => finished.push(e.note ?? e.message ?? ''));
    const run = await solveLab(lab, target, { attendee, events });
    expect(run.message).toBeUndefined();
    expect(run.status).toBe('passed');

    // Each step says what it found and what it did with it.
    expect(finished).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`rule ${names.RULE}: updated \\(replaced with this definition\\)`)),
      expect.stringMatching(/sns CreateTopic: topicArn=.* \(it existed: reused\)/),
      expect.stringMatching(/sns Subscribe.*\(it existed: updated \(its attributes set\)\)/),
    ]));
    const rule = await iot.send(new GetTopicRuleCommand({ ruleName: names.RULE }));
    expect(rule.rule?.sql).toBe("SELECT temp, topic(2) AS device FROM 'device/+/data' WHERE temp > 30");

    const after = await checkLab(lab, target, { attendee, since: started.startedAt });
    expect(after.checks.map((c) => `${c.id} ${c.status}`)).toEqual(lab.checks.map((c) => `${c.id} done`));
    for (const c of [sns, sqs, iot]) c.destroy();
  });

  it("lab 1 with the attendee's thing and a policy that allows every topic: the policy gets the solution's document as a new default version", async () => {
    const attendee = 'ivo';
    const target = engineTarget(te);
    const lab = findLab(loadCatalogue(), 'getting-set-up');
    const names = labNames(lab, { attendee });
    const started = await startLab(lab, target, { attendee });
    const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await iot.send(new CreateThingCommand({ thingName: names.THING }));
    const tooWide = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
    await iot.send(new CreatePolicyCommand({ policyName: names.POLICY, policyDocument: JSON.stringify(tooWide) }));

    const events = new TypedEmitter<ScenarioEvents>();
    const finished: string[] = [];
    events.on('step.finished', (e) => finished.push(e.note ?? e.message ?? ''));
    const run = await solveLab(lab, target, { attendee, events });
    expect(run.message).toBeUndefined();
    expect(run.status).toBe('passed');
    expect(finished.join('\n')).toContain(`policy ${names.POLICY}: updated (new default version 2)`);
    expect(finished.join('\n')).toContain(`thing ${names.THING}: reused`);
    const policy = await iot.send(new GetPolicyCommand({ policyName: names.POLICY }));
    expect(policy.defaultVersionId).toBe('2');
    expect(policy.policyDocument).toContain('device/${iot:Connection.Thing.ThingName}/data');
    const after = await checkLab(lab, target, { attendee, since: started.startedAt });
    expect(after.checks.map((c) => `${c.id} ${c.status}`)).toEqual(lab.checks.map((c) => `${c.id} done`));

    // Solved again: the policy's default version is already the solution's, so nothing changes.
    const again = await solveLab(lab, target, { attendee, events });
    expect(again.status).toBe('passed');
    expect(finished.join('\n')).toContain(`policy ${names.POLICY}: unchanged (its default version is this document)`);
    iot.destroy();
  });
});
