/** AWS IoT SQL: parse, print, check and compile rules; evaluate them against messages. */
export type * from './ast.js';
export { SQL_VERSIONS } from './ast.js';
export { parse, parseExpression } from './parser.js';
export { print } from './printer.js';
export { tokenize, type Token } from './lexer.js';
export {
  compile, check, compileExpression, serializeOutput, NO_MATCH, DEFAULT_SQL_VERSION,
  type CompiledRule, type CompileOptions, type ExpressionOptions, type SqlOutput,
} from './compiler.js';
export { MessageContext, type SqlMessage, type SqlEnvironment, type Mqtt5Properties, type PayloadKind } from './context.js';
export { SqlError, lineColumn, type SqlDiagnostic, type SqlDiagnosticCode } from './diagnostics.js';
export { testRule, noMatchReason, type TestRuleResult, type TestRuleOptions, type NoMatchReason } from './test-rule.js';
export { functionNames, lookupFunction, type SqlFunction } from './functions.js';
export { ruleTopicMatches, topicFilterProblem } from './topic-filter.js';
export { toJsonText, toText, typeOf, type SqlValue, type SqlObject, type SqlType } from './values.js';
