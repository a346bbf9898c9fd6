/**
 * `job: { id, status?, reasonCode?, exponentialRollout?, abortThreshold?, document?, counts?, settled?, reported? }`:
 * an AWS IoT job, read through DescribeJob, GetJobDocument, ListJobExecutionsForJob and GetThingShadow:
 *   - `status` (`IN_PROGRESS`, `CANCELED`, `COMPLETED`, …) and `reasonCode` (`FAILURE_THRESHOLD_EXCEEDED` for a job its
 *     abort criteria canceled);
 *   - `exponentialRollout: true`: its rollout has an `exponentialRate`; `abortThreshold: 20`: an abort criterion that
 *     cancels at that failure percentage;
 *   - `document: [texts]`: its stored document holds each text (a `${aws:iot:s3-presigned-url:` placeholder, a signature's key);
 *   - `counts: { succeeded: { min, max }, failed, rejected, canceled, timedOut, removed, queued, inProgress }`: its
 *     `jobProcessDetails` counts within those bounds;
 *   - `settled: true`: no execution is `QUEUED`-and-notified or `IN_PROGRESS` any more (devices have finished);
 *   - `reported: { field: value }`: exactly the things whose execution SUCCEEDED report these values in their classic
 *     shadow's `reported` state, and no other target does (an update applied only where it succeeded).
 */
import {
  DescribeJobCommand, GetJobDocumentCommand, ListJobExecutionsForJobCommand, type JobExecutionStatus, type JobProcessDetails,
} from '@aws-sdk/client-iot';
import { GetThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { defineCheck, done, listText, missing } from './check.js';

interface Bounds { min?: number; max?: number }
const COUNT_FIELDS = {
  succeeded: 'numberOfSucceededThings', failed: 'numberOfFailedThings', rejected: 'numberOfRejectedThings', canceled: 'numberOfCanceledThings',
  timedOut: 'numberOfTimedOutThings', removed: 'numberOfRemovedThings', queued: 'numberOfQueuedThings', inProgress: 'numberOfInProgressThings',
} as const satisfies Record<string, keyof JobProcessDetails>;
type CountName = keyof typeof COUNT_FIELDS;

export interface JobArgs {
  id: string;
  status?: string;
  reasonCode?: string;
  exponentialRollout?: boolean;
  abortThreshold?: number;
  document?: string[];
  counts?: Partial<Record<CountName, Bounds>>;
  settled?: boolean;
  reported?: Record<string, unknown>;
}

const bounds = { type: 'object', additionalProperties: false, properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } } };

