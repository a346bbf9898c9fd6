/**
 * Rules shipped with a project or lab: `<dataDir>/rules/*.json`, `*.yaml` or `*.yml`. A file holds one rule or a list
 * of rules, each either `{ ruleName, topicRulePayload: { … } }` (the shape `aws iot create-topic-rule
 * --cli-input-json` takes) or a bare topicRulePayload, whose name is then the file name without its extension.
 * YAML files hold the same shape (YAML 1.2 core schema, one document per file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { jsonErrorOffset } from './json-error-offset.js';
import { lineColumn } from './sql/index.js';

export interface FileRule { name: string; payload: unknown; file: string }
export interface FileProblem { file: string; message: string }

/** What one file yielded. `parsed` is false when the file is not valid JSON/YAML (its rules are unknown, not absent). */
export interface RuleFileResult { rules: FileRule[]; problems: FileProblem[]; parsed: boolean }

export const RULE_FILE = /\.(json|ya?ml)$/i;

/** The rule files of a folder, sorted by name; none when the folder does not exist. */
export function listRuleFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((entry) => RULE_FILE.test(entry)).sort().map((entry) => path.join(dir, entry));
  } catch {
    return [];
  }
}

/** Reads and parses one rule file; undefined when it vanished meanwhile (deleted while the folder was read). */
export function readRuleFile(file: string): RuleFileResult | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { rules: [], problems: [{ file, message: `cannot be read: ${(e as Error).message}` }], parsed: false };
  }
  return parseRuleFile(file, text);
}

export function parseRuleFile(file: string, text: string): RuleFileResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors on Windows write a byte-order mark
  const doc = /\.json$/i.test(file) ? parseJson(file, text) : parseYaml(file, text);
  if ('problem' in doc) return { rules: [], problems: [doc.problem], parsed: false };
  return { ...rulesIn(file, doc.value), parsed: true };
}

function parseJson(file: string, text: string): { value: unknown } | { problem: FileProblem } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const { line, column } = lineColumn(text, jsonErrorOffset(text));
    return { problem: { file, message: `not valid JSON at line ${line}, column ${column}: ${(e as Error).message}` } };
  }
}

function parseYaml(file: string, text: string): { value: unknown } | { problem: FileProblem } {
  const doc = parseDocument(text); // prettyErrors (the default) computes each error's line and column
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return { problem: { file, message: `not valid YAML${where}: ${what}` } };
  }
  return { value: doc.toJS() };
}

function rulesIn(file: string, doc: unknown): { rules: FileRule[]; problems: FileProblem[] } {
  const rules: FileRule[] = [];
  const problems: FileProblem[] = [];
  if (doc === null || doc === undefined) return { rules, problems }; // an empty file: nothing yet
  const items = Array.isArray(doc) ? doc : [doc];
  const base = path.basename(file).replace(RULE_FILE, '');
  items.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ file, message: items.length === 1 ? 'must hold a rule object or a list of rules' : `entry ${i} is not an object` });
      return;
    }
    const o = item as Record<string, unknown>;
    const name = typeof o.ruleName === 'string' ? o.ruleName : items.length === 1 ? base : `${base}_${i}`;
    const payload = o.topicRulePayload !== undefined ? o.topicRulePayload : Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'ruleName'));
    rules.push({ name, payload, file });
  });
  return { rules, problems };
}

/** Every rule file of a folder. `unparsed` lists the files that are not valid JSON/YAML. */
export function readRuleFolder(dir: string): { rules: FileRule[]; problems: FileProblem[]; unparsed: string[] } {
  const rules: FileRule[] = [];
  const problems: FileProblem[] = [];
  const unparsed: string[] = [];
  for (const file of listRuleFiles(dir)) {
    const result = readRuleFile(file);
    if (!result) continue;
    rules.push(...result.rules);
    problems.push(...result.problems);
    if (!result.parsed) unparsed.push(file);
  }
  return { rules, problems, unparsed };
}
