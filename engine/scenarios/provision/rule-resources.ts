/** Topic rules (CreateTopicRule), each deleted at cleanup; `ifExists: update` replaces an existing one (ReplaceTopicRule). */
import { CreateTopicRuleCommand, DeleteTopicRuleCommand, GetTopicRuleCommand, ReplaceTopicRuleCommand, type TopicRulePayload } from '@aws-sdk/client-iot';
import { tagQuery } from './creation-tags.js';
import { call, exists } from './iot-control.js';
import { alreadyExists, type ProvisionEnv } from './provision-env.js';
import type { RuleSpec } from './provision-spec.js';
import { pushUndo } from './registry-resources.js';

export async function provisionRule(env: ProvisionEnv, spec: RuleSpec): Promise<void> {
  const iot = env.iot();
  const ruleName = spec.name;
  // The actions are AWS's JSON shapes, which the SDK's types spell the same way.
  const topicRulePayload = {
    sql: spec.sql,
    actions: spec.actions,
    ...(spec.errorAction ? { errorAction: spec.errorAction } : {}),
    awsIotSqlVersion: spec.awsIotSqlVersion ?? '2016-03-23',
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ruleDisabled: spec.disabled ?? false,
  } as unknown as TopicRulePayload;
  if (await exists(env.target, 'GetTopicRule', () => iot.send(new GetTopicRuleCommand({ ruleName })))) {
    const ifExists = spec.ifExists ?? env.ifExists;
    if (ifExists === 'fail') throw alreadyExists(env, 'the topic rule', ruleName);
    if (ifExists === 'reuse') {
      env.log(`rule ${ruleName}: reused`);
      return;
    }
    // The rule is replaced as a whole (its SQL, actions, error action, state), as ReplaceTopicRule does on AWS.
    await call(env.target, 'ReplaceTopicRule', () => iot.send(new ReplaceTopicRuleCommand({ ruleName, topicRulePayload })));
    env.log(`rule ${ruleName}: updated (replaced with this definition)`);
    return;
  }
  await call(env.target, 'CreateTopicRule', () => iot.send(new CreateTopicRuleCommand({ ruleName, topicRulePayload, ...(env.tags ? { tags: tagQuery(env.tags) } : {}) })));
  env.log(`rule ${ruleName}: created`);
  pushUndo(env, `delete rule ${ruleName}`, 'DeleteTopicRule', () => iot.send(new DeleteTopicRuleCommand({ ruleName })));
}