const thingOf = (arn: string | undefined) => (arn ?? '').slice((arn ?? '').lastIndexOf('/') + 1);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const jobCheck = defineCheck<JobArgs>({
  kind: 'job',
  summary: 'The AWS IoT job has this status, rollout and abort configuration, document, execution counts, and its update reported only where it succeeded.',
  localOnly: false,
  schema: {
    type: 'object', required: ['id'], additionalProperties: false,
    properties: {
      id: { type: 'string', minLength: 1, description: 'The job id.' },
      status: { enum: ['IN_PROGRESS', 'CANCELED', 'COMPLETED', 'DELETION_IN_PROGRESS', 'SCHEDULED'] },
      reasonCode: { type: 'string', minLength: 1, description: 'FAILURE_THRESHOLD_EXCEEDED for a job its abort criteria canceled.' },
      exponentialRollout: { const: true, description: 'Its jobExecutionsRolloutConfig has an exponentialRate.' },
      abortThreshold: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: 'An abortConfig criterion that CANCELs at this thresholdPercentage.' },
      document: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Texts its stored document holds.' },
      counts: {
        type: 'object', additionalProperties: false, description: 'Bounds on jobProcessDetails counts.',
        properties: Object.fromEntries(Object.keys(COUNT_FIELDS).map((k) => [k, bounds])),
      },
      settled: { const: true, description: 'No execution is QUEUED or IN_PROGRESS any more.' },
      reported: { type: 'object', minProperties: 1, description: "Values that exactly the SUCCEEDED executions' things report in their shadow." },
    },
  },
  async check(ctx, a) {
    const iot = ctx.clients.iot();
    const res = await ctx.clients.find('DescribeJob', () => iot.send(new DescribeJobCommand({ jobId: a.id })));
    const job = res?.job;
    if (!job) return missing(`there is no job ${a.id}`);
    const found: string[] = [`the job ${a.id} is ${job.status}${job.reasonCode ? ` (${job.reasonCode})` : ''}`];
    if (a.status && job.status !== a.status) return missing(`${found[0]}, not ${a.status}`);
    if (a.reasonCode && job.reasonCode !== a.reasonCode) return missing(`${found[0]}: its reasonCode is ${job.reasonCode ?? 'none'}, not ${a.reasonCode}`);
    if (a.exponentialRollout && !job.jobExecutionsRolloutConfig?.exponentialRate) {
      return missing(`the job ${a.id} has no exponential rollout (jobExecutionsRolloutConfig.exponentialRate)`);
    }
    if (a.abortThreshold !== undefined) {
      const criteria = job.abortConfig?.criteriaList ?? [];
      if (!criteria.some((c) => c.action === 'CANCEL' && c.thresholdPercentage === a.abortThreshold)) {
        const has = criteria.map((c) => `${c.failureType} at ${c.thresholdPercentage}%`);
        return missing(`the job ${a.id} does not cancel at ${a.abortThreshold}% failures (its abort criteria: ${listText(has, 'none')})`);
      }
    }
    if (a.document?.length) {
      const doc = await ctx.clients.call('GetJobDocument', () => iot.send(new GetJobDocumentCommand({ jobId: a.id })));
      const absent = a.document.filter((t) => !(doc.document ?? '').includes(t));
      if (absent.length) return missing(`the document of ${a.id} has no ${listText(absent.map((t) => `"${t}"`))}`);
    }
    const details = job.jobProcessDetails ?? {};
    for (const [name, b] of Object.entries(a.counts ?? {}) as Array<[CountName, Bounds]>) {
      const n = details[COUNT_FIELDS[name]] ?? 0;
      if ((b.min !== undefined && n < b.min) || (b.max !== undefined && n > b.max)) {
        const want = b.min !== undefined && b.max !== undefined ? `between ${b.min} and ${b.max}` : b.min !== undefined ? `at least ${b.min}` : `at most ${b.max}`;
        return missing(`the job ${a.id} has ${n} ${name} executions, not ${want}`);
      }
    }
    const executions = async (status: JobExecutionStatus) => {
      const things: string[] = [];
      let nextToken: string | undefined;
      do {
        const r = await ctx.clients.call('ListJobExecutionsForJob', () => iot.send(new ListJobExecutionsForJobCommand({ jobId: a.id, status, maxResults: 250, ...(nextToken ? { nextToken } : {}) })));
        things.push(...(r.executionSummaries ?? []).map((e) => thingOf(e.thingArn)));
        nextToken = r.nextToken;
      } while (nextToken && things.length < 10_000);
      return things;
    };
    if (a.settled) {
      const busy = (details.numberOfInProgressThings ?? 0) + (job.status === 'IN_PROGRESS' ? details.numberOfQueuedThings ?? 0 : 0);
      if (busy) return missing(`the job ${a.id} still has ${details.numberOfInProgressThings ?? 0} executions in progress and ${details.numberOfQueuedThings ?? 0} queued`);
    }
    if (a.reported) {
      const succeeded = await executions('SUCCEEDED');
      const others = (await Promise.all((['FAILED', 'REJECTED', 'CANCELED', 'TIMED_OUT', 'QUEUED', 'IN_PROGRESS'] as const).map(executions))).flat();
      const data = ctx.clients.iotData();
      const reports = async (thing: string) => {
        const shadow = await ctx.clients.find('GetThingShadow', () => data.send(new GetThingShadowCommand({ thingName: thing })));
        const reported = shadow?.payload ? ((JSON.parse(Buffer.from(shadow.payload).toString('utf8')) as { state?: { reported?: Record<string, unknown> } }).state?.reported ?? {}) : {};
        return Object.entries(a.reported!).every(([k, v]) => same(reported[k], v));
      };
      const want = Object.entries(a.reported).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ');
      const notUpdated: string[] = [];
      for (const t of succeeded) if (!(await reports(t))) notUpdated.push(t);
      if (notUpdated.length) return missing(`${listText(notUpdated.slice(0, 5))}${notUpdated.length > 5 ? ` (and ${notUpdated.length - 5} more)` : ''} succeeded but ${notUpdated.length > 1 ? 'do' : 'does'} not report ${want}`);
      const wrongly: string[] = [];
      for (const t of others) if (await reports(t)) wrongly.push(t);
      if (wrongly.length) return missing(`${listText(wrongly.slice(0, 5))}${wrongly.length > 5 ? ` (and ${wrongly.length - 5} more)` : ''} report ${want} without a SUCCEEDED execution`);
      found.push(`the ${succeeded.length} things whose execution succeeded report ${want}, the other ${others.length} do not`);
    }
    const counts = (Object.keys(COUNT_FIELDS) as CountName[]).map((k) => [k, details[COUNT_FIELDS[k]] ?? 0] as const).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
    return done(`${found[0]} with ${listText(counts, 'no executions')}${found[1] ? `; ${found[1]}` : ''}`);
  },
});
