/**
 * SQLite's SQL for Monaco in the SQL console: Monarch highlighting (keywords, functions, 'strings', "identifiers",
 * numbers, comments, JSON operators) and completion of the loaded tables and their columns (after `table.` or an
 * alias's `a.`: that table's columns), keywords and functions. Registered once; each editor says where its tables come from.
 */
import type * as MonacoApi from 'monaco-editor/editor/editor.api';
import type { Monaco } from '../../ui/monaco.js';

export const SQLITE_LANGUAGE = 'sqlite';

export interface SchemaTable {
  name: string;
  columns: readonly string[];
}

const KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'ORDER', 'ASC', 'DESC', 'LIMIT', 'OFFSET', 'AS', 'DISTINCT', 'ALL',
  'JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS', 'NATURAL', 'ON', 'USING', 'UNION', 'INTERSECT', 'EXCEPT',
  'AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'LIKE', 'GLOB', 'REGEXP', 'BETWEEN', 'EXISTS', 'CASE', 'WHEN', 'THEN', 'ELSE',
  'END', 'WITH', 'RECURSIVE', 'CAST', 'COLLATE', 'NOCASE', 'ESCAPE', 'OVER', 'PARTITION', 'WINDOW', 'ROWS', 'RANGE',
  'INSERT', 'INTO', 'VALUES', 'UPDATE', 'SET', 'DELETE', 'CREATE', 'TABLE', 'VIEW', 'INDEX', 'DROP', 'TEMP', 'IF',
  'INTEGER', 'REAL', 'TEXT', 'BLOB', 'NULLS', 'FIRST', 'LAST', 'TRUE', 'FALSE', 'FILTER', 'EXPLAIN', 'QUERY', 'PLAN',
];

const FUNCTIONS = [
  'count', 'sum', 'total', 'avg', 'min', 'max', 'group_concat', 'abs', 'round', 'length', 'lower', 'upper', 'trim',
  'ltrim', 'rtrim', 'substr', 'replace', 'instr', 'coalesce', 'ifnull', 'nullif', 'iif', 'typeof', 'printf', 'format',
  'date', 'time', 'datetime', 'julianday', 'strftime', 'unixepoch', 'random', 'hex', 'quote', 'char', 'unicode',
  'json', 'json_extract', 'json_array', 'json_object', 'json_type', 'json_valid', 'json_array_length', 'json_each',
  'json_tree', 'json_group_array', 'json_group_object', 'json_quote', 'row_number', 'rank', 'dense_rank', 'lag', 'lead',
  'first_value', 'last_value', 'ntile', 'floor', 'ceil', 'sqrt', 'pow', 'log', 'exp', 'mod',
];

/** An identifier as SQL needs it: bare when it is a plain word, else double-quoted. */
export function sqlName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.includes(name.toUpperCase()) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The table a qualifier names in `text`: the table itself, or the one it aliases (`FROM messages m`, `JOIN things AS t`). */
export function tableOfQualifier(text: string, qualifier: string, tables: readonly SchemaTable[]): SchemaTable | undefined {
  const q = qualifier.replace(/^"|"$/g, '').toLowerCase();
  const direct = tables.find((t) => t.name.toLowerCase() === q);
  if (direct) return direct;
  const alias = /(?:from|join)\s+("(?:[^"]|"")+"|[A-Za-z_]\w*)\s+(?:as\s+)?([A-Za-z_]\w*)/gi;
  for (const m of text.matchAll(alias)) {
    if (m[2]!.toLowerCase() !== q) continue;
    const name = m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"').toLowerCase();
    return tables.find((t) => t.name.toLowerCase() === name);
  }
  return undefined;
}

const sources = new Map<string, () => readonly SchemaTable[]>();
let registered = false;

/** Makes the model's completion offer `tables()`; returns the function that forgets it. */
export function provideTables(model: MonacoApi.editor.ITextModel, tables: () => readonly SchemaTable[]): () => void {
  const key = model.uri.toString();
  sources.set(key, tables);
  return () => { sources.delete(key); };
}

