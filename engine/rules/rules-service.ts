/**
 * The rules engine [DG:iot-rules]: topic rules created through the AWS API, the UI contract or `<dataDir>/rules`
 * files, evaluated against every publish the broker dispatches.
 *
 * Message path: the broker's taps (`#`, and `$aws/#` for Basic Ingest `$aws/rules/<name>/…` and rules whose FROM
 * names a `$aws/…` topic, e.g. shadow or presence topics) hand each publish to `onMessage`, which runs synchronously:
 * one `MessageContext` per message (the payload is parsed at most once, however many rules read it), one trace id
 * per message, FROM → WHERE → SELECT for each enabled rule. Matches are queued per rule (bounded: past the bound a
 * message's actions are dropped and counted) and their actions run asynchronously, in parallel per message, so a
 * slow or failing action never holds the broker. Failures go to the rule's `errorAction` with AWS's error payload
 * [DG:rule-error-handling], one message per rule and message.
 *
 * File rules: `<dataDir>/rules` is read at start and watched while running (`RuleFolder` knows which rule came from
 * which file and what changed; `watchFolder` debounces fs.watch), so a reload only touches rules whose file changed.
 *
 * LIMITATIONS:
 * - No IAM: `roleArn` is accepted and ignored; no authorization of API calls.
 * - Messages a rule republishes are evaluated by the rules again, as on AWS, but a rule feeding itself stops after
 *   `MAX_RULE_REPEATS` rounds (AWS has no such limit; `message-lineage.ts`). Loops through lambda functions'
 *   `sdk.publish` or the shadow service are not tracked.
 * - Basic Ingest messages are still delivered to MQTT subscribers of `$aws/rules/…` if the broker delivers them.
 * - `aws_lambda()` and other external SQL functions evaluate to Undefined (they cannot run synchronously here).
 * - MQTT 5 properties are not visible to rules (taps do not carry them); `principal()` is the certificate id for mutual-TLS publishers.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { EngineError, TopicMemo, TypedEmitter, type Clock, type Disposable, type Logger, type Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { Publisher, PublishOptions, TappedMessage } from '../broker/index.js';
import type {
  RuleActionJson, RuleActionOutcome, RuleDiagnostic, RuleInfo, RuleMetrics, RuleTestInput, RuleTestResult, RuleTraceQuery,
  RuleEvaluation, RulesEvaluated, TopicRulePayload,
} from '../contract/index.js';
import {
  check, compile, MessageContext, noMatchReason, serializeOutput, SQL_VERSIONS, SqlError, testRule,
  type CompiledRule, type SqlDiagnostic, type SqlEnvironment, type SqlOutput, type SqlValue, type SqlVersion,
} from './sql/index.js';
import type { ActionDeps, ActionInput, ActionResult, RuleAction } from './actions/action.js';
import { actionFactories } from './actions/registry.js';
import { compileTemplate, hasTemplate, stringsIn, type CompiledTemplate } from './templates.js';
import { ACCOUNT_ID, API_DEFAULT_SQL_VERSION, parsePayload, ruleArn, sqlVersionOf, validateRuleName } from './rule-model.js';
import { RuleStore } from './rule-store.js';
import { RuleFolder } from './rule-folder.js';
import { watchFolder } from './folder-watcher.js';
import { TraceIds } from './trace-ids.js';
import { SharedRecords, TraceRing, addOutcome, toEvaluation, traceOutput, type EvalRecord, type MessageTrace } from './rule-trace.js';
import { Deque } from './deque.js';
import { LineageTracker, NO_LINEAGE, republishLoopError, type Lineage } from './message-lineage.js';
import { FunctionRunner, type FunctionSdkHost } from './functions/function-runner.js';

/**
 * Rules' republishes and functions' `sdk.publish` say what the user's rule or code wrote, to any topic it names: the
 * engine's consumers must not take them for its own events (a republish onto `$aws/events/presence/…` is data).
 */
const ON_USERS_BEHALF: PublishOptions = { origin: 'client' };

