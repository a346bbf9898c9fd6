/**
 * Substitution templates [DG:iot-substitution-templates]: `${expression}` inside action parameters, evaluated per
 * message with the rule's SQL semantics (payload fields, functions, `topic()`, SET variables `@name`). A string
 * result is inserted as is, another value as JSON, Undefined and null as the empty string.
 */
import { EngineError } from '../core/index.js';
import { compileExpression, SqlError, toText, type CompiledRule, type MessageContext, type SqlValue } from './sql/index.js';

type Part = string | ((ctx: MessageContext) => SqlValue);
export type CompiledTemplate = (ctx: MessageContext) => string;

/** Splits a parameter into literal text and `${…}` expressions; braces inside quoted strings do not end one. */
export function splitTemplate(text: string): Array<{ literal: string } | { expr: string; offset: number }> {
  const out: Array<{ literal: string } | { expr: string; offset: number }> = [];
  let i = 0;
  let literal = '';
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) break;
    literal += text.slice(i, start);
    let depth = 1;
    let j = start + 2;
    let quote: string | null = null;
    for (; j < text.length && depth > 0; j++) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === "'" || c === '"' || c === '`') quote = c;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth > 0) throw new EngineError('InvalidInput', `Unterminated substitution template at offset ${start}: ${text}`);
    if (literal) out.push({ literal });
    literal = '';
    out.push({ expr: text.slice(start + 2, j - 1), offset: start });
    i = j;
  }
  literal += text.slice(i);
  if (literal) out.push({ literal });
  return out;
}

export function hasTemplate(text: string): boolean {
  return text.includes('${');
}

/** Compiles a template against its rule; throws EngineError('InvalidInput') naming the template on a bad expression. */
export function compileTemplate(text: string, rule: CompiledRule): CompiledTemplate {
  const parts: Part[] = splitTemplate(text).map((p) => {
    if ('literal' in p) return p.literal;
    if (p.expr.trim() === '') throw new EngineError('InvalidInput', `Empty substitution template in ${JSON.stringify(text)}`);
    try {
      return compileExpression(p.expr, { rule });
    } catch (e) {
      if (e instanceof SqlError) {
        throw new EngineError('InvalidInput', `Invalid substitution template \${${p.expr}} in ${JSON.stringify(text)}: ${e.message}`, { diagnostics: e.diagnostics });
      }
      throw e;
    }
  });
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const constant = parts[0];
    return () => constant;
  }
  return (ctx) => {
    let s = '';
    for (const part of parts) s += typeof part === 'string' ? part : (toText(part(ctx)) ?? '');
    return s;
  };
}

/** Every string inside an action's parameters (nested objects and arrays included). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}
