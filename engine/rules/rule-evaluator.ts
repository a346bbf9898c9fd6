/**
 * The message path: the broker's taps hand each publish to `evaluate`, which runs FROM → WHERE → SELECT for each
 * enabled rule synchronously (one `MessageContext` and one trace id per message), stops republish loops by lineage,
 * routes Basic Ingest, records the trace, and queues matches on the action runner.
 */
import type { RuleMeter } from './rule-meter.js';
import { TopicMemo, type Disposable, type Logger, type TypedEmitter } from '../core/index.js';
import type { OutgoingMessage, Publisher, PublishOptions, TappedMessage } from '../broker/index.js';
import type { RuleEvaluation, RuleTraceQuery } from '../contract/index.js';
import { MessageContext, noMatchReason, serializeOutput, type SqlEnvironment, type SqlMessage, type SqlOutput } from './sql/index.js';
import { sqlProperties } from './mqtt5-properties.js';
import { TraceIds } from './trace-ids.js';
import { TraceRing, addOutcome, traceOutput, type EvalRecord, type MessageTrace } from './rule-trace.js';
import { NO_LINEAGE, republishLoopError, type Lineage } from './republish-loop.js';
import type { ActiveRule } from './rule-catalog.js';
import type { ActionRunner } from './action-runner.js';
import type { LiveBatch, RulesEvents } from './live-batch.js';

/**
 * Rules' republishes and functions' `sdk.publish` say what the user's rule or code wrote, to any topic it names: the
 * engine's consumers must not take them for its own events (a republish onto `$aws/events/presence/…` is data).
 */
export const ON_USERS_BEHALF: PublishOptions = { origin: 'client' };

/**
 * A rule action's publish: on the user's behalf, and for a republish with the rules that produced it, which the broker
 * hands back to the rules' taps with the message (`TappedMessage.lineage`, loop protection).
 */
export function publishFromRules(pub: Publisher, msg: OutgoingMessage, lineage?: Lineage): Promise<void> {
  return pub.publish(msg, lineage?.length ? { origin: 'client', lineage } : ON_USERS_BEHALF);
}

const BASIC_INGEST = '$aws/rules/';

export interface RuleEvaluatorDeps {
  pub: Publisher;
  env: SqlEnvironment;
  events: TypedEmitter<RulesEvents>;
  batch: LiveBatch;
  runner: ActionRunner;
  logger: Logger;
  /** Billing counters: each rule triggered. */
  meter: RuleMeter;
  /** Messages kept in the evaluation trace. */
  traceSize?: number;
}

export class RuleEvaluator {
  /** Enabled, built rules in name order: what the message path iterates. Replaced (never mutated) on change. */
  private enabled: ActiveRule[] = [];
  private enabledNames: readonly string[] = [];
  private dollarRules = false;
  private readonly byTopic = new TopicMemo((topic) => this.rulesFor(topic));
  private readonly trace: TraceRing;
  private readonly traceIds = new TraceIds();
  private readonly pub: Publisher;
  private readonly env: SqlEnvironment;
  private readonly events: TypedEmitter<RulesEvents>;
  private readonly batch: LiveBatch;
  private readonly runner: ActionRunner;
  private readonly logger: Logger;
  private readonly meter: RuleMeter;
  private started = false;
  private basicIngest: Disposable | undefined;
  /** Installed by syncTaps while rules need them. */
  private allTap: Disposable | undefined;
  private dollarTap: Disposable | undefined;

  constructor(deps: RuleEvaluatorDeps) {
    this.pub = deps.pub;
    this.env = deps.env;
    this.events = deps.events;
    this.batch = deps.batch;
    this.runner = deps.runner;
    this.logger = deps.logger;
    this.meter = deps.meter;
    this.trace = new TraceRing(deps.traceSize ?? 2000);
  }

  start(): void {
    this.basicIngest = this.pub.tap(`${BASIC_INGEST}#`, (msg) => this.onBasicIngest(msg));
    this.started = true;
  }

  stop(): void {
    this.basicIngest?.dispose();
    this.basicIngest = undefined;
    this.started = false;
    this.syncTaps();
  }

  /** The enabled rules changed (`enabled` is in name order and is not mutated afterwards). */
  setRules(enabled: ActiveRule[]): void {
    this.enabled = enabled;
    this.enabledNames = Object.freeze(enabled.map((r) => r.name));
    this.dollarRules = enabled.some((r) => r.compiled.topicFilter?.startsWith('$') === true);
    this.byTopic.clear();
    this.syncTaps();
  }

  traceQuery(query?: RuleTraceQuery): RuleEvaluation[] {
    return this.trace.query(query);
  }

  /** The rules' republishes carry their lineage through the broker; devices' publishes never have one. */
  private lineageOf(msg: TappedMessage): Lineage {
    return msg.lineage ?? NO_LINEAGE;
  }

  /** Basic Ingest [DG:iot-basic-ingest]: `$aws/rules/<ruleName>/<topic>` goes to that rule only, without FROM. */
  private onBasicIngest(msg: TappedMessage): void {
    const rest = msg.topic.slice(BASIC_INGEST.length);
    const slash = rest.indexOf('/');
    const ruleName = slash < 0 ? rest : rest.slice(0, slash);
    const topic = slash < 0 ? '' : rest.slice(slash + 1);
    const rule = this.enabled.find((r) => r.name === ruleName);
    if (rule && topic) this.evaluate(msg, topic, rule, this.lineageOf(msg));
  }

