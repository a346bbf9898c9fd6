/**
 * `sink.expect`: a notification, queue message, stream record, delivered file, table item, metric data point, log
 * event or alarm state change matching a predicate (the same `json`, `payload`, `where`, `regex` and `schema` as
 * `expect`) arrives in a sink of the target within a time, `count` times. A matched record is consumed: the next
 * `sink.expect` on that sink looks at later records (a table is a state: its current items are looked at).
 */
import { EngineError } from '../../core/index.js';
import { sinkKinds, type SinkKind, type SinkRecord } from '../../contract/index.js';
import { compileMatcher, matchProblems, matchSchemaProperties, type MatchSpec } from '../match/matchers.js';
import { SinkCursors, candidateRecords, onSinkChange, requireSink, sinkKindAliases, sinkView, waitRealTime } from '../sinks/index.js';
import { durationMs, durationSchema } from './args.js';
import { defineStep, failed, passed, type CleanupStack, type SeenMessage, type StepContext } from './step.js';

export interface SinkExpectArgs extends MatchSpec {
  /** queue (sqs), notify (notification, sns), stream (kinesis), firehose, table (dynamodb), metric, log, alarm. */
  kind: string;
  name: string;
  /** Notifications only: the subject, exactly. */
  subject?: string;
  within?: number | string;
  /** At least this many matching records (default 1). */
  count?: number;
}

const DEFAULT_WITHIN_MS = 10_000;

/** One cursor set per run, keyed by its cleanup stack (one object for the whole run, nested steps included). */
const runs = new WeakMap<CleanupStack, SinkCursors>();

function cursorsOf(ctx: StepContext): SinkCursors {
  let c = runs.get(ctx.cleanup);
  if (!c) {
    // Records from before the run are not matched (a reused sink may hold older ones).
    c = new SinkCursors(Date.now() - ctx.clock.elapsed());
    runs.set(ctx.cleanup, c);
  }
  return c;
}

const kindOf = (kind: string): SinkKind => {
  const k = sinkKindAliases[kind];
  if (!k) throw new EngineError('InvalidInput', `sink.expect: unknown sink kind '${kind}' (one of ${Object.keys(sinkKindAliases).join(', ')})`);
  return k;
};

const matchKeys = (args: SinkExpectArgs): MatchSpec => {
  const { json, payload, where, regex, schema } = args;
  return Object.fromEntries(Object.entries({ json, payload, where, regex, schema }).filter(([, v]) => v !== undefined)) as MatchSpec;
};

/** A record as reports show it beside what was expected. */
const seen = (kind: SinkKind, name: string, r: SinkRecord, start: number): SeenMessage => ({
  topic: `${kind}:${name}`, payload: sinkView(kind, r).text, qos: 0, retain: false, at: Math.max(0, r.time - start),
});

export const sinkExpectStep = defineStep<SinkExpectArgs>({
  name: 'sink.expect',
  summary: 'Expects a notification, queue message, stream record, table item, metric, log event or alarm change matching a predicate in a sink within a time.',
  needs: ['sinks'],
  schema: {
    type: 'object',
    required: ['kind', 'name'],
    additionalProperties: false,
    properties: {
      kind: { enum: Object.keys(sinkKindAliases), description: `The sink kind: ${sinkKinds.join(', ')} (or the AWS service: sqs, sns, kinesis, dynamodb, …).` },
      name: { type: 'string', minLength: 1, description: 'The sink: queue, notification topic, stream, delivery stream, table, metric namespace, log group or alarm name.' },
      subject: { type: 'string', description: 'Notifications only: the subject, exactly.' },
      within: durationSchema,
      count: { type: 'integer', minimum: 1, maximum: 100000, description: 'At least this many matching records (default 1).' },
      ...matchSchemaProperties,
    },
  },
  check(args) {
    const spec = matchKeys(args);
    // A predicate still holding a `${…}` is checked when the step runs.
    const problems = JSON.stringify(spec).includes('${') ? [] : matchProblems(spec).map((p) => `sink.expect: ${p}`);
    if (args.subject !== undefined && sinkKindAliases[args.kind] !== 'notify') problems.push('sink.expect: subject applies to notifications only');
    return problems;
  },
  async run(ctx, args) {
    const kind = kindOf(args.kind);
    const { name } = args;
    const within = args.within === undefined ? DEFAULT_WITHIN_MS : durationMs(args.within, 'sink.expect within');
    const want = args.count ?? 1;
    const matcher = compileMatcher(matchKeys(args));
    await requireSink(ctx.target, kind, name);
    const cursors = cursorsOf(ctx);
    const matches = (r: SinkRecord) => {
      const view = sinkView(kind, r);
      return (args.subject === undefined || view.subject === args.subject) && matcher.test(view.text);
    };
    let last: SinkRecord[] = [];
    const probe = async () => {
      last = await candidateRecords(ctx.target, kind, name, cursors);
      const hits = last.filter(matches);
      return hits.length >= want ? hits.slice(0, want) : undefined;
    };
    const changed = (wake: () => void) => onSinkChange(ctx.target, kind, name, wake);
    let found = await ctx.clock.waitFor(within, probe, changed);
    if (!found && ctx.clock.virtual) found = await waitRealTime(within, probe, changed, ctx.signal);
    const expected = { sink: `${kind}:${name}`, ...(args.subject !== undefined ? { subject: args.subject } : {}), ...matcher.expected, count: want, within: `${within} ms` };
    if (!found) {
      const got = last.filter(matches).length;
      return failed(`${kind} ${name}: ${got ? `${got} of ${want}` : 'no'} matching record${want === 1 ? '' : 's'} within ${within} ms (${last.length} new record${last.length === 1 ? '' : 's'} seen)`, {
        expected,
        seen: last.slice(-5).map((r) => seen(kind, name, r, cursors.since)),
      });
    }
    cursors.consume(kind, name, found[found.length - 1].id);
    return passed(`${found.length} matching record${found.length === 1 ? '' : 's'} in ${kind} ${name}`);
  },
});
