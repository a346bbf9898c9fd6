/**
 * Compiles AWS IoT SQL to closures: one `CompiledRule` per rule, never `eval` or `new Function` of user text.
 *
 * Per message: make one `MessageContext` and hand it to every rule whose FROM matches. The payload is parsed
 * once, lazily, on the context; field paths are precompiled accessors; constant sub-expressions are folded at
 * compile time; `SELECT *` returns the parsed payload itself. An evaluation allocates only its output.
 *
 * LIMITATIONS:
 * - Numbers are IEEE doubles. AWS's Int has 34 digits and Decimal 34-digit precision: integers past 2^53 lose
 *   digits, and Decimal results are doubles tidied to 15 significant digits when that removes binary noise
 *   (`0.1 + 0.2` = 0.3, as on AWS), but `10 / 3.0` gives 3.3333333333333335 where AWS gives 34 threes.
 * - A number is an Int when it is whole. That is SQL 2016-03-23's rule (`10.0` is Int 10); under 2015-10-08
 *   AWS keeps `10.0` a Decimal, which only shows in `/` (`7.0 / 2` is 3 here, 3.5 there) and in output text.
 * - Regular expressions run on RE2 (linear time), not Java's backtracking engine: backreferences, lookahead,
 *   atomic groups and possessive quantifiers are refused with `UnsupportedRegex` (functions/regexp.ts).
 * - No string, array or object a rule builds may exceed 128 KB, AWS IoT's message size (limits.ts): past it the
 *   rule is refused (when folded from constants) or the evaluation fails with `LimitExceeded`.
 * - parse_time/time_to_epoch cover the common Joda/JDK pattern letters; zone short names come from Intl
 *   (`GMT+1` where Joda prints `CET`). Week-based fields are not supported (Undefined).
 * - `decode(…, 'proto')`, `aws_lambda`, `get_dynamodb`, `get_secret`, `get_registry_data`,
 *   `machinelearning_predict` go through `env.callExternal` and are Undefined without it; `get_thing_shadow`
 *   through `env.getThingShadow`. These hooks are synchronous.
 * - `SELECT *, expr AS k` on a binary (non-JSON) payload outputs only the added keys (AWS documents adding keys
 *   to empty and JSON payloads only).
 * - Unaliased expressions get the key `_N` (N = item position); AWS does not document its choice.
 */
import type { Query, SqlVersion } from './ast.js';
import { checkExpression, checkQuery } from './checker.js';
import { compileExpr } from './compile-expressions.js';
import { compileSelect } from './compile-select.js';
import type { MessageContext } from './context.js';
import { SqlError, type SqlDiagnostic } from './diagnostics.js';
import type { CompileScope, Evaluator } from './evaluator.js';
import { parse, parseExpression } from './parser.js';
import { topicLevelsMatcher } from './topic-filter.js';
import { toJsonText, type SqlValue } from './values.js';
import { queryExprs, visit } from './walk.js';

/** Whether any expression reads payload fields (bare names or `*`): if none does, the payload is never parsed. */
function readsPayload(q: Query): boolean {
  if (q.select.kind === 'List' && q.select.items.some((i) => i.kind === 'StarItem')) return true;
  let found = false;
  for (const e of queryExprs(q)) visit(e, (x) => { if (x.kind === 'Identifier' || x.kind === 'Star') found = true; });
  return found;
}

/** The version used when none is given. The issue asks for 2016-03-23; AWS's own API default is 2015-10-08. */
export const DEFAULT_SQL_VERSION: SqlVersion = '2016-03-23';

export interface CompileOptions { version?: SqlVersion }

/** A rule output: a SQL value, or the raw payload bytes (`SELECT *` of a non-JSON payload). */
export type SqlOutput = SqlValue | Uint8Array;

/** What `evaluate` returns when WHERE is not true. */
export const NO_MATCH: unique symbol = Symbol('no match');

export interface CompiledRule {
  readonly sql: string;
  readonly query: Query;
  readonly version: SqlVersion;
  /** FROM's topic filter; null for Basic-Ingest-only rules. */
  readonly topicFilter: string | null;
  /** Warnings (errors throw from `compile`). */
  readonly diagnostics: SqlDiagnostic[];
  /** The SET variable names, in order (for `${@var}` templates). */
  readonly variables: readonly string[];
  /** False when no expression reads the payload: evaluating then never parses it. */
  readonly usesPayload: boolean;
  matchesTopic(topic: string): boolean;
  /** `matchesTopic` for a topic already split into levels (split once per message, however many rules). */
  matchesTopicLevels(levels: readonly string[]): boolean;
  /** The WHERE value; the rule fires only when it is exactly `true` [DG:iot-sql-where]. `true` without WHERE. */
  where(ctx: MessageContext): SqlValue;
  /** The SELECT output. Read-only: it can share objects with the parsed payload and with other rules' outputs. */
  select(ctx: MessageContext): SqlOutput;
  /** `select(ctx)` when `where(ctx) === true`, else `NO_MATCH`. */
  evaluate(ctx: MessageContext): SqlOutput | typeof NO_MATCH;
  /** The value of `@name` for this message (SET is evaluated once per message). */
  variable(ctx: MessageContext, name: string): SqlValue;
}

