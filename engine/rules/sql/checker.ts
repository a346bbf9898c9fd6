/**
 * Static checks after parsing: unknown functions, version gates, cast types, encoding schemes, variables and the
 * topic filter are errors (AWS rejects the rule); argument counts, unaliased expressions, Thingbench extensions
 * and operations on literals that can only give Undefined are warnings (AWS accepts them; they evaluate to
 * Undefined or to an undocumented key).
 */
import type { Expr, Query, SelectClause, Span, SqlVersion } from './ast.js';
import { makeDiagnostic, type SqlDiagnostic, type SqlDiagnosticCode } from './diagnostics.js';
import { CAST_TYPE_NAMES, castTarget } from './functions/cast.js';
import { lookupFunction } from './functions.js';
import { regexProblem } from './functions/regexp.js';
import { BINARY } from './operators.js';
import { topicFilterProblem } from './topic-filter.js';
import { visit } from './walk.js';

const VERSION_ORDER: Record<SqlVersion, number> = { '2015-10-08': 0, '2016-03-23': 1 };
const LITERAL_KINDS = new Set(['Number', 'String', 'Boolean', 'Null']);

class Checker {
  readonly diagnostics: SqlDiagnostic[] = [];
  constructor(private readonly source: string, private readonly version: SqlVersion) {}

  report(code: SqlDiagnosticCode, severity: 'error' | 'warning', span: Span, message: string, expected?: string[]): void {
    this.diagnostics.push(makeDiagnostic(this.source, code, severity, span, message, expected));
  }

  requireVersion(needed: SqlVersion, span: Span, what: string): void {
    if (VERSION_ORDER[this.version] < VERSION_ORDER[needed]) {
      this.report('VersionMismatch', 'error', span, `${what} requires SQL version ${needed} (this rule uses ${this.version})`);
    }
  }

  query(q: Query): void {
    if (q.from !== null && q.fromSpan) {
      const problem = topicFilterProblem(q.from);
      if (problem) this.report('InvalidTopicFilter', 'error', q.fromSpan, problem);
    }
    const defined = new Set<string>();
    for (const a of q.set) {
      this.expression(a.value, defined);
      // [DG:iot-sql-set] variables are immutable: one assignment each.
      if (defined.has(a.name)) this.report('UnknownVariable', 'error', a, `Variable @${a.name} is already defined`);
      defined.add(a.name);
    }
    if (q.where) this.expression(q.where, defined);
    this.select(q.select, defined);
  }

  select(s: SelectClause, vars: Set<string>): void {
    if (s.kind === 'Value') { this.expression(s.expr, vars); return; }
    s.items.forEach((item) => {
      if (item.kind !== 'ExprItem') return;
      this.expression(item.expr, vars);
      const e = item.expr;
      if (item.alias === null && e.kind !== 'Identifier' && e.kind !== 'Member' && e.kind !== 'Call') {
        this.report('MissingAlias', 'warning', e, 'Give this expression a name with AS: AWS does not document the key it gets otherwise');
      }
    });
  }

  expression(root: Expr, vars: Set<string>): void {
    visit(root, (e) => {
      switch (e.kind) {
        case 'Call': this.call(e); break;
        case 'Cast': this.cast(e); break;
        case 'Object': this.requireVersion('2016-03-23', e, 'An object literal'); break;
        case 'Array': this.requireVersion('2016-03-23', e, 'An array literal'); break;
        case 'SubQuery': this.requireVersion('2016-03-23', e, 'A nested query'); break;
        case 'Variable':
          if (!vars.has(e.name)) this.report('UnknownVariable', 'error', e, `Variable @${e.name} is not defined by an earlier SET`);
          break;
        case 'Binary': this.binary(e); break;
        default: break;
      }
    });
  }

  private call(e: Extract<Expr, { kind: 'Call' }>): void {
    const fn = lookupFunction(e.name);
    if (!fn) {
      this.report('UnknownFunction', 'error', e.nameSpan, `Unknown function '${e.name}'`);
      return;
    }
    this.requireVersion(fn.since, e.nameSpan, `${fn.name}()`);
    if (e.args.length < fn.minArgs || e.args.length > fn.maxArgs) {
      const want = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : fn.maxArgs === Infinity ? `at least ${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      this.report('WrongArgumentCount', 'warning', e, `${fn.name}() takes ${want} argument${want === '1' ? '' : 's'}, not ${e.args.length}: it evaluates to Undefined`);
    }
    if (fn.extension) this.report('Extension', 'warning', e.nameSpan, `${fn.name}() is a Thingbench extension: AWS IoT rejects it`);
    if (fn.external) this.report('NotAvailableLocally', 'warning', e.nameSpan, `${fn.name}() calls an AWS service: locally it is Undefined unless the rules service provides it`);
    if (fn.name === 'encode' || fn.name === 'decode') this.encodingScheme(e, fn.name);
    const pattern = fn.name.startsWith('regexp_') ? e.args[1] : undefined;
    if (pattern?.kind === 'String') {
      const problem = regexProblem(pattern.value);
      if (problem) this.report('UnsupportedRegex', 'error', pattern, problem);
    }
  }

  /** [DG:iot-sql-functions] the scheme is "a literal string"; only 'base64' (and, for decode, 'proto'). */
  private encodingScheme(e: Extract<Expr, { kind: 'Call' }>, name: string): void {
    const scheme = e.args[1];
    if (!scheme) return;
    const allowed = name === 'decode' ? ['base64', 'proto'] : ['base64'];
    if (scheme.kind !== 'String' || !allowed.includes(scheme.value.toLowerCase())) {
      this.report('InvalidArgument', 'error', scheme, `The ${name} scheme must be the literal ${allowed.map((s) => `'${s}'`).join(' or ')}`, allowed.map((s) => `'${s}'`));
    } else if (scheme.value.toLowerCase() === 'proto') {
      this.report('NotAvailableLocally', 'warning', scheme, "decode(…, 'proto') needs descriptor files in S3: locally it is Undefined");
    }
  }

  private cast(e: Extract<Expr, { kind: 'Cast' }>): void {
    const t = castTarget(e.type);
    if (!t) this.report('UnknownCastType', 'error', e.typeSpan, `Unknown cast type '${e.type}'`, CAST_TYPE_NAMES);
    else this.requireVersion(t.since, e.typeSpan, `cast to ${e.type}`);
  }

  /** An operator applied to two literals that can only give Undefined is almost surely a mistake. */
  private binary(e: Extract<Expr, { kind: 'Binary' }>): void {
    const { left, right } = e;
    if (!LITERAL_KINDS.has(left.kind) || !LITERAL_KINDS.has(right.kind)) return;
    const value = (x: Expr) => (x.kind === 'Null' ? null : (x as { value: number | string | boolean }).value);
    if (BINARY[e.op](value(left), value(right)) === undefined) {
      this.report('TypeMismatch', 'warning', e, `'${e.op}' cannot combine these operand types: the result is always Undefined`);
    }
  }
}

export function checkQuery(q: Query, source: string, version: SqlVersion): SqlDiagnostic[] {
  const c = new Checker(source, version);
  c.query(q);
  return c.diagnostics.sort((a, b) => a.offset - b.offset);
}

export function checkExpression(e: Expr, source: string, version: SqlVersion, variables: Iterable<string> = []): SqlDiagnostic[] {
  const c = new Checker(source, version);
  c.expression(e, new Set(variables));
  return c.diagnostics;
}
