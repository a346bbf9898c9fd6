/** The compiled form of an expression: a closure over the message context and the current row. */
import type { SqlVersion } from './ast.js';
import type { MessageContext } from './context.js';
import type { SqlValue } from './values.js';

/**
 * `row` is what bare field names read: the parsed payload at the top level, the current element inside a
 * nested `SELECT … FROM array`.
 */
export type Evaluator = (ctx: MessageContext, row: SqlValue) => SqlValue;

/** Per-rule compile state: the SQL version and the SET variables' slots (filled once per message). */
export interface CompileScope {
  version: SqlVersion;
  variableSlots: Map<string, number>;
  variableValues: SqlValue[];
  /** Inside a nested query `*` is the current element, not the raw payload. */
  inSubQuery: boolean;
  /** The SQL text, for diagnostics raised while compiling (a constant fold over a limit). */
  source?: string;
}

const constants = new WeakMap<Evaluator, { value: SqlValue }>();

/** An evaluator that always returns `value`; the compiler folds operations on such evaluators. */
export function constant(value: SqlValue): Evaluator {
  const ev: Evaluator = () => value;
  constants.set(ev, { value });
  return ev;
}

export function constantValue(ev: Evaluator): { value: SqlValue } | undefined {
  return constants.get(ev);
}