export interface RulesEvents {
  evaluated: RulesEvaluated;
}

/** What the rules need from the shadow service: a synchronous read (for `get_thing_shadow`) and an update (for functions). */
export interface RuleShadows {
  /** The document, or undefined when the shadow does not exist. */
  getThingShadow(thing: string, name: string | null): SqlValue;
  update(thing: string, document: unknown, name: string | null): Promise<unknown>;
}

export interface RulesServiceOptions {
  dataDir: string;
  logger: Logger;
  clock: Clock;
  shadows: RuleShadows;
  /** More for the actions (the sink service, …), merged into `ActionDeps`. */
  actionDeps?: Omit<Partial<ActionDeps>, 'publish' | 'functions'>;
  /** Messages waiting for their actions, per rule; more are dropped and counted. */
  maxPendingPerRule?: number;
  /** Messages whose actions run at once, per rule. */
  concurrencyPerRule?: number;
  /** Messages kept in the evaluation trace. */
  traceSize?: number;
  /** Reload `<dataDir>/rules` when its files change (default true). */
  watchRuleFiles?: boolean;
}

/** Quiet time after the last change in the rules folder before it is read again. */
const RULE_FILES_DEBOUNCE_MS = 150;

interface BuiltAction { kind: string; params: Record<string, unknown>; action: RuleAction }

interface Job { ctx: MessageContext; output: SqlOutput; payload: Buffer; record: EvalRecord; traceId: string; topic: string; clientId: string | null; time: number; lineage: Lineage }

interface ActiveRule {
  name: string;
  compiled: CompiledRule;
  actions: BuiltAction[];
  errorAction: BuiltAction | null;
  templates: Map<string, CompiledTemplate>;
  metrics: RuleMetrics;
  /** Its evaluations that need no record of their own (see SharedRecords). */
  records: SharedRecords;
  /** Its counts for the live batch in progress. */
  batchCounts: { evaluated: number; matched: number; actionsFailed: number };
  queue: Deque<Job>;
  running: number;
}

interface RuleEntry {
  info: RuleInfo;
  payload: TopicRulePayload;
  /** Null when the rule could not be built (an action no longer available, …); see `problem`. */
  active: ActiveRule | null;
  problem?: string;
}

const newMetrics = (rule: string): RuleMetrics => ({
  rule, evaluated: 0, matched: 0, actionsSucceeded: 0, actionsFailed: 0, errors: 0, dropped: 0,
  errorActionsSucceeded: 0, errorActionsFailed: 0, lastMatchAt: null, lastError: null,
});

const BASIC_INGEST = '$aws/rules/';
const EVENT_INTERVAL_MS = 500;
/** Evaluations each live batch shows in full. */
const LATEST_EVALUATIONS = 20;

export class RulesService implements Service {
  readonly name = 'rules';
  readonly events = new TypedEmitter<RulesEvents>();
  readonly functions: FunctionRunner;
  private readonly rules = new Map<string, RuleEntry>();
  /** Enabled, built rules in name order: what the message path iterates. Replaced (never mutated) on change. */
  private enabled: ActiveRule[] = [];
  private enabledNames: readonly string[] = [];
  private dollarRules = false;
  private readonly byTopic = new TopicMemo((topic) => this.rulesFor(topic));
  private readonly dirty = new Set<ActiveRule>();
  private pumpScheduled = false;
  private readonly trace: TraceRing;
  private readonly env: SqlEnvironment;
  private readonly deps: ActionDeps;
  private readonly lineage = new LineageTracker();
  private db!: RuleStore;
  private started = false;
  private basicIngest: Disposable | undefined;
  /** Installed by syncTaps while rules need them. */
  private allTap: Disposable | undefined;
  private dollarTap: Disposable | undefined;
  private folder!: RuleFolder;
  private folderWatch: Disposable | null = null;
  private readonly traceIds = new TraceIds();
  private batch: RulesEvaluated | null = null;
  /** Ring of the batch's latest evaluations, oldest at `latestNext`. */
  private readonly latestTraces: Array<MessageTrace | undefined> = new Array(LATEST_EVALUATIONS);
  private readonly latestRecords: Array<EvalRecord | undefined> = new Array(LATEST_EVALUATIONS);
  private latestNext = 0;
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxPending: number;
  private readonly concurrency: number;
  private stopped = false;

