/**
 * Why WHERE was not true for one message: the first AND term that was not true (or the whole condition), re-evaluated
 * on demand against the captured message, so the message path stores nothing for it.
 */
import { compileExpression, MessageContext, toJsonText, typeOf, type CompiledRule, type Expr, type SqlEnvironment, type SqlMessage, type SqlValue } from './sql/index.js';

export interface FailedCondition {
  /** The term as the rule's SQL spells it. */
  text: string;
  /** Its value: `false`, `Undefined`, or a non-Boolean value with its type. */
  value: string;
}

function andTerms(e: Expr): Expr[] {
  return e.kind === 'Binary' && e.op === 'AND' ? [...andTerms(e.left), ...andTerms(e.right)] : [e];
}

function describe(v: SqlValue): string {
  if (v === undefined) return 'Undefined';
  if (v === false) return 'false';
  const text = toJsonText(v);
  return `${text.length > 200 ? `${text.slice(0, 200)}…` : text} (${typeOf(v)})`;
}

/** The deciding term of `rule`'s WHERE for `message`, or undefined when WHERE is true (or absent) for it now. */
export function failedCondition(rule: CompiledRule, message: SqlMessage, env: SqlEnvironment): FailedCondition | undefined {
  const where = rule.query.where;
  if (!where) return undefined;
  const ctx = new MessageContext(message, env);
  for (const term of andTerms(where)) {
    const text = rule.sql.slice(term.start, term.end);
    let value: SqlValue;
    try {
      value = compileExpression(text, { rule })(ctx);
    } catch {
      // A term that does not compile alone (it should, as part of a compiled rule): name the whole condition.
      break;
    }
    if (value !== true) return { text, value: describe(value) };
  }
  const whole = rule.where(ctx);
  return whole === true ? undefined : { text: rule.sql.slice(where.start, where.end), value: describe(whole) };
}
