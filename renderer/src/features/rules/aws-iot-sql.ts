/**
 * The AWS IoT SQL language for Monaco: Monarch highlighting (keywords, functions, strings, the FROM topic literal with
 * its wildcards, operators, `${…}` substitution templates) and completion of keywords, functions, cast types and the
 * payload fields seen on the rule's topic filter. Registered once; each editor says where its fields come from.
 */
import type * as MonacoApi from 'monaco-editor/editor/editor.api';
import {
  RULE_SQL_CAST_TYPES, RULE_SQL_CONSTANTS, RULE_SQL_FUNCTIONS, RULE_SQL_KEYWORDS,
} from '../../../../engine/contract/index.js';
import type { Monaco } from '../../ui/monaco.js';

export const LANGUAGE_ID = 'aws-iot-sql';

/** Per editor model (by URI): the payload field paths to complete. */
const fieldSources = new Map<string, () => readonly string[]>();
let registered = false;

/** Makes the model's completion offer `fields()`; returns the function that forgets it. */
export function provideFields(model: MonacoApi.editor.ITextModel, fields: () => readonly string[]): () => void {
  const key = model.uri.toString();
  fieldSources.set(key, fields);
  return () => { fieldSources.delete(key); };
}

export function registerAwsIotSql(monaco: Monaco): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: LANGUAGE_ID, aliases: ['AWS IoT SQL'] });
  monaco.languages.setLanguageConfiguration(LANGUAGE_ID, {
    brackets: [['(', ')'], ['[', ']'], ['{', '}']],
    autoClosingPairs: [{ open: '(', close: ')' }, { open: '[', close: ']' }, { open: '{', close: '}' }, { open: "'", close: "'", notIn: ['string'] }, { open: '"', close: '"', notIn: ['string'] }],
    surroundingPairs: [{ open: '(', close: ')' }, { open: "'", close: "'" }, { open: '"', close: '"' }],
  });
  monaco.languages.setMonarchTokensProvider(LANGUAGE_ID, monarch());
  monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, {
    triggerCharacters: ['.'],
    provideCompletionItems: (model, position) => completions(monaco, model, position),
  });
}

function monarch(): MonacoApi.languages.IMonarchLanguage {
  return {
    ignoreCase: true,
    defaultToken: '',
    // The built-in themes colour SQL's keywords, functions (`predefined.sql`), strings and operators.
    tokenPostfix: '.sql',
    keywords: RULE_SQL_KEYWORDS.map((k) => k.toLowerCase()),
    constants: [...RULE_SQL_CONSTANTS],
    functions: RULE_SQL_FUNCTIONS.map((f) => f.name.toLowerCase()),
    types: RULE_SQL_CAST_TYPES.map((t) => t.toLowerCase()),
    operators: ['=', '<>', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%'],
    tokenizer: {
      root: [
        [/\$\{/, { token: 'delimiter.substitution', next: '@substitution' }],
        [/from\b/, { token: 'keyword', next: '@topic' }],
        [/[A-Za-z_]\w*(?=\s*\()/, { cases: { '@functions': 'predefined', '@keywords': 'keyword', '@default': 'identifier' } }],
        [/[A-Za-z_]\w*/, { cases: { '@keywords': 'keyword', '@constants': 'constant', '@types': 'type', '@default': 'identifier' } }],
        [/@[A-Za-z_]\w*/, 'variable'],
        { include: '@whitespace' },
        [/\d+(\.\d+)?([eE][-+]?\d+)?/, 'number'],
        [/'/, { token: 'string.quote', next: '@string_single' }],
        [/"/, { token: 'string.quote', next: '@string_double' }],
        [/<>|!=|<=|>=|[=<>+\-*/%]/, 'operator'],
        [/[()[\]{}]/, '@brackets'],
        [/[,.:]/, 'delimiter'],
      ],
      whitespace: [[/\s+/, 'white']],
      // FROM's topic filter: the literal after FROM, with `+` and `#` marked.
      topic: [
        { include: '@whitespace' },
        [/'/, { token: 'string.topic', switchTo: '@topic_single' }],
        [/"/, { token: 'string.topic', switchTo: '@topic_double' }],
        [/(?=.)/, { token: '', next: '@pop' }],
      ],
      topic_single: [[/[+#]/, 'regexp'], [/[^'+#]+/, 'string.topic'], [/'/, { token: 'string.topic', next: '@pop' }]],
      topic_double: [[/[+#]/, 'regexp'], [/[^"+#]+/, 'string.topic'], [/"/, { token: 'string.topic', next: '@pop' }]],
      string_single: [[/\$\{/, { token: 'delimiter.substitution', next: '@substitution' }], [/\\./, 'string.escape'], [/''/, 'string.escape'], [/[^'\\$]+/, 'string'], [/\$/, 'string'], [/'/, { token: 'string.quote', next: '@pop' }]],
      string_double: [[/\$\{/, { token: 'delimiter.substitution', next: '@substitution' }], [/\\./, 'string.escape'], [/""/, 'string.escape'], [/[^"\\$]+/, 'string'], [/\$/, 'string'], [/"/, { token: 'string.quote', next: '@pop' }]],
      substitution: [[/\}/, { token: 'delimiter.substitution', next: '@pop' }], { include: '@root' }],
    },
  } as MonacoApi.languages.IMonarchLanguage;
}

function completions(monaco: Monaco, model: MonacoApi.editor.ITextModel, position: MonacoApi.Position): MonacoApi.languages.CompletionList {
  const word = model.getWordUntilPosition(position);
  const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn };
  const before = model.getLineContent(position.lineNumber).slice(0, word.startColumn - 1);
  const fields = fieldSources.get(model.uri.toString())?.() ?? [];
  const K = monaco.languages.CompletionItemKind;
  // After `a.b.`: only the fields under that path.
  const parent = /([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\.$/.exec(before)?.[1];
  if (parent) {
    const children = new Set<string>();
    for (const f of fields) if (f.startsWith(`${parent}.`)) children.add(f.slice(parent.length + 1).split('.')[0]);
    return { suggestions: [...children].map((c) => ({ label: c, kind: K.Field, insertText: c, range, detail: `field of ${parent}` })) };
  }
  const suggestions: MonacoApi.languages.CompletionItem[] = [];
  for (const f of fields) suggestions.push({ label: f, kind: K.Field, insertText: f, range, detail: 'payload field', sortText: `0${f}` });
  for (const k of RULE_SQL_KEYWORDS) suggestions.push({ label: k, kind: K.Keyword, insertText: k, range, sortText: `1${k}` });
  for (const c of RULE_SQL_CONSTANTS) suggestions.push({ label: c, kind: K.Constant, insertText: c, range, sortText: `2${c}` });
  for (const fn of RULE_SQL_FUNCTIONS) {
    suggestions.push({
      label: fn.name, kind: K.Function, range, sortText: `3${fn.name}`,
      insertText: fn.name === 'cast' ? 'cast(${1:value} AS ${2:String})' : fn.maxArgs === 0 ? `${fn.name}()` : `${fn.name}($0)`,
      insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
      detail: `${fn.name}(${fn.params})`,
      documentation: `${fn.extension ? 'Thingbench extension (not on AWS). ' : ''}Since SQL ${fn.since}.`,
    });
  }
  for (const t of RULE_SQL_CAST_TYPES) suggestions.push({ label: t, kind: K.TypeParameter, insertText: t, range, sortText: `4${t}`, detail: 'cast type' });
  return { suggestions };
}