  constructor(private readonly store: Store, private readonly pub: Publisher, private readonly opts: RulesServiceOptions) {
    this.maxPending = opts.maxPendingPerRule ?? 1000;
    this.concurrency = opts.concurrencyPerRule ?? 64;
    this.trace = new TraceRing(opts.traceSize ?? 2000);
    this.env = {
      accountId: ACCOUNT_ID,
      now: () => opts.clock.now(),
      getThingShadow: (thing, shadowName) => opts.shadows.getThingShadow(thing, shadowName ?? null),
    };
    const host: FunctionSdkHost = {
      publish: (msg) => pub.publish(msg, ON_USERS_BEHALF),
      getShadow: (thing, name) => {
        const doc = opts.shadows.getThingShadow(thing, name);
        if (doc === undefined) throw new Error(`No shadow exists with name: '${name ? `${thing}~${name}` : thing}'`);
        return doc;
      },
      updateShadow: (thing, document, name) => opts.shadows.update(thing, document, name),
      notify: (fn, message, subject) => opts.logger.log('info', 'functions', subject ? `${fn}: ${subject}: ${message}` : `${fn}: ${message}`, { notify: true, function: fn }),
    };
    this.functions = new FunctionRunner({ dir: path.join(opts.dataDir, 'functions'), host, logger: opts.logger });
    this.deps = { services: {}, ...opts.actionDeps, publish: (msg, lineage) => this.publish(msg, lineage), functions: this.functions };
  }

