/**
 * Where an error from saving a rule belongs in the form. The engine validates as AWS does on CreateTopicRule and
 * names what it refuses: `actions[1]: …`, `republish.topic is required …`, a template's text, `topicRulePayload.sql`,
 * `ruleName`; SQL errors carry diagnostics (shown in the editor instead).
 */
import type { RuleActionJson } from '../../../../engine/contract/index.js';
import { actionKind } from './rule-actions.js';

export type ErrorPlace =
  | { at: 'action'; index: number; field?: string }
  | { at: 'errorAction'; field?: string }
  | { at: 'name' }
  | { at: 'sql' }
  | { at: 'rule' };

const stringsOf = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : typeof v === 'object' && v !== null ? Object.values(v).flatMap(stringsOf) : [];

export function placeOfError(message: string, actions: readonly RuleActionJson[], errorAction: RuleActionJson | null): ErrorPlace {
  const indexed = /^actions\[(\d+)\]/.exec(message);
  if (indexed) return { at: 'action', index: Number(indexed[1]) };
  if (/'ruleName'/.test(message)) return { at: 'name' };
  if (/topicRulePayload\.sql\b|\(line \d+, column \d+\)$/.test(message)) return { at: 'sql' };
  const all: Array<{ action: RuleActionJson; place: (field?: string) => ErrorPlace }> = [
    ...actions.map((action, index) => ({ action, place: (field?: string): ErrorPlace => ({ at: 'action', index, field }) })),
    ...(errorAction ? [{ action: errorAction, place: (field?: string): ErrorPlace => ({ at: 'errorAction', field }) }] : []),
  ];
  // `kind.field …` (a parameter check) or `kind.outer.field`.
  for (const { action, place } of all) {
    const kind = actionKind(action);
    const m = new RegExp(`(?:^|\\s)${kind}\\.([A-Za-z0-9_.]+)`).exec(message);
    if (m) return place(m[1]);
    if (message.startsWith(`${kind} `) || message.includes(` ${kind} action`)) return place();
  }
  // A template error quotes the template's text.
  for (const { action, place } of all) {
    const params = action[actionKind(action)];
    for (const [key, value] of Object.entries(params ?? {})) {
      if (stringsOf(value).some((s) => s.includes('${') && message.includes(JSON.stringify(s)))) return place(typeof value === 'string' ? key : undefined);
    }
  }
  return { at: 'rule' };
}
