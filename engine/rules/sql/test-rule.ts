/**
 * `testRule(sql, topic, payload, clientId)` for the editor (issue 4, Management): the output, or why there is
 * none, or the diagnostics that reject the SQL.
 */
import { compile, NO_MATCH, serializeOutput, type CompileOptions, type SqlOutput } from './compiler.js';
import { MessageContext, type SqlEnvironment, type SqlMessage } from './context.js';
import { SqlError, type SqlDiagnostic } from './diagnostics.js';
import type { SqlValue } from './values.js';

export type NoMatchReason = 'topic' | 'where-false' | 'where-undefined' | 'where-not-boolean';

export type TestRuleResult =
  | { ok: true; matched: true; output: SqlOutput; payload: Buffer; diagnostics: SqlDiagnostic[] }
  | { ok: true; matched: false; reason: NoMatchReason; where?: SqlValue; diagnostics: SqlDiagnostic[] }
  | { ok: false; diagnostics: SqlDiagnostic[]; error?: string };

export interface TestRuleOptions extends CompileOptions {
  env?: SqlEnvironment;
  /** Extra message fields (principal, traceId, timestamp, MQTT 5 properties). */
  message?: Partial<SqlMessage>;
}

/** Why a WHERE value does not fire the rule: only Boolean `true` does [DG:iot-sql-where]. */
export function noMatchReason(where: SqlValue): Exclude<NoMatchReason, 'topic'> | null {
  if (where === true) return null;
  if (where === false) return 'where-false';
  return where === undefined ? 'where-undefined' : 'where-not-boolean';
}

export function testRule(sql: string, topic: string, payload: Uint8Array | string, clientId?: string | null, options: TestRuleOptions = {}): TestRuleResult {
  let rule;
  try {
    rule = compile(sql, options);
  } catch (e) {
    if (e instanceof SqlError) return { ok: false, diagnostics: e.diagnostics };
    throw e;
  }
  const { diagnostics } = rule;
  if (rule.topicFilter !== null && !rule.matchesTopic(topic)) return { ok: true, matched: false, reason: 'topic', diagnostics };
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const ctx = new MessageContext({ ...options.message, topic, payload: bytes, clientId }, options.env);
  try {
    const where = rule.where(ctx);
    const reason = noMatchReason(where);
    if (reason) return { ok: true, matched: false, reason, where, diagnostics };
    const output = rule.select(ctx);
    return { ok: true, matched: true, output, payload: serializeOutput(output, ctx), diagnostics };
  } catch (e) {
    // Injected functions (get_thing_shadow, external calls) and limits (SqlEvaluationError: a result over 128 KB, a
    // regex the engine cannot run) throw; AWS sends the rule to errorAction.
    return { ok: false, diagnostics, error: e instanceof Error ? e.message : String(e) };
  }
}

export { NO_MATCH };
