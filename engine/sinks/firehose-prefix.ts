/**
 * Firehose's S3 key prefixes [Firehose DG: "Custom prefixes for Amazon S3 objects"]: `Prefix` and `ErrorOutputPrefix`
 * with `!{timestamp:<Java DateTimeFormatter pattern>}`, `!{firehose:random-string}` and
 * `!{firehose:error-output-type}` expressions, evaluated in UTC when an object is written.
 * - A prefix without a timestamp expression gets `YYYY/MM/dd/HH/` appended (the default time prefix).
 * - Without an `ErrorOutputPrefix` (allowed only when `Prefix` has no expressions), failed records go under
 *   `<Prefix><error-output-type>/YYYY/MM/dd/HH/`; an `ErrorOutputPrefix` without expressions gets
 *   `<error-output-type>/YYYY/MM/dd/HH/` appended the same way.
 *
 * LIMITATIONS: timestamp patterns know the letters y, M, d, H, h, m, s, S and quoted literals; `partitionKeyFrom*`
 * namespaces (dynamic partitioning) are refused.
 */
import crypto from 'node:crypto';

const EXPRESSION = /!\{([A-Za-z]+):([^}]*)\}/g;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Why a `Prefix` / `ErrorOutputPrefix` pair is refused (InvalidArgumentException), or null. */
export function prefixProblem(prefix: string | undefined, errorPrefix: string | undefined): string | null {
  for (const [field, value] of [['Prefix', prefix], ['ErrorOutputPrefix', errorPrefix]] as const) {
    if (value === undefined) continue;
    if (value.length > 1024) return `${field} must be at most 1024 characters.`;
    const stripped = value.replace(EXPRESSION, '');
    if (stripped.includes('!{')) return `${field} contains an invalid expression: the sequence !{ can only appear in !{namespace:value} expressions.`;
    for (const [, ns, v] of value.matchAll(EXPRESSION)) {
      if (ns === 'timestamp') continue;
      if (ns === 'firehose' && (v === 'random-string' || v === 'error-output-type')) continue;
      if (ns === 'partitionKeyFromQuery' || ns === 'partitionKeyFromLambda') return `${field} uses !{${ns}:${v}}, which needs dynamic partitioning: Thingbench does not support it.`;
      return `${field} contains an unknown expression !{${ns}:${v}}.`;
    }
  }
  if (prefix !== undefined && prefix.includes('!{firehose:error-output-type}')) return 'Prefix cannot contain !{firehose:error-output-type}: it can only be used in ErrorOutputPrefix.';
  if (errorPrefix === undefined && prefix !== undefined && hasExpressions(prefix)) return 'ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.';
  if (errorPrefix !== undefined && hasExpressions(errorPrefix) && !errorPrefix.includes('!{firehose:error-output-type}')) {
    return 'ErrorOutputPrefix must contain !{firehose:error-output-type} when it contains expressions.';
  }
  return null;
}

export const hasExpressions = (p: string) => /!\{[A-Za-z]+:[^}]*\}/.test(p);

/** The evaluated prefix of a delivered object. */
export function objectPrefix(prefix: string, at: Date): string {
  const evaluated = evaluate(prefix, at, undefined);
  return /!\{timestamp:/.test(prefix) ? evaluated : `${evaluated}${timePrefix(at)}`;
}

/** The evaluated prefix of an object of failed records (`errorOutputType`: `processing-failed`, …). */
export function errorPrefix(prefix: string, errorOutputPrefix: string | undefined, errorOutputType: string, at: Date): string {
  if (errorOutputPrefix === undefined) return `${prefix}${errorOutputType}/${timePrefix(at)}`;
  if (!hasExpressions(errorOutputPrefix)) return `${errorOutputPrefix}${errorOutputType}/${timePrefix(at)}`;
  return evaluate(errorOutputPrefix, at, errorOutputType);
}

const timePrefix = (at: Date) => `${formatTimestamp('yyyy/MM/dd/HH', at)}/`;

function evaluate(prefix: string, at: Date, errorOutputType: string | undefined): string {
  return prefix.replace(EXPRESSION, (_, ns: string, value: string) => {
    if (ns === 'timestamp') return formatTimestamp(value, at);
    if (value === 'random-string') return crypto.randomBytes(6).toString('hex').slice(0, 11);
    return errorOutputType ?? '';
  });
}

/** A Java DateTimeFormatter pattern in UTC: runs of y, M, d, H, h, m, s, S; 'quoted' text is literal. */
export function formatTimestamp(pattern: string, at: Date): string {
  let out = '';
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      const literal = pattern.slice(i + 1, end === -1 ? pattern.length : end);
      out += literal === '' && end === i + 1 ? "'" : literal;
      i = end === -1 ? pattern.length : end + 1;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y': case 'u': out += n === 2 ? pad(at.getUTCFullYear() % 100, 2) : pad(at.getUTCFullYear(), n); break;
      case 'M': out += pad(at.getUTCMonth() + 1, n); break;
      case 'd': out += pad(at.getUTCDate(), n); break;
      case 'H': out += pad(at.getUTCHours(), n); break;
      case 'h': out += pad(at.getUTCHours() % 12 || 12, n); break;
      case 'm': out += pad(at.getUTCMinutes(), n); break;
      case 's': out += pad(at.getUTCSeconds(), n); break;
      case 'S': out += pad(at.getUTCMilliseconds(), 3).slice(0, n).padEnd(n, '0'); break;
      default: out += c.repeat(n);
    }
  }
  return out;
}
