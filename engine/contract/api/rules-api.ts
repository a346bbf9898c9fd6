import type {
  RuleDiagnostic, RuleEvaluation, RuleInfo, RuleMetrics, RuleTestInput, RuleTestResult, RuleTraceQuery, TopicRulePayload,
} from '../rules-types.js';

/** Topic rules: the same rules as the AWS API (`/rules/{ruleName}`) and the `<dataDir>/rules` folder. */
export interface RulesApi {
  list(): Promise<RuleInfo[]>;
  /** NotFound when the rule does not exist. */
  get(name: string): Promise<RuleInfo>;
  /** Creates or replaces a rule; invalid SQL or templates are InvalidInput with the diagnostics in `details`. */
  put(name: string, payload: TopicRulePayload): Promise<RuleInfo>;
  delete(name: string): Promise<void>;
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  /** Every diagnostic (errors and warnings) of a SQL statement, for the editor; never fails on bad SQL. */
  check(sql: string, awsIotSqlVersion?: string): Promise<RuleDiagnostic[]>;
  /** `testRule(sql, topic, payload, clientId)`: the output, why there is none, or the error. */
  test(input: RuleTestInput): Promise<RuleTestResult>;
  /** Per-rule counters, or one rule's. */
  metrics(name?: string): Promise<RuleMetrics[]>;
  /** Recent evaluations (matched or not and why not) with their action outcomes, newest first. */
  trace(query?: RuleTraceQuery): Promise<RuleEvaluation[]>;
}
