/**
 * `sink: { kind, name, json? | where? | payload? | regex?, count?, exactly?, absent? }`: what a rule delivered to a
 * queue, table, stream, bucket or log group, read through that service's API (`notify`, the SNS inbox, is local-only:
 * AWS keeps no record of what a topic sent).
 */
import { compileMatcher, matchSchemaProperties, type MatchSpec } from '../../scenarios/index.js';
import { defineCheck, done, missing } from './check.js';
import { SINK_CHECK_KINDS, sinkRecords, type SinkCheckKind } from './sink-records.js';

export interface SinkArgs extends MatchSpec {
  kind: SinkCheckKind;
  name: string;
  count?: number;
  exactly?: number;
  absent?: boolean;
}

const WHAT: Record<SinkCheckKind, string> = { queue: 'queue', table: 'table', stream: 'stream', bucket: 'bucket', logGroup: 'log group', notify: 'SNS topic' };
const preview = (t: string) => (t.length > 120 ? `${t.slice(0, 117)}…` : t);

export const sinkCheck = defineCheck<SinkArgs>({
  kind: 'sink',
  summary: 'A queue, table, stream, bucket, log group (or, locally, an SNS inbox) holds records matching a predicate.',
  localOnly: false,
  schema: {
    type: 'object', required: ['kind', 'name'], additionalProperties: false,
    properties: {
      kind: { enum: [...SINK_CHECK_KINDS] },
      name: { type: 'string', minLength: 1 },
      ...matchSchemaProperties,
      count: { type: 'integer', minimum: 1, description: 'At least this many matching records (default 1).' },
      exactly: { type: 'integer', minimum: 0 },
      absent: { const: true },
    },
  },
  async check(ctx, a) {
    const what = `the ${WHAT[a.kind]} ${a.name}`;
    if (a.kind === 'notify' && !ctx.target.api) return { status: 'skipped', reason: `${what}'s deliveries are kept only by the local engine's inbox, which the target '${ctx.target.name}' (${ctx.target.kind}) does not have` };
    const records = await sinkRecords(ctx.target, ctx.clients, a.kind, a.name);
    if (!records) return missing(`there is no ${WHAT[a.kind]} named ${a.name}`);
    const matcher = compileMatcher({ json: a.json, payload: a.payload, where: a.where, regex: a.regex, schema: a.schema });
    const hits = records.filter((r) => matcher.test(r));
    if (a.absent) return hits.length ? missing(`${what} holds ${hits.length} matching record${hits.length > 1 ? 's' : ''}, expected none: ${preview(hits[0])}`) : done(`${what} holds no matching record (${records.length} in all)`);
    const ok = a.exactly !== undefined ? hits.length === a.exactly : hits.length >= (a.count ?? 1);
    if (ok) return done(`${what} holds ${hits.length} matching record${hits.length === 1 ? '' : 's'}`);
    if (!records.length) return missing(`${what} is empty`);
    if (!hits.length) return missing(`${what} holds ${records.length} record${records.length > 1 ? 's' : ''}, none matching; the last: ${preview(records[records.length - 1])}`);
    return missing(`${what} holds ${hits.length} matching record${hits.length > 1 ? 's' : ''}, expected ${a.exactly !== undefined ? `exactly ${a.exactly}` : `at least ${a.count ?? 1}`}`);
  },
});
