/**
 * Rules shipped with a project or lab: `<dataDir>/rules/*.json`. A file holds one rule or a list of rules, each either
 * `{ "ruleName": "…", "topicRulePayload": { … } }` (the shape `aws iot create-topic-rule --cli-input-json` takes) or a
 * bare topicRulePayload, whose name is then the file name without `.json`.
 *
 * LIMITATION: YAML files are not read (no YAML parser is a dependency of the project); `.yaml`/`.yml` files are
 * reported in the log and skipped.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface FileRule { name: string; payload: unknown; file: string }
export interface FileProblem { file: string; message: string }

export function readRuleFiles(dir: string): { rules: FileRule[]; problems: FileProblem[] } {
  const rules: FileRule[] = [];
  const problems: FileProblem[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return { rules, problems };
  }
  for (const entry of names) {
    const file = path.join(dir, entry);
    if (/\.ya?ml$/i.test(entry)) {
      problems.push({ file, message: 'YAML rule files are not supported; use JSON (the same topicRulePayload shape)' });
      continue;
    }
    if (!entry.toLowerCase().endsWith('.json')) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push({ file, message: `not valid JSON: ${(e as Error).message}` });
      continue;
    }
    const items = Array.isArray(doc) ? doc : [doc];
    const base = entry.replace(/\.json$/i, '');
    items.forEach((item, i) => {
      if (typeof item !== 'object' || item === null) {
        problems.push({ file, message: `entry ${i} is not an object` });
        return;
      }
      const o = item as Record<string, unknown>;
      const name = typeof o.ruleName === 'string' ? o.ruleName : items.length === 1 ? base : `${base}_${i}`;
      const payload = o.topicRulePayload !== undefined ? o.topicRulePayload : Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'ruleName'));
      rules.push({ name, payload, file });
    });
  }
  return { rules, problems };
}