  private onDollarMessage(msg: TappedMessage): void {
    if (!msg.topic.startsWith(BASIC_INGEST)) this.evaluate(msg, msg.topic, null, this.lineageOf(msg));
  }

  private onMessage(msg: TappedMessage): void {
    if (this.enabled.length) this.evaluate(msg, msg.topic, null, this.lineageOf(msg));
  }

  /** Synchronous and cheap: FROM/WHERE/SELECT per rule, then queue the actions. */
  private evaluate(msg: TappedMessage, topic: string, only: ActiveRule | null, lineage: Lineage): void {
    const rules = only ? [only] : this.byTopic.get(topic);
    const live = this.events.has('evaluated');
    let ctx: MessageContext | null = null;
    let trace: MessageTrace | null = null;
    for (const rule of rules) {
      if (!ctx) {
        const traceId = this.traceIds.next();
        const message: SqlMessage = { topic, payload: msg.payload, clientId: msg.clientId, principal: msg.principal, traceId, timestamp: msg.time };
        if (msg.properties) message.mqtt5 = sqlProperties(msg.properties);
        ctx = new MessageContext(message, this.env);
        trace = { traceId, messageId: msg.messageId, time: msg.time, topic, clientId: msg.clientId, ruleSet: this.enabledNames, evals: [] };
      }
      const m = rule.metrics;
      const loop = republishLoopError(rule.name, lineage);
      if (loop) {
        const record: EvalRecord = { rule: rule.name, matched: false };
        trace!.evals.push(record);
        this.stopLoop(rule, record, trace!, loop, msg.time);
        continue;
      }
      m.evaluated++;
      this.meter.triggered(rule.name, msg.payload.length);
      let output: SqlOutput;
      try {
        const reason = noMatchReason(rule.compiled.where(ctx));
        if (reason) {
          const record = rule.records.noMatch(reason);
          trace!.evals.push(record);
          if (live) this.batch.count(rule, msg.time, false, record, trace!);
          continue;
        }
        output = rule.compiled.select(ctx);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const record: EvalRecord = { rule: rule.name, matched: false, reason: 'error', error: message };
        trace!.evals.push(record);
        m.errors++;
        m.lastError = { time: msg.time, traceId: trace!.traceId, message };
        if (live) this.batch.count(rule, msg.time, false, record, trace!);
        continue;
      }
      m.matched++;
      m.lastMatchAt = msg.time;
      // Without actions nothing is added to the evaluation later: the rule's shared record says it all.
      const record: EvalRecord = rule.actions.length ? { rule: rule.name, matched: true } : rule.records.matched;
      trace!.evals.push(record);
      if (live) this.batch.count(rule, msg.time, true, record, trace!);
      if (rule.actions.length === 0) continue;
      const payload = serializeOutput(output, ctx);
      record.output = traceOutput(payload);
      if (rule.queue.length >= this.runner.maxPending) {
        m.dropped++;
        addOutcome(record, { traceId: trace!.traceId, index: -2, kind: 'queue', ok: false, error: `dropped: ${this.runner.maxPending} messages already wait for this rule's actions`, time: msg.time });
        continue;
      }
      this.runner.enqueue(rule, { ctx, output, payload, record, traceId: trace!.traceId, topic, clientId: msg.clientId, time: msg.time, lineage });
    }
    if (trace) this.trace.push(trace);
    else if (!only && !msg.topic.startsWith('$')) {
      this.trace.push({ traceId: this.traceIds.next(), messageId: msg.messageId, time: msg.time, topic, clientId: msg.clientId, ruleSet: this.enabledNames, evals: [] });
    }
  }

  /** Republish loop protection: the rule is not evaluated; a failed action with the reason, in metrics and trace. */
  private stopLoop(rule: ActiveRule, record: EvalRecord, trace: MessageTrace, reason: string, time: number): void {
    const m = rule.metrics;
    m.actionsFailed++;
    m.errors++;
    m.lastError = { time, traceId: trace.traceId, message: reason };
    record.reason = 'loop';
    record.error = reason;
    addOutcome(record, { traceId: trace.traceId, index: -3, kind: 'loop', ok: false, error: reason, time });
    if (this.events.has('evaluated')) this.batch.count(rule, time, false, record, trace);
    this.batch.noteFailures(rule, 1);
    this.logger.log('warn', 'rules', `rule ${rule.name}: ${reason}`, { traceId: trace.traceId });
  }

  /** The enabled rules whose FROM matches `topic` (remembered per topic by `byTopic` until the rule set changes). */
  private rulesFor(topic: string): ActiveRule[] {
    const levels = topic.split('/');
    return this.enabled.filter((r) => r.compiled.matchesTopicLevels(levels));
  }

  /**
   * The broker hands the rules only what some enabled rule can match: every non-`$` publish while any rule is
   * enabled, `$` topics while a rule selects from one (a leading wildcard never matches them), and Basic Ingest always.
   */
  private syncTaps(): void {
    const wantAll = this.started && this.enabled.length > 0;
    if (wantAll && !this.allTap) this.allTap = this.pub.tap('#', (msg) => this.onMessage(msg));
    else if (!wantAll && this.allTap) this.allTap = (this.allTap.dispose(), undefined);
    const wantDollar = this.started && this.dollarRules;
    if (wantDollar && !this.dollarTap) this.dollarTap = this.pub.tap('$aws/#', (msg) => this.onDollarMessage(msg));
    else if (!wantDollar && this.dollarTap) this.dollarTap = (this.dollarTap.dispose(), undefined);
  }
}

