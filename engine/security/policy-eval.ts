/**
 * AWS IoT policy evaluation (pure): IAM semantics over the statements of every policy attached to a principal.
 *
 * - Default deny; an action is allowed when an Allow statement matches and no Deny does (explicit deny wins).
 * - `Action` matches case-insensitively with `*`/`?`; `Resource` matches case-sensitively with IAM wildcards:
 *   `*` is any run of characters including `/`, `?` one character, and MQTT's `+`/`#` are literal characters.
 * - Policy variables (`${iot:ClientId}`, `${iot:Connection.Thing.ThingName}`, `${iot:Certificate.Subject.CommonName}`, …)
 *   are substituted as literal text (a client id of `*` is not a wildcard); `${*}`, `${?}`, `${$}` write the literal
 *   characters. A statement with a variable that cannot be resolved does not match [DG:iot-policy-variables].
 * - Conditions: the IAM string, ARN, Bool, Null, numeric and IP operators, with `ForAnyValue:`/`ForAllValues:` and
 *   `…IfExists`.
 *
 * LIMITATIONS: no `NotPrincipal`/`Principal` (IoT policies have none); date operators are not supported.
 */

export type Effect = 'Allow' | 'Deny';

export interface Condition {
  operator: string;
  key: string;
  values: string[];
}

export interface Statement {
  effect: Effect;
  actions: string[];
  notActions?: string[];
  resources: string[];
  notResources?: string[];
  conditions: Condition[];
}

/** One attached policy's default version. */
export interface EffectivePolicy {
  name: string;
  version: string;
  statements: Statement[];
}

/** Resolves a variable name such as `iot:ClientId`; undefined when it does not apply to this connection. */
export type VariableResolver = (name: string) => string | string[] | undefined;

export interface Decision {
  allowed: boolean;
  action: string;
  resource: string;
  /** `allowed`, `explicitDeny` (a Deny statement matched) or `implicitDeny` (no Allow matched). */
  kind: 'allowed' | 'explicitDeny' | 'implicitDeny';
  /** The statement that decided (the matching Allow or Deny), if any. */
  statement?: { policy: string; version: string; index: number; effect: Effect };
  /** Variables the evaluation looked up, with their values (`null`: could not be resolved). */
  variables: Record<string, string | string[] | null>;
  /** Human-readable reason for logs and the UI. */
  reason: string;
}

export function evaluate(policies: EffectivePolicy[], action: string, resource: string, resolve: VariableResolver): Decision {
  const variables: Record<string, string | string[] | null> = {};
  const lookup: VariableResolver = (name) => {
    const v = resolve(name);
    variables[name] = v ?? null;
    return v;
  };
  let allow: Decision['statement'];
  const skipped: string[] = [];
  for (const p of policies) {
    for (let index = 0; index < p.statements.length; index++) {
      const s = p.statements[index];
      const m = statementMatches(s, action, resource, lookup);
      if (m === 'unresolved') skipped.push(`${p.name} statement ${index}`);
      if (m !== true) continue;
      const statement = { policy: p.name, version: p.version, index, effect: s.effect };
      if (s.effect === 'Deny') {
        return { allowed: false, action, resource, kind: 'explicitDeny', statement, variables, reason: `explicitly denied by ${p.name} (version ${p.version}) statement ${index}` };
      }
      allow ??= statement;
    }
  }
  if (allow) return { allowed: true, action, resource, kind: 'allowed', statement: allow, variables, reason: `allowed by ${allow.policy} (version ${allow.version}) statement ${allow.index}` };
  const none = policies.length ? `no Allow statement in ${policies.map((p) => p.name).join(', ')} matches ${action} on ${resource}` : 'no policy is attached to the principal';
  return { allowed: false, action, resource, kind: 'implicitDeny', variables, reason: skipped.length ? `${none} (${skipped.join(', ')} skipped: a policy variable could not be resolved)` : none };
}

function statementMatches(s: Statement, action: string, resource: string, resolve: VariableResolver): boolean | 'unresolved' {
  const actionOk = s.notActions ? !s.notActions.some((a) => wildcard(a, action, true)) : s.actions.some((a) => wildcard(a, action, true));
  if (!actionOk) return false;
  let unresolved = false;
  const resourceMatch = (patterns: string[]) => patterns.some((p) => {
    const pattern = substitute(p, resolve);
    if (pattern === undefined) {
      unresolved = true;
      return false;
    }
    return wildcardPattern(pattern, resource);
  });
  const resourceOk = s.notResources ? !resourceMatch(s.notResources) : resourceMatch(s.resources);
  if (!resourceOk) return unresolved ? 'unresolved' : false;
  for (const c of s.conditions) {
    const r = conditionHolds(c, resolve);
    if (r !== true) return r;
  }
  return true;
}

// ── wildcards and variables ────────────────────────────────────────────────

const regexCache = new Map<string, RegExp>();

