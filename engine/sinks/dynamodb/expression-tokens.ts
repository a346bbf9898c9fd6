/**
 * The tokenizer of DynamoDB's expression language (conditions, filters, key conditions, projections, updates) and
 * AWS's syntax error: `Invalid UpdateExpression: Syntax error; token: "-", near: "book-price"`, where `near` spans
 * from the token before the offending one to the token after it, as AWS prints it.
 */
import { ddbValidation } from './ddb-errors.js';

export type TokenKind = 'name' | 'nameRef' | 'valueRef' | 'index' | 'punct' | 'eof';
export interface Token { kind: TokenKind; text: string; start: number; end: number }

export type ExpressionKind = 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression' | 'UpdateExpression' | 'ProjectionExpression';

const PUNCT = ['<>', '<=', '>=', '=', '<', '>', '(', ')', '[', ']', ',', '.', '+', '-'];

export function tokenize(kind: ExpressionKind, src: string): Token[] {
  const out: Token[] = [];
  let bad = -1;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (word) { out.push({ kind: 'name', text: word[0], start: i, end: i + word[0].length }); i += word[0].length; continue; }
    const digits = /^[0-9]+/.exec(src.slice(i));
    if (digits) { out.push({ kind: 'index', text: digits[0], start: i, end: i + digits[0].length }); i += digits[0].length; continue; }
    if (c === '#' || c === ':') {
      const ref = /^[A-Za-z0-9_]+/.exec(src.slice(i + 1));
      const len = 1 + (ref ? ref[0].length : 0);
      out.push({ kind: c === '#' ? 'nameRef' : 'valueRef', text: src.slice(i, i + len), start: i, end: i + len });
      i += len;
      continue;
    }
    const p = PUNCT.find((s) => src.startsWith(s, i));
    const text = p ?? c;
    out.push({ kind: 'punct', text, start: i, end: i + text.length });
    if (!p && bad < 0) bad = out.length - 1;
    i += text.length;
  }
  out.push({ kind: 'eof', text: '<EOF>', start: src.length, end: src.length });
  if (bad >= 0) syntaxError(kind, src, out, bad);
  return out;
}

/** AWS's syntax error for the token at `at`. */
export function syntaxError(kind: ExpressionKind, src: string, tokens: Token[], at: number): never {
  const tok = tokens[at];
  const prev = at > 0 ? tokens[at - 1] : undefined;
  const next = tokens[at + 1] && tokens[at + 1].kind !== 'eof' ? tokens[at + 1] : undefined;
  const from = prev ? prev.start : tok.start;
  const to = next ? next.end : tok.kind === 'eof' ? (prev ? prev.end : tok.end) : tok.end;
  throw ddbValidation(`Invalid ${kind}: Syntax error; token: "${tok.text}", near: "${src.slice(from, to)}"`);
}
