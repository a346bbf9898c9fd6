/**
 * `message: { topic, json? | where? | payload? | regex? | schema?, count?, exactly?, absent?, from?, within? }`: messages
 * on a topic filter since the lab started, matched as the scenarios' `expect` matches them. `from` (the publisher's
 * client id) is checked where the engine's capture knows it (locally) and left out elsewhere, saying so; `within`
 * keeps the check `waiting` until that long after the lab started.
 */
import { compileMatcher, matchSchemaProperties, type MatchSpec } from '../../scenarios/index.js';
import { parseDuration } from '../../devices/index.js';
import { defineCheck, done, missing, waiting, type CheckContext, type CheckResult } from './check.js';

export interface MessageArgs extends MatchSpec {
  topic: string;
  count?: number;
  exactly?: number;
  absent?: boolean;
  from?: string;
  within?: string | number;
}

export const messageArgProperties: Record<string, unknown> = {
  ...matchSchemaProperties,
  count: { type: 'integer', minimum: 1, description: 'At least this many matching messages (default 1).' },
  exactly: { type: 'integer', minimum: 0, description: 'Exactly this many matching messages.' },
  absent: { const: true, description: 'No matching message (proved at each check: what arrived so far).' },
  from: { type: 'string', minLength: 1, description: "The publisher's client id (checked on a local target, whose capture keeps it; elsewhere left out)." },
  within: { type: ['string', 'number'], description: 'How long after the lab started the messages may take: waiting, not missing, until then.' },
};

const preview = (b: Buffer) => {
  const t = b.toString('utf8');
  return t.length > 120 ? `${t.slice(0, 117)}…` : t;
};

/** The message check itself, shared with `event` (which picks the topic). */
export async function checkMessages(ctx: CheckContext, a: MessageArgs, what = `on ${a.topic}`): Promise<CheckResult> {
  // Only the engine's capture knows who published: elsewhere `from` is left out, and the reason says so.
  const unknownPublisher = a.from !== undefined && !ctx.target.api;
  if (unknownPublisher) a = { ...a, from: undefined };
  const note = unknownPublisher ? ` (who published is not known on '${ctx.target.name}')` : '';
  const result = await matchMessages(ctx, a, what);
  return note ? { ...result, reason: `${result.reason}${note}` } : result;
}

async function matchMessages(ctx: CheckContext, a: MessageArgs, what: string): Promise<CheckResult> {
  const matcher = compileMatcher({ json: a.json, payload: a.payload, where: a.where, regex: a.regex, schema: a.schema });
  const all = await ctx.messages(a.topic);
  const fromOk = a.from === undefined ? all : all.filter((m) => m.clientId === a.from);
  const hits = fromOk.filter((m) => matcher.test(m.payload));
  const by = a.from !== undefined ? ` from ${a.from}` : '';
  if (a.absent) {
    return hits.length ? missing(`${hits.length} message${hits.length > 1 ? 's' : ''}${by} ${what} matched, expected none: ${preview(hits[0].payload)}`) : done(`no message${by} ${what} matched (${all.length} seen)`);
  }
  const want = a.exactly ?? a.count ?? 1;
  const enough = a.exactly !== undefined ? hits.length === a.exactly : hits.length >= want;
  if (enough) return done(`${hits.length} message${hits.length === 1 ? '' : 's'}${by} ${what} matched`);
  if (a.exactly !== undefined && hits.length > a.exactly) return missing(`${hits.length} messages${by} ${what} matched, expected exactly ${a.exactly}`);
  let reason: string;
  if (!all.length) reason = `no message ${what} yet`;
  else if (!fromOk.length) reason = `${all.length} message${all.length > 1 ? 's' : ''} ${what}, none from ${a.from} (from ${[...new Set(all.map((m) => m.clientId ?? 'the engine'))].slice(0, 3).join(', ')})`;
  else if (!hits.length) reason = `${fromOk.length} message${fromOk.length > 1 ? 's' : ''}${by} ${what}, none matching; the last: ${preview(fromOk[fromOk.length - 1].payload)}`;
  else reason = `${hits.length} of ${want} messages${by} ${what} so far`;
  const withinMs = a.within === undefined ? undefined : parseDuration(a.within);
  if (withinMs !== undefined && ctx.now < ctx.since + withinMs) return waiting(reason);
  return missing(reason);
}

export const messageCheck = defineCheck<MessageArgs>({
  kind: 'message',
  summary: 'Messages on a topic filter since the lab started, matching a predicate: at least count, exactly, or none.',
  localOnly: false,
  schema: {
    type: 'object', required: ['topic'], additionalProperties: false,
    properties: { topic: { type: 'string', minLength: 1, description: 'A topic filter (+ and # allowed).' }, ...messageArgProperties },
  },
  filters: (a) => [a.topic],
  check: (ctx, a) => checkMessages(ctx, a),
});