function throwOnErrors(diagnostics: SqlDiagnostic[]): SqlDiagnostic[] {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new SqlError(errors);
  return diagnostics;
}

/** Parses, checks and compiles a rule. Throws `SqlError` (with every error diagnostic) when AWS would reject it. */
export function compile(sql: string, options: CompileOptions = {}): CompiledRule {
  const version = options.version ?? DEFAULT_SQL_VERSION;
  const query = parse(sql);
  const diagnostics = throwOnErrors(checkQuery(query, sql, version));
  const scope: CompileScope = { version, variableSlots: new Map(), variableValues: [], inSubQuery: false, source: sql };
  query.set.forEach((a, i) => scope.variableSlots.set(a.name, i));
  const setters = query.set.map((a) => compileExpr(a.value, scope));
  const whereEv: Evaluator | null = query.where ? compileExpr(query.where, scope) : null;
  const selectEv = compileSelect(query.select, scope);
  const isBareStar = query.select.kind === 'List' && query.select.items.length === 1 && query.select.items[0].kind === 'StarItem';
  const filter = query.from;
  const usesPayload = readsPayload(query);
  const matchesLevels = filter === null ? () => false : topicLevelsMatcher(filter);

  // SET runs once per message, before WHERE [DG:iot-sql-set]; the slots are reused (evaluation is synchronous).
  let variablesFor: MessageContext | null = null;
  const prepare = (ctx: MessageContext): SqlValue => {
    const row = usesPayload ? ctx.json() : undefined;
    if (setters.length && variablesFor !== ctx) {
      for (let i = 0; i < setters.length; i++) scope.variableValues[i] = setters[i](ctx, row);
      variablesFor = ctx;
    }
    return row;
  };
  const where = (ctx: MessageContext): SqlValue => (whereEv ? whereEv(ctx, prepare(ctx)) : true);
  const select = (ctx: MessageContext): SqlOutput => {
    // [DG:binary-payloads] `SELECT *` of a non-JSON payload forwards its bytes unchanged.
    if (isBareStar && ctx.payloadKind() !== 'json') return ctx.message.payload;
    return selectEv(ctx, prepare(ctx));
  };
  return {
    sql, query, version, diagnostics, topicFilter: filter,
    variables: query.set.map((a) => a.name),
    usesPayload,
    matchesTopic: (topic) => matchesLevels(topic.split('/')),
    matchesTopicLevels: matchesLevels,
    where,
    select,
    evaluate: (ctx) => (where(ctx) === true ? select(ctx) : NO_MATCH),
    variable: (ctx, name) => {
      const slot = scope.variableSlots.get(name);
      if (slot === undefined) return undefined;
      prepare(ctx);
      return scope.variableValues[slot];
    },
  };
}

/** All diagnostics (errors and warnings) for the editor; never throws. */
export function check(sql: string, options: CompileOptions = {}): SqlDiagnostic[] {
  try {
    return checkQuery(parse(sql), sql, options.version ?? DEFAULT_SQL_VERSION);
  } catch (e) {
    if (e instanceof SqlError) return e.diagnostics;
    throw e;
  }
}

export interface ExpressionOptions extends CompileOptions {
  /** The rule whose SET variables `@name` refers to (substitution templates may use them). */
  rule?: CompiledRule;
}

/** Compiles one expression, as in a `${…}` substitution template. Field names read the message payload. */
export function compileExpression(text: string, options: ExpressionOptions = {}): (ctx: MessageContext) => SqlValue {
  const version = options.version ?? options.rule?.version ?? DEFAULT_SQL_VERSION;
  const expr = parseExpression(text);
  const names = options.rule?.variables ?? [];
  throwOnErrors(checkExpression(expr, text, version, names));
  const scope: CompileScope = { version, variableSlots: new Map(), variableValues: [], inSubQuery: false, source: text };
  names.forEach((n, i) => scope.variableSlots.set(n, i));
  const ev = compileExpr(expr, scope);
  const rule = options.rule;
  return (ctx) => {
    if (rule) names.forEach((n, i) => { scope.variableValues[i] = rule.variable(ctx, n); });
    return ev(ctx, ctx.json());
  };
}

/**
 * The payload bytes of an output, as actions send it: raw bytes unchanged; the untouched parsed payload as its
 * original bytes; a top-level Undefined as an empty payload [DG:iot-sql-data-types]; anything else as JSON.
 */
export function serializeOutput(output: SqlOutput, ctx?: MessageContext): Buffer {
  if (output instanceof Uint8Array) return Buffer.isBuffer(output) ? output : Buffer.from(output);
  if (ctx && typeof output === 'object' && output !== null && output === ctx.json()) {
    const p = ctx.message.payload;
    return Buffer.isBuffer(p) ? p : Buffer.from(p);
  }
  return Buffer.from(toJsonText(output), 'utf8');
}
