/**
 * The action runner: each rule's queue of matched messages, pumped with bounded concurrency; runs a message's
 * actions in parallel, then the rule's `errorAction` once with AWS's error payload when any failed
 * [DG:rule-error-handling], recording outcomes and metrics.
 */
import type { Clock, Logger } from '../core/index.js';
import type { RuleActionOutcome } from '../contract/index.js';
import type { MessageContext, SqlOutput } from './sql/index.js';
import type { ActionInput, ActionResult } from './actions/action.js';
import { compileTemplate, type CompiledTemplate } from './templates.js';
import { addOutcome, type EvalRecord } from './rule-trace.js';
import type { Lineage } from './republish-loop.js';
import type { ActiveRule, BuiltAction } from './rule-catalog.js';
import type { LiveBatch } from './live-batch.js';
import type { RuleMeter } from './rule-meter.js';

/** One matched message waiting for its rule's actions. */
export interface Job { ctx: MessageContext; output: SqlOutput; payload: Buffer; record: EvalRecord; traceId: string; topic: string; clientId: string | null; time: number; lineage: Lineage }

export interface ActionRunnerOptions {
  logger: Logger;
  clock: Clock;
  /** Billing counters: each action executed. */
  meter?: RuleMeter;
  /** Messages waiting for their actions, per rule; more are dropped and counted. */
  maxPendingPerRule?: number;
  /** Messages whose actions run at once, per rule. */
  concurrencyPerRule?: number;
}

export class ActionRunner {
  /** Past this many waiting messages a rule's new matches are dropped (the evaluator checks, so it can record why). */
  readonly maxPending: number;
  private readonly concurrency: number;
  private readonly dirty = new Set<ActiveRule>();
  private pumpScheduled = false;
  private stopped = false;

  constructor(private readonly batch: LiveBatch, private readonly opts: ActionRunnerOptions) {
    this.maxPending = opts.maxPendingPerRule ?? 1000;
    this.concurrency = opts.concurrencyPerRule ?? 64;
  }

  /** Queues a matched message; its rule's queue is pumped on the next turn of the event loop. */
  enqueue(rule: ActiveRule, job: Job): void {
    rule.queue.push(job);
    this.dirty.add(rule);
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(this.pumpAll);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private readonly pumpAll = (): void => {
    this.pumpScheduled = false;
    for (const rule of this.dirty) this.pump(rule);
    this.dirty.clear();
  };

  private pump(rule: ActiveRule): void {
    while (rule.running < this.concurrency && rule.queue.length && !this.stopped) {
      const job = rule.queue.shift()!;
      rule.running++;
      void this.run(rule, job).finally(() => {
        rule.running--;
        this.pump(rule);
      });
    }
  }

  private input(rule: ActiveRule, job: Job, payload: Buffer, output: unknown): ActionInput {
    return {
      payload, output, ruleName: rule.name, topic: job.topic, clientId: job.clientId, traceId: job.traceId, timestamp: job.time, lineage: job.lineage,
      substitute: (template) => this.template(rule, template)(job.ctx),
    };
  }

  private template(rule: ActiveRule, text: string): CompiledTemplate {
    let t = rule.templates.get(text);
    if (!t) {
      t = compileTemplate(text, rule.compiled);
      rule.templates.set(text, t);
    }
    return t;
  }

  private async invoke(built: BuiltAction, input: ActionInput): Promise<ActionResult> {
    try {
      return await built.action.invoke(input);
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Runs one message's actions (in parallel), then the errorAction once if any failed. */
  private async run(rule: ActiveRule, job: Job): Promise<void> {
    const m = rule.metrics;
    const input = this.input(rule, job, job.payload, job.output);
    const results = await Promise.all(rule.actions.map((a) => this.invoke(a, input)));
    const failures: Array<{ failedAction: string; failedResource: string; errorMessage: string }> = [];
    results.forEach((r, index) => {
      const a = rule.actions[index];
      this.opts.meter?.action(rule.name, a.kind, job.payload.length);
      addOutcome(job.record, outcome(job.traceId, index, a.kind, r, this.opts.clock.now()));
      if (r.ok) {
        m.actionsSucceeded++;
        a.succeeded++;
      } else {
        m.actionsFailed++;
        a.failed++;
        m.errors++;
        m.lastError = { time: this.opts.clock.now(), traceId: job.traceId, message: `${a.kind}: ${r.error}` };
        failures.push({ failedAction: awsActionName(a.kind), failedResource: resourceOf(a, r), errorMessage: `${r.error}. Message arrived on: ${job.topic}, Action: ${a.kind}` });
      }
    });
    this.batch.noteFailures(rule, failures.length);
    if (!failures.length || !rule.errorAction) return;
    // [DG:rule-error-handling] one error message per rule and message, with every failure.
    const error = {
      ruleName: rule.name,
      topic: job.topic,
      cloudwatchTraceId: job.traceId,
      clientId: job.clientId ?? 'n/a',
      base64OriginalPayload: Buffer.from(job.ctx.message.payload).toString('base64'),
      failures,
    };
    const errorPayload = Buffer.from(JSON.stringify(error));
    this.opts.meter?.action(rule.name, rule.errorAction.kind, errorPayload.length);
    const r = await this.invoke(rule.errorAction, this.input(rule, job, errorPayload, error));
    addOutcome(job.record, outcome(job.traceId, -1, rule.errorAction.kind, r, this.opts.clock.now()));
    if (r.ok) {
      m.errorActionsSucceeded++;
      rule.errorAction.succeeded++;
    } else {
      m.errorActionsFailed++;
      rule.errorAction.failed++;
      this.opts.logger.log('warn', 'rules', `rule ${rule.name}: errorAction ${rule.errorAction.kind} failed: ${r.error}`, { traceId: job.traceId });
    }
  }
}

function outcome(traceId: string, index: number, kind: string, r: ActionResult, time: number): RuleActionOutcome {
  const o: RuleActionOutcome = { traceId, index, kind, ok: r.ok, time };
  if (!r.ok) o.error = r.error;
  if (r.detail) o.detail = r.detail;
  return o;
}

/** AWS names failed actions like `S3Action`, `RepublishAction`, `DynamoDBv2Action`. */
function awsActionName(kind: string): string {
  return `${kind[0].toUpperCase()}${kind.slice(1)}Action`;
}

const RESOURCE_FIELDS = ['topic', 'functionArn', 'queueUrl', 'targetArn', 'streamName', 'deliveryStreamName', 'tableName', 'metricName', 'logGroupName', 'alarmName', 'bucketName', 'url'];

function resourceOf(a: BuiltAction, r: ActionResult): string {
  const fromDetail = r.detail?.resource ?? r.detail?.topic ?? r.detail?.function;
  if (typeof fromDetail === 'string') return fromDetail;
  for (const f of RESOURCE_FIELDS) if (typeof a.params[f] === 'string') return a.params[f];
  const putItem = a.params.putItem as { tableName?: unknown } | undefined;
  return typeof putItem?.tableName === 'string' ? putItem.tableName : a.kind;
}