  async start(): Promise<void> {
    this.db = new RuleStore(this.store);
    for (const row of this.db.all()) {
      this.install(row.name, row.payload, { source: 'api', createdAt: row.created }, true);
    }
    this.folder = new RuleFolder(path.join(this.opts.dataDir, 'rules'), this.opts.logger);
    this.loadFiles();
    this.basicIngest = this.pub.tap(`${BASIC_INGEST}#`, (msg) => this.onBasicIngest(msg));
    this.started = true;
    this.refresh();
    if (this.opts.watchRuleFiles !== false) {
      this.folderWatch = watchFolder(this.folder.dir, () => this.reloadFiles(), { debounceMs: RULE_FILES_DEBOUNCE_MS, logger: this.opts.logger });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.folderWatch?.dispose();
    this.folderWatch = null;
    this.basicIngest?.dispose();
    this.basicIngest = undefined;
    this.started = false;
    this.syncTaps();
    if (this.batchTimer) clearTimeout(this.batchTimer);
    for (const entry of this.rules.values()) this.disposeRule(entry.active);
    this.functions.dispose();
  }

  // ── management ────────────────────────────────────────────────────────────

  list(): RuleInfo[] {
    return [...this.rules.values()].map((e) => ({ ...e.info }));
  }

  get(name: string): RuleInfo {
    return { ...this.entry(name).info };
  }

  /** CreateTopicRule: AlreadyExists when the name is taken. */
  async create(name: string, payload: unknown): Promise<RuleInfo> {
    validateRuleName(name);
    if (this.rules.has(name)) throw new EngineError('AlreadyExists', `Rule ${name} already exists`);
    return this.put(name, payload);
  }

  /** ReplaceTopicRule: NotFound when the rule does not exist. */
  async replace(name: string, payload: unknown): Promise<RuleInfo> {
    validateRuleName(name);
    this.entry(name);
    return this.put(name, payload);
  }

  /** Creates or replaces (the UI's save); the rule is durable when this resolves. */
  async put(name: string, payload: unknown): Promise<RuleInfo> {
    validateRuleName(name);
    const existing = this.rules.get(name);
    if (existing?.info.source === 'file') throw this.fileRuleError(existing.info);
    const parsed = parsePayload(payload, new Set(Object.keys(actionFactories)));
    const now = this.opts.clock.now();
    const built = this.build(name, parsed); // throws SqlError / InvalidInput before anything is stored
    const createdAt = existing?.info.createdAt ?? now;
    await this.db.put({ name, payload: parsed, created: createdAt, updated: now });
    const previous = this.rules.get(name);
    if (previous?.info.source === 'file') { this.disposeRule(built); throw this.fileRuleError(previous.info); }
    this.disposeRule(previous?.active ?? null);
    if (previous?.active) built.metrics = previous.active.metrics;
    this.rules.set(name, { info: this.infoOf(name, parsed, built.compiled, { source: 'api', createdAt }), payload: parsed, active: built });
    this.refresh();
    return this.get(name);
  }

  async delete(name: string): Promise<void> {
    validateRuleName(name);
    const entry = this.entry(name);
    if (entry.info.source === 'file') throw this.fileRuleError(entry.info);
    await this.db.delete(name);
    if (this.rules.get(name) !== entry) return;
    this.rules.delete(name);
    this.disposeRule(entry.active);
    this.refresh();
  }

  /** Enable/disable. API rules are stored; file rules change until the engine restarts. */
  async setDisabled(name: string, disabled: boolean): Promise<void> {
    validateRuleName(name);
    const entry = this.entry(name);
    const payload: TopicRulePayload = { ...entry.payload, ruleDisabled: disabled };
    if (entry.info.source === 'api') {
      await this.db.put({ name, payload, created: entry.info.createdAt, updated: this.opts.clock.now() });
    }
    entry.payload = payload;
    entry.info.disabled = disabled;
    this.refresh();
  }

  check(sql: string, version?: string): RuleDiagnostic[] {
    if (typeof sql !== 'string') throw new EngineError('InvalidInput', 'sql must be a string');
    return check(sql, { version: this.version(version) }).map(toDiagnostic);
  }

  test(input: RuleTestInput): RuleTestResult {
    const payload = Buffer.from(input.payload, input.encoding === 'base64' ? 'base64' : 'utf8');
    const r = testRule(input.sql, input.topic, payload, input.clientId ?? null, {
      version: this.version(input.awsIotSqlVersion), env: this.env, message: { traceId: randomUUID() },
    });
    const diagnostics = r.diagnostics.map(toDiagnostic);
    if (!r.ok) return r.error !== undefined ? { ok: false, error: r.error, diagnostics } : { ok: false, diagnostics };
    if (!r.matched) return { ok: true, matched: false, reason: r.reason, diagnostics };
    const text = r.payload.toString('utf8');
    const isText = !text.includes('\uFFFD');
    return { ok: true, matched: true, output: isText ? text : r.payload.toString('base64'), outputEncoding: isText ? 'utf8' : 'base64', diagnostics };
  }

  metrics(name?: string): RuleMetrics[] {
    if (name !== undefined) {
      const entry = this.entry(name);
      return [entry.active ? { ...entry.active.metrics } : newMetrics(name)];
    }
    return [...this.rules.values()].map((e) => (e.active ? { ...e.active.metrics } : newMetrics(e.info.name)));
  }

  traceQuery(query?: RuleTraceQuery): RuleEvaluation[] {
    return this.trace.query(query);
  }

  /**
   * Re-reads `<dataDir>/rules` (the folder watch calls this): new and changed files create or replace their rules,
   * removed files delete theirs; rules created through the API are left alone.
   */
  reloadFiles(): void {
    if (this.stopped) return;
    this.loadFiles();
    this.refresh();
  }

  // ── message path ──────────────────────────────────────────────────────────

  /** A rule action's publish; a republish's lineage is announced so the tap can hand it back with the message. */
  private async publish(msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }, lineage?: Lineage): Promise<void> {
    if (!lineage?.length) return this.pub.publish(msg, ON_USERS_BEHALF);
    const settled = this.lineage.expect(msg.topic, msg.payload, lineage);
    try {
      await this.pub.publish(msg, ON_USERS_BEHALF);
    } finally {
      settled();
    }
  }