/** A pattern after substitution: literal segments are marked so that substituted text never acts as a wildcard. */
interface Substituted {
  parts: Array<{ text: string; literal: boolean }>;
}

function substitute(pattern: string, resolve: VariableResolver): Substituted | undefined {
  if (!pattern.includes('${')) return { parts: [{ text: pattern, literal: false }] };
  const parts: Substituted['parts'] = [];
  let last = 0;
  for (const m of pattern.matchAll(/\$\{([^}]*)\}/g)) {
    parts.push({ text: pattern.slice(last, m.index), literal: false });
    const name = m[1];
    if (name === '*' || name === '?' || name === '$') parts.push({ text: name, literal: true });
    else {
      const v = resolve(name);
      if (typeof v !== 'string') return undefined;
      parts.push({ text: v, literal: true });
    }
    last = m.index + m[0].length;
  }
  parts.push({ text: pattern.slice(last), literal: false });
  return { parts };
}

const escape = (s: string) => s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');

function wildcardPattern(p: Substituted, value: string): boolean {
  if (p.parts.length === 1 && !p.parts[0].literal) return wildcard(p.parts[0].text, value, false);
  const source = p.parts.map((x) => (x.literal ? escape(x.text) : globSource(x.text))).join('');
  return cachedRegex(source, false).test(value);
}

function globSource(glob: string): string {
  return glob.split('').map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : escape(ch))).join('');
}

function cachedRegex(source: string, ignoreCase: boolean): RegExp {
  const key = (ignoreCase ? 'i:' : 's:') + source;
  let re = regexCache.get(key);
  if (!re) {
    if (regexCache.size > 10_000) regexCache.clear();
    re = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    regexCache.set(key, re);
  }
  return re;
}

/** IAM glob match: `*` any run (including `/`), `?` exactly one character. */
export function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern === '*') return true;
  if (!/[*?]/.test(pattern)) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return cachedRegex(globSource(pattern), ignoreCase).test(value);
}

// ── conditions ─────────────────────────────────────────────────────────────

/** Condition operators this evaluator understands (base names, without set prefixes or IfExists). */
export const conditionOperators = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike', 'Bool', 'Null', 'IpAddress', 'NotIpAddress',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
]);

export function splitOperator(op: string): { set?: 'ForAnyValue' | 'ForAllValues'; base: string; ifExists: boolean } {
  let rest = op, set: 'ForAnyValue' | 'ForAllValues' | undefined;
  const m = /^(ForAnyValue|ForAllValues):(.*)$/.exec(op);
  if (m) [set, rest] = [m[1] as 'ForAnyValue', m[2]];
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  return { set, base: ifExists ? rest.slice(0, -'IfExists'.length) : rest, ifExists };
}

function conditionHolds(c: Condition, resolve: VariableResolver): boolean | 'unresolved' {
  const { set, base, ifExists } = splitOperator(c.operator);
  const raw = resolve(c.key);
  if (base === 'Null') {
    const wantNull = c.values.some((v) => v.toLowerCase() === 'true');
    return (raw === undefined) === wantNull;
  }
  if (raw === undefined) return ifExists ? true : 'unresolved';
  const actual = Array.isArray(raw) ? raw : [raw];
  const expected: string[] = [];
  for (const v of c.values) {
    const s = substitute(v, resolve);
    if (!s) return 'unresolved';
    expected.push(s.parts.map((p) => p.text).join(''));
  }
  const negated = /Not/.test(base) && base !== 'Null';
  const test = (a: string) => {
    const any = expected.some((e) => compare(base.replace('Not', ''), a, e));
    return negated ? !expected.some((e) => compare(base.replace('Not', ''), a, e)) : any;
  };
  if (set === 'ForAllValues') return actual.every(test);
  return actual.some(test);
}

function compare(op: string, actual: string, expected: string): boolean {
  switch (op) {
    case 'StringEquals': case 'ArnEquals': return actual === expected;
    case 'StringEqualsIgnoreCase': return actual.toLowerCase() === expected.toLowerCase();
    case 'StringLike': case 'ArnLike': return wildcard(expected, actual, false);
    case 'Bool': return actual.toLowerCase() === expected.toLowerCase();
    case 'IpAddress': case 'IpAddressAddress': return ipInCidr(actual, expected);
    case 'NumericEquals': return Number(actual) === Number(expected);
    case 'NumericLessThan': return Number(actual) < Number(expected);
    case 'NumericLessThanEquals': return Number(actual) <= Number(expected);
    case 'NumericGreaterThan': return Number(actual) > Number(expected);
    case 'NumericGreaterThanEquals': return Number(actual) >= Number(expected);
    default: return false;
  }
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [net, bitsRaw] = cidr.split('/');
  const a = ipv4(ip), n = ipv4(net);
  if (a === undefined || n === undefined) return ip === cidr;
  const bits = bitsRaw === undefined ? 32 : Number(bitsRaw);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

function ipv4(s: string): number | undefined {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}