export function registerSqlite(monaco: Monaco): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: SQLITE_LANGUAGE, aliases: ['SQLite'] });
  monaco.languages.setLanguageConfiguration(SQLITE_LANGUAGE, {
    comments: { lineComment: '--', blockComment: ['/*', '*/'] },
    brackets: [['(', ')']],
    autoClosingPairs: [{ open: '(', close: ')' }, { open: "'", close: "'", notIn: ['string'] }, { open: '"', close: '"', notIn: ['string'] }],
    surroundingPairs: [{ open: '(', close: ')' }, { open: "'", close: "'" }, { open: '"', close: '"' }],
  });
  monaco.languages.setMonarchTokensProvider(SQLITE_LANGUAGE, {
    ignoreCase: true,
    defaultToken: '',
    tokenPostfix: '.sql',
    keywords: KEYWORDS.map((k) => k.toLowerCase()),
    functions: FUNCTIONS,
    tokenizer: {
      root: [
        [/--.*$/, 'comment'],
        [/\/\*/, { token: 'comment', next: '@comment' }],
        [/[A-Za-z_]\w*(?=\s*\()/, { cases: { '@functions': 'predefined', '@keywords': 'keyword', '@default': 'identifier' } }],
        [/[A-Za-z_]\w*/, { cases: { '@keywords': 'keyword', '@default': 'identifier' } }],
        [/\s+/, 'white'],
        [/\d+(\.\d+)?([eE][-+]?\d+)?/, 'number'],
        [/'/, { token: 'string.quote', next: '@string' }],
        [/"/, { token: 'identifier.quote', next: '@quoted' }],
        [/->>|->|<>|!=|<=|>=|\|\||[=<>+\-*/%]/, 'operator'],
        [/[()]/, '@brackets'],
        [/[,.;]/, 'delimiter'],
      ],
      comment: [[/\*\//, { token: 'comment', next: '@pop' }], [/[^*]+/, 'comment'], [/\*/, 'comment']],
      string: [[/''/, 'string.escape'], [/[^']+/, 'string'], [/'/, { token: 'string.quote', next: '@pop' }]],
      quoted: [[/""/, 'identifier'], [/[^"]+/, 'identifier'], [/"/, { token: 'identifier.quote', next: '@pop' }]],
    },
  } as MonacoApi.languages.IMonarchLanguage);
  monaco.languages.registerCompletionItemProvider(SQLITE_LANGUAGE, {
    triggerCharacters: ['.'],
    provideCompletionItems: (model, position) => completions(monaco, model, position),
  });
}

function completions(monaco: Monaco, model: MonacoApi.editor.ITextModel, position: MonacoApi.Position): MonacoApi.languages.CompletionList {
  const word = model.getWordUntilPosition(position);
  const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn };
  const before = model.getLineContent(position.lineNumber).slice(0, word.startColumn - 1);
  const tables = sources.get(model.uri.toString())?.() ?? [];
  const K = monaco.languages.CompletionItemKind;
  // After `table.` or `alias.`: that table's columns.
  const qualifier = /("(?:[^"]|"")+"|[A-Za-z_]\w*)\.$/.exec(before)?.[1];
  if (qualifier) {
    const table = tableOfQualifier(model.getValue(), qualifier, tables);
    return { suggestions: (table?.columns ?? []).map((c) => ({ label: c, kind: K.Field, insertText: sqlName(c), range, detail: `column of ${table!.name}` })) };
  }
  const suggestions: MonacoApi.languages.CompletionItem[] = [];
  const text = model.getValue().toLowerCase();
  for (const t of tables) {
    suggestions.push({ label: t.name, kind: K.Struct, insertText: sqlName(t.name), range, detail: 'table', sortText: `1${t.name}` });
    // Columns of the tables the query names come first.
    const named = text.includes(t.name.toLowerCase());
    for (const c of t.columns) suggestions.push({ label: c, kind: K.Field, insertText: sqlName(c), range, detail: `column of ${t.name}`, sortText: `${named ? 0 : 3}${c}` });
  }
  for (const k of KEYWORDS) suggestions.push({ label: k, kind: K.Keyword, insertText: k, range, sortText: `2${k}` });
  for (const f of FUNCTIONS) {
    suggestions.push({ label: f, kind: K.Function, insertText: `${f}($0)`, range, sortText: `4${f}`, insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet });
  }
  return { suggestions };
}