  /** Engine publishes (no client id) may be republishes with a lineage; devices' never are. */
  private lineageOf(msg: TappedMessage): Lineage {
    return msg.clientId === null ? this.lineage.take(msg.topic, msg.payload) : NO_LINEAGE;
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
        ctx = new MessageContext({ topic, payload: msg.payload, clientId: msg.clientId, principal: msg.principal, traceId, timestamp: msg.time }, this.env);
        trace = { traceId, time: msg.time, topic, clientId: msg.clientId, ruleSet: this.enabledNames, evals: [] };
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
      let output: SqlOutput;
      try {
        const reason = noMatchReason(rule.compiled.where(ctx));
        if (reason) {
          const record = rule.records.noMatch(reason);
          trace!.evals.push(record);
          if (live) this.count(rule, msg.time, false, record, trace!);
          continue;
        }
        output = rule.compiled.select(ctx);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const record: EvalRecord = { rule: rule.name, matched: false, reason: 'error', error: message };
        trace!.evals.push(record);
        m.errors++;
        m.lastError = { time: msg.time, traceId: trace!.traceId, message };
        if (live) this.count(rule, msg.time, false, record, trace!);
        continue;
      }
      m.matched++;
      m.lastMatchAt = msg.time;
      // Without actions nothing is added to the evaluation later: the rule's shared record says it all.
      const record: EvalRecord = rule.actions.length ? { rule: rule.name, matched: true } : rule.records.matched;
      trace!.evals.push(record);
      if (live) this.count(rule, msg.time, true, record, trace!);
      if (rule.actions.length === 0) continue;
      const payload = serializeOutput(output, ctx);
      record.output = traceOutput(payload);
      if (rule.queue.length >= this.maxPending) {
        m.dropped++;
        addOutcome(record, { traceId: trace!.traceId, index: -2, kind: 'queue', ok: false, error: `dropped: ${this.maxPending} messages already wait for this rule's actions`, time: msg.time });
        continue;
      }
      rule.queue.push({ ctx, output, payload, record, traceId: trace!.traceId, topic, clientId: msg.clientId, time: msg.time, lineage });
      this.dirty.add(rule);
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(this.pumpAll);
      }
    }
    if (trace) this.trace.push(trace);
    else if (!only && !msg.topic.startsWith('$')) {
      this.trace.push({ traceId: this.traceIds.next(), time: msg.time, topic, clientId: msg.clientId, ruleSet: this.enabledNames, evals: [] });
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
    if (this.events.has('evaluated')) this.count(rule, time, false, record, trace);
    this.noteFailures(rule, 1);
    this.opts.logger.log('warn', 'rules', `rule ${rule.name}: ${reason}`, { traceId: trace.traceId });
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
      addOutcome(job.record, outcome(job.traceId, index, a.kind, r, this.opts.clock.now()));
      if (r.ok) {
        m.actionsSucceeded++;
      } else {
        m.actionsFailed++;
        m.errors++;
        m.lastError = { time: this.opts.clock.now(), traceId: job.traceId, message: `${a.kind}: ${r.error}` };
        failures.push({ failedAction: awsActionName(a.kind), failedResource: resourceOf(a, r), errorMessage: `${r.error}. Message arrived on: ${job.topic}, Action: ${a.kind}` });
      }
    });
    this.noteFailures(rule, failures.length);
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
    const r = await this.invoke(rule.errorAction, this.input(rule, job, Buffer.from(JSON.stringify(error)), error));
    addOutcome(job.record, outcome(job.traceId, -1, rule.errorAction.kind, r, this.opts.clock.now()));
    if (r.ok) m.errorActionsSucceeded++;
    else {
      m.errorActionsFailed++;
      this.opts.logger.log('warn', 'rules', `rule ${rule.name}: errorAction ${rule.errorAction.kind} failed: ${r.error}`, { traceId: job.traceId });
    }
  }

  // ── rule building ─────────────────────────────────────────────────────────

  private version(v: string | undefined): SqlVersion {
    const version = v ?? API_DEFAULT_SQL_VERSION;
    if (!(SQL_VERSIONS as readonly string[]).includes(version)) throw new EngineError('InvalidInput', `Unsupported awsIotSqlVersion: ${version}`);
    return version as SqlVersion;
  }

  /** Compiles the SQL, builds the actions and compiles every substitution template; throws before any side effect. */
  private build(name: string, payload: TopicRulePayload): ActiveRule {
    const compiled = compile(payload.sql, { version: sqlVersionOf(payload) });
    const templates = new Map<string, CompiledTemplate>();
    const built: BuiltAction[] = [];
    try {
      const make = (json: RuleActionJson): BuiltAction => {
        const [kind, params] = Object.entries(json)[0];
        for (const s of stringsIn(params)) if (hasTemplate(s) && !templates.has(s)) templates.set(s, compileTemplate(s, compiled));
        const action = actionFactories[kind](params, this.deps);
        const b = { kind, params, action };
        built.push(b);
        return b;
      };
      const actions = payload.actions.map(make);
      const errorAction = payload.errorAction ? make(payload.errorAction) : null;
      return { name, compiled, actions, errorAction, templates, metrics: newMetrics(name), records: new SharedRecords(name), batchCounts: { evaluated: 0, matched: 0, actionsFailed: 0 }, queue: new Deque(), running: 0 };
    } catch (e) {
      for (const b of built) b.action.dispose?.();
      throw e;
    }
  }

  private disposeRule(rule: ActiveRule | null): void {
    if (!rule) return;
    rule.queue.clear();
    for (const a of rule.actions) a.action.dispose?.();
    rule.errorAction?.action.dispose?.();
  }

  private infoOf(name: string, payload: TopicRulePayload, compiled: CompiledRule | null, src: { source: 'api' | 'file'; createdAt: number; file?: string }): RuleInfo {
    const info: RuleInfo = {
      name, arn: ruleArn(name), sql: payload.sql, description: payload.description ?? '', actions: payload.actions,
      errorAction: payload.errorAction ?? null, disabled: payload.ruleDisabled === true, sqlVersion: sqlVersionOf(payload),
      topicFilter: compiled ? compiled.topicFilter : null, createdAt: src.createdAt, source: src.source,
    };
    if (src.file) info.file = src.file;
    return info;
  }

  /** Adds a rule read from the store or a file; a rule that no longer builds stays listed, inactive, with its problem logged. */
  private install(name: string, payload: TopicRulePayload, src: { source: 'api' | 'file'; createdAt: number; file?: string }, trusted: boolean): void {
    let active: ActiveRule | null = null;
    let problem: string | undefined;
    try {
      const parsed = trusted ? payload : parsePayload(payload, new Set(Object.keys(actionFactories)));
      active = this.build(name, parsed);
      payload = parsed;
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
      this.opts.logger.log('error', 'rules', `rule ${name} is inactive: ${problem}`, src.file ? { file: src.file } : undefined);
    }
    const p = (payload && typeof payload === 'object' ? payload : { sql: '', actions: [] }) as TopicRulePayload;
    const info = this.infoOf(name, { ...p, sql: typeof p.sql === 'string' ? p.sql : '', actions: Array.isArray(p.actions) ? p.actions : [] }, active?.compiled ?? null, src);
    this.disposeRule(this.rules.get(name)?.active ?? null);
    this.rules.set(name, problem ? { info, payload: p, active, problem } : { info, payload: p, active });
  }

  /** Applies what changed in the rules folder since it was last read. */
  private loadFiles(): void {
    const { upserts, removed } = this.folder.read();
    for (const r of upserts) {
      const existing = this.rules.get(r.name);
      if (existing?.info.source === 'api') this.opts.logger.log('warn', 'rules', `${r.file}: rule ${r.name} also exists in the database; the file's definition is used`);
      const metrics = existing?.active?.metrics;
      this.install(r.name, r.payload as TopicRulePayload, { source: 'file', createdAt: existing?.info.createdAt ?? this.opts.clock.now(), file: r.file }, false);
      const active = this.rules.get(r.name)?.active;
      if (active && metrics) active.metrics = metrics;
    }
    for (const name of removed) {
      const entry = this.rules.get(name);
      if (entry?.info.source !== 'file') continue;
      this.rules.delete(name);
      this.disposeRule(entry.active);
      // A file rule that shadowed a rule created through the API gives the stored rule back.
      const stored = this.db.get(name);
      if (stored) this.install(stored.name, stored.payload, { source: 'api', createdAt: stored.created }, true);
    }
    if (upserts.length || removed.length) {
      this.opts.logger.log('info', 'rules', `rules folder ${this.folder.dir}: ${upserts.length} rule(s) created or replaced, ${removed.length} deleted`);
    }
  }

  private refresh(): void {
    const enabled = [...this.rules.values()].filter((e) => e.active && !e.info.disabled).map((e) => e.active!);
    enabled.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.enabled = enabled;
    this.enabledNames = Object.freeze(enabled.map((r) => r.name));
    this.dollarRules = enabled.some((r) => r.compiled.topicFilter?.startsWith('$') === true);
    this.byTopic.clear();
    this.syncTaps();
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

  private entry(name: string): RuleEntry {
    const entry = this.rules.get(name);
    if (!entry) throw new EngineError('NotFound', `Rule ${name} does not exist`);
    return entry;
  }

  private fileRuleError(info: RuleInfo): EngineError {
    return new EngineError('Conflict', `Rule ${info.name} is defined in ${info.file ?? 'a rules file'}; edit the file instead`);
  }

  // ── live event (batched) ──────────────────────────────────────────────────

  /** Counts an evaluation for the live batch (callers check that someone listens). */
  private count(rule: ActiveRule, time: number, matched: boolean, record: EvalRecord, trace: MessageTrace): void {
    const b = (this.batch ??= { from: time, to: time, counts: {}, latest: [] });
    b.to = time;
    // Counted on the rule, gathered when the batch goes out: no lookup by name per evaluation.
    rule.batchCounts.evaluated++;
    if (matched) rule.batchCounts.matched++;
    // The last few evaluations are shown; they are turned into events only when the batch goes out.
    this.latestTraces[this.latestNext] = trace;
    this.latestRecords[this.latestNext] = record;
    this.latestNext = (this.latestNext + 1) % LATEST_EVALUATIONS;
    this.batchTimer ??= setTimeout(this.flushBatch, EVENT_INTERVAL_MS);
  }

  private noteFailures(rule: ActiveRule, n: number): void {
    if (n && this.batch) rule.batchCounts.actionsFailed += n;
  }

  private readonly flushBatch = (): void => {
    this.batchTimer = undefined;
    const b = this.batch;
    this.batch = null;
    if (!b) return;
    for (const { active } of this.rules.values()) {
      const c = active?.batchCounts;
      if (!c || (c.evaluated === 0 && c.actionsFailed === 0)) continue;
      b.counts[active.name] = { ...c };
      c.evaluated = c.matched = c.actionsFailed = 0;
    }
    for (let i = 0; i < LATEST_EVALUATIONS; i++) {
      const at = (this.latestNext + i) % LATEST_EVALUATIONS;
      const trace = this.latestTraces[at];
      const record = this.latestRecords[at];
      if (trace && record) b.latest.push(toEvaluation(trace, record));
    }
    this.latestTraces.fill(undefined);
    this.latestRecords.fill(undefined);
    if (!this.stopped) this.events.emit('evaluated', b);
  };
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

function toDiagnostic(d: SqlDiagnostic): RuleDiagnostic {
  const out: RuleDiagnostic = { severity: d.severity, code: d.code, message: d.message, offset: d.offset, length: d.length, line: d.line, column: d.column };
  if (d.expected) out.expected = d.expected;
  return out;
}

export { SqlError };
