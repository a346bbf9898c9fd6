export { RulesService, type RuleFlow, type RulesEvents, type RulesServiceOptions, type RuleShadows } from './rules-service.js';
export type { RuleUsage, ActionKindUsage } from './rule-meter.js';
export { rulesApi } from './rules-api.js';
export { awsTopicRule, awsTopicRuleListItem, ruleArn, validateRuleName, ACCOUNT_ID, REGION } from './rule-model.js';
export { actionFactories } from './actions/registry.js';
export type { ActionDeps, ActionFactory, ActionInput, ActionResult, RuleAction, FunctionInvoker, FunctionResult } from './actions/action.js';
export type { SinkWriter } from './actions/sink-writer.js';
export { SqlError, type SqlValue } from './sql/index.js';
export { parse as parseRuleSql, parseExpression as parseRuleExpression, print as printRuleSql, type Query as RuleQuery, type SelectItem as RuleSelectItem } from './sql/index.js';
