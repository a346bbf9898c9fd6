/**
 * `rule: { name, enabled?, from?, select?, where?, actions?, errorAction?, target? }`: the topic rule exists and
 * means what the lab asks (GetTopicRule). Its SQL is parsed with the engine's own parser, so `from`, `select` and
 * `where` compare meaning, not spelling: `SELECT temp AS t` and `select  temp as t` are the same rule.
 */
import { GetTopicRuleCommand } from '@aws-sdk/client-iot';
import { parseRuleExpression, parseRuleSql, printRuleSql, type RuleQuery } from '../../rules/index.js';
import { isSubset } from '../../scenarios/index.js';
import { defineCheck, done, listText, missing } from './check.js';

export interface RuleArgs {
  name: string;
  enabled?: boolean;
  from?: string;
  /** A topic filter the rule's FROM must fall under (its FROM holds an id the lab cannot know). */
  fromWithin?: string;
  select?: string[];
  where?: boolean | string;
  actions?: string[];
  errorAction?: string;
  target?: Record<string, Record<string, unknown>>;
}

/** The names a SELECT list gives its output members (`*` when it selects everything). */
function selectedNames(q: RuleQuery): string[] {
  if (q.select.kind === 'Value') return [];
  return q.select.items.map((item) => {
    if (item.kind === 'StarItem') return '*';
    if (item.alias) return item.alias;
    const e = item.expr;
    if (e.kind === 'Identifier') return e.name;
    if (e.kind === 'Member') return e.name;
    if (e.kind === 'Call') return e.name;
    return printRuleSql(e);
  });
}

/** Whether every topic `from` matches is matched by `filter` (`+` and `#` in `from` only under `+`/`#` in `filter`). */
export function filterCovers(filter: string, from: string): boolean {
  const f = filter.split('/'), t = from.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (t[i] === '#') return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
const actionKinds = (list: ReadonlyArray<Record<string, unknown>>) => list.flatMap((a) => Object.entries(a).filter(([, v]) => v !== undefined && v !== null).map(([k]) => k));

export const ruleCheck = defineCheck<RuleArgs>({
  kind: 'rule',
  summary: 'The topic rule exists, enabled, reading this topic filter, selecting these fields, with these actions (GetTopicRule).',
  localOnly: false,
  schema: {
    type: 'object', required: ['name'], additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      enabled: { type: 'boolean', description: 'true (default): the rule is enabled; false: disabled.' },
      from: { type: 'string', minLength: 1, description: 'The topic filter of its FROM.' },
      fromWithin: { type: 'string', minLength: 1, description: "A topic filter its FROM must fall under ('$aws/events/certificates/registered/+' for any CA's JITR events)." },
      select: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Output names its SELECT gives (a field or its alias).' },
      where: { type: ['boolean', 'string'], description: 'true: it has a WHERE clause; text: its WHERE contains this expression.' },
      actions: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Action kinds it has (sns, sqs, lambda, dynamoDBv2, kinesis, firehose, republish, s3, cloudwatchMetric, …).' },
      errorAction: { type: 'string', minLength: 1, description: 'The kind of its error action.' },
      target: { type: 'object', additionalProperties: { type: 'object' }, description: 'Fields an action of that kind has: { sqs: { queueUrl: … } }.' },
    },
  },
  async check(ctx, a) {
    const iot = ctx.clients.iot();
    let res;
    try {
      res = await ctx.clients.find('GetTopicRule', () => iot.send(new GetTopicRuleCommand({ ruleName: a.name })));
    } catch (e) {
      // AWS answers GetTopicRule on a rule that does not exist with UnauthorizedException.
      if ((e as { details?: { exception?: string } }).details?.exception !== 'UnauthorizedException') throw e;
    }
    const rule = res?.rule;
    if (!rule) return missing(`there is no topic rule named ${a.name}`);
    if ((a.enabled ?? true) === Boolean(rule.ruleDisabled)) return missing(`the rule ${a.name} is ${rule.ruleDisabled ? 'disabled' : 'enabled'}`);
    let q: RuleQuery;
    try {
      q = parseRuleSql(rule.sql ?? '');
    } catch (e) {
      return missing(`the SQL of the rule ${a.name} does not parse: ${(e as Error).message}`);
    }
    if (a.fromWithin !== undefined && (q.from === null || !filterCovers(a.fromWithin, q.from))) {
      return missing(q.from === null ? `the rule ${a.name} has no FROM (expected a topic under '${a.fromWithin}')` : `the rule ${a.name} reads FROM '${q.from}', which is not under '${a.fromWithin}'`);
    }
    if (a.from !== undefined && q.from !== a.from) {
      return missing(q.from === null ? `the rule ${a.name} has no FROM (expected FROM '${a.from}')` : `the rule ${a.name} reads FROM '${q.from}', not '${a.from}'`);
    }
    if (a.select?.length) {
      const names = selectedNames(q);
      const absent = names.includes('*') ? [] : a.select.filter((s) => !names.includes(s));
      if (absent.length) return missing(`the rule ${a.name} selects ${listText(names, 'nothing by name')}, not ${listText(absent)}`);
    }
    if (a.where !== undefined && a.where !== false) {
      if (!q.where) return missing(`the rule ${a.name} has no WHERE clause${typeof a.where === 'string' ? ` (expected one with ${a.where})` : ''}`);
      if (typeof a.where === 'string') {
        let want = a.where;
        try {
          want = printRuleSql(parseRuleExpression(a.where));
        } catch {
          // Not an expression on its own: compared as text.
        }
        const got = printRuleSql(q.where);
        if (!squash(got).includes(squash(want))) return missing(`the WHERE of the rule ${a.name} is ${got}, which does not contain ${want}`);
      }
    }
    const actions = (rule.actions ?? []) as unknown as Array<Record<string, unknown>>;
    const kinds = actionKinds(actions);
    const absent = (a.actions ?? []).filter((k) => !kinds.includes(k));
    if (absent.length) return missing(`the rule ${a.name} has ${kinds.length ? `the action${kinds.length > 1 ? 's' : ''} ${listText(kinds)}` : 'no action'}, not ${listText(absent)}`);
    if (a.errorAction !== undefined) {
      const errKinds = rule.errorAction ? actionKinds([rule.errorAction as unknown as Record<string, unknown>]) : [];
      if (!errKinds.includes(a.errorAction)) return missing(`the rule ${a.name} has ${errKinds.length ? `the error action ${errKinds[0]}` : 'no error action'}, not ${a.errorAction}`);
    }
    for (const [kind, fields] of Object.entries(a.target ?? {})) {
      const found = actions.map((x) => x[kind]).filter((x) => x !== undefined && x !== null);
      if (!found.length) return missing(`the rule ${a.name} has no ${kind} action`);
      if (!found.some((x) => isSubset(fields, x))) {
        const [field, value] = Object.entries(fields).find(([k, v]) => !found.some((x) => isSubset({ [k]: v }, x))) ?? Object.entries(fields)[0];
        return missing(`the ${kind} action of the rule ${a.name} has ${field} ${JSON.stringify((found[0] as Record<string, unknown>)[field] ?? null)}, not ${JSON.stringify(value)}`);
      }
    }
    return done(`the rule ${a.name} ${printRuleSql(q).length <= 120 ? `is ${printRuleSql(q)}` : `reads FROM '${q.from}'`}${kinds.length ? ` → ${listText(kinds)}` : ''}`);
  },
});
