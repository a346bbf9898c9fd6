/**
 * Where in the text a SQLite error is. sql.js gives messages only (`near "FROM": syntax error`, `no such column: x`),
 * so the token they name is looked up in the text; for a token that occurs more than once, `confirm(end)` (the
 * database compiling the text cut after that occurrence) tells whether the parser stopped there.
 */

export interface SqlErrorPosition {
  /** 1-based, as editors count. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** 0-based offsets into the text. */
  start: number;
  end: number;
}

/** What an error message names: a token to find, or the end of the text; null when it names no place. */
export function errorToken(message: string): { token: string; word: boolean } | 'end' | null {
  const near = /near "([\s\S]*)": syntax error/.exec(message);
  if (near) return { token: near[1]!, word: false };
  const unrecognized = /unrecognized token: "([\s\S]*)"/.exec(message);
  if (unrecognized) return { token: unrecognized[1]!, word: false };
  const named = /no such (?:table|column|function): (\S+)|ambiguous column name: (\S+)/.exec(message);
  if (named) return { token: (named[1] ?? named[2])!, word: true };
  if (/incomplete input/.test(message)) return 'end';
  return null;
}

/** Offsets of `token` in `text`; a `word` is matched ignoring case and only between non-identifier characters. */
export function occurrences(text: string, token: string, word: boolean): number[] {
  if (!token) return [];
  const out: number[] = [];
  const hay = word ? text.toLowerCase() : text;
  const needle = word ? token.toLowerCase() : token;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    if (word && (/[\w$]/.test(text[i - 1] ?? '') || /[\w$]/.test(text[i + needle.length] ?? ''))) continue;
    out.push(i);
  }
  return out;
}

/** 1-based line and column of a 0-based offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/**
 * The error's place in the text: the first occurrence of its token that `confirm` accepts (every one, without it),
 * else the first; the last character for an incomplete input; null when the message names no place or the token is
 * not in the text.
 */
export function locateError(text: string, message: string, confirm?: (end: number) => boolean): SqlErrorPosition | null {
  const what = errorToken(message);
  if (what === null) return null;
  let start: number;
  let end: number;
  if (what === 'end') {
    end = text.trimEnd().length;
    start = Math.max(0, end - 1);
  } else {
    const found = occurrences(text, what.token, what.word);
    if (found.length === 0) return null;
    start = (found.length > 1 && confirm ? found.find((at) => confirm(at + what.token.length)) : undefined) ?? found[0]!;
    end = start + Math.max(1, what.token.length);
  }
  const from = lineColumn(text, start);
  const to = lineColumn(text, end);
  return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column, start, end };
}
