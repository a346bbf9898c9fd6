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
 * - No IAM: `roleArn` is not enforced (an action does what its role would allow or not); no authorization of API
 *   calls. With `--require-roles` (`roleAssumable`), CreateTopicRule and ReplaceTopicRule refuse an action's role
 *   that AWS IoT could not assume, as AWS IoT does when it creates the rule.
 * - Messages a rule republishes are evaluated by the rules again, as on AWS, but a rule feeding itself stops after
 *   `MAX_RULE_REPEATS` rounds (AWS has no such limit; `republish-loop.ts`). Loops through lambda functions'
 *   `sdk.publish` or the shadow service are not tracked.
 * - Basic Ingest messages are still delivered to MQTT subscribers of `$aws/rules/…` if the broker delivers them.
 * - `aws_lambda()` and other external SQL functions evaluate to Undefined (they cannot run synchronously here).
 * - `principal()` is the certificate id for mutual-TLS publishers. MQTT 5 properties reach `get_mqtt_property()` and
 *   `get_user_properties()` from the broker's taps.
 */
import { RuleMeter, type RuleUsage } from './rule-meter.js';
import { randomUUID } from 'node:crypto';
import { EngineError, TypedEmitter, type Clock, type Logger, type Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { Publisher } from '../broker/index.js';
import type {
  MessageRecord, RuleDiagnostic, RuleInfo, RuleMetrics, RuleTestInput, RuleTestResult, RuleTraceQuery, RuleEvaluation,
} from '../contract/index.js';
import { check, SQL_VERSIONS, SqlError, testRule, type SqlDiagnostic, type SqlEnvironment, type SqlMessage, type SqlValue, type SqlVersion } from './sql/index.js';
import { failedCondition } from './failed-condition.js';
import type { ActionDeps, FunctionInvoker } from './actions/action.js';
import { ACCOUNT_ID, API_DEFAULT_SQL_VERSION, validateRuleName } from './rule-model.js';
import { RuleCatalog, type RuleFlow } from './rule-catalog.js';
import { RuleEvaluator, publishFromRules } from './rule-evaluator.js';
import { sampleProperties } from './mqtt5-properties.js';
import { ActionRunner } from './action-runner.js';
import { LiveBatch, type RulesEvents } from './live-batch.js';

export type { RulesEvents, RuleFlow };

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
  /** Local functions (the `lambda` action), built by the engine (engine/functions). */
  functions: FunctionInvoker;
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
  /** A captured message by id (the broker's history), for the failed condition of a traced message. */
  captured?: (id: number) => MessageRecord | null;
  /** `--require-roles`: whether AWS IoT can assume an action's role; none: any role is taken. */
  roleAssumable?: (roleArn: string) => boolean;
}

/** The `roleArn`s a topic rule payload's actions and error action name. */
function actionRoles(payload: unknown): string[] {
  if (!payload || typeof payload !== 'object') return [];
  const p = payload as { actions?: unknown; errorAction?: unknown };
  const actions = [...(Array.isArray(p.actions) ? p.actions : []), p.errorAction];
  const roles: string[] = [];
  for (const action of actions) {
    if (!action || typeof action !== 'object') continue;
    for (const params of Object.values(action as Record<string, unknown>)) {
      const role = (params as { roleArn?: unknown } | null)?.roleArn;
      if (typeof role === 'string') roles.push(role);
    }
  }
  return roles;
}

export class RulesService implements Service {
  readonly name = 'rules';
  readonly events = new TypedEmitter<RulesEvents>();
  private readonly env: SqlEnvironment;
  private readonly catalog: RuleCatalog;
  private readonly evaluator: RuleEvaluator;
  private readonly runner: ActionRunner;
  private readonly batch: LiveBatch;
  private readonly meter = new RuleMeter();

  constructor(store: Store, pub: Publisher, private readonly opts: RulesServiceOptions) {
    this.env = {
      accountId: ACCOUNT_ID,
      now: () => opts.clock.now(),
      getThingShadow: (thing, shadowName) => opts.shadows.getThingShadow(thing, shadowName ?? null),
    };
    const deps: ActionDeps = { ...opts.actionDeps, publish: (msg, lineage) => publishFromRules(pub, msg, lineage), functions: opts.functions };
    this.catalog = new RuleCatalog(store, {
      dataDir: opts.dataDir, logger: opts.logger, clock: opts.clock, deps, onChange: (enabled) => this.evaluator.setRules(enabled),
    });
    this.batch = new LiveBatch(this.events, this.catalog.rules);
    this.runner = new ActionRunner(this.batch, { ...opts, meter: this.meter });
    this.evaluator = new RuleEvaluator({ pub, env: this.env, events: this.events, batch: this.batch, runner: this.runner, logger: opts.logger, meter: this.meter, traceSize: opts.traceSize });
  }

  async start(): Promise<void> {
    this.catalog.open();
    this.evaluator.start();
    this.catalog.refresh();
    if (this.opts.watchRuleFiles !== false) this.catalog.watch();
  }

  async stop(): Promise<void> {
    this.runner.stop();
    this.catalog.close();
    this.evaluator.stop();
    this.batch.stop();
    this.catalog.disposeAll();
  }

  // ── management ────────────────────────────────────────────────────────────

  list(): RuleInfo[] {
    return this.catalog.list();
  }

  get(name: string): RuleInfo {
    return this.catalog.get(name);
  }

  /** CreateTopicRule: AlreadyExists when the name is taken. */
  async create(name: string, payload: unknown): Promise<RuleInfo> {
    validateRuleName(name);
    if (this.catalog.has(name)) throw new EngineError('AlreadyExists', `Rule ${name} already exists`);
    this.checkRoles(payload);
    return this.put(name, payload);
  }

  /** ReplaceTopicRule: NotFound when the rule does not exist. */
  async replace(name: string, payload: unknown): Promise<RuleInfo> {
    validateRuleName(name);
    this.catalog.entry(name);
    this.checkRoles(payload);
    return this.put(name, payload);
  }

  /** AWS IoT's refusal of an action role it cannot assume (`--require-roles`), checked when the rule is made. */
  private checkRoles(payload: unknown): void {
    const check = this.opts.roleAssumable;
    if (!check) return;
    const role = actionRoles(payload).find((r) => !check(r));
    if (role !== undefined) {
      throw new EngineError('InvalidInput', `AWS IoT (iot.amazonaws.com) is unable to assume role (sts:AssumeRole) on resource: ${role}. If the role was just created or updated, please try again in a few seconds.`);
    }
  }

  /** Creates or replaces (the UI's save); the rule is durable when this resolves. */
  async put(name: string, payload: unknown): Promise<RuleInfo> {
    return this.catalog.put(name, payload);
  }

  async delete(name: string): Promise<void> {
    return this.catalog.delete(name);
  }

  /** Enable/disable. API rules are stored; file rules change until the engine restarts. */
  async setDisabled(name: string, disabled: boolean): Promise<void> {
    return this.catalog.setDisabled(name, disabled);
  }

  check(sql: string, version?: string): RuleDiagnostic[] {
    if (typeof sql !== 'string') throw new EngineError('InvalidInput', 'sql must be a string');
    return check(sql, { version: this.version(version) }).map(toDiagnostic);
  }

  test(input: RuleTestInput): RuleTestResult {
    const payload = Buffer.from(input.payload, input.encoding === 'base64' ? 'base64' : 'utf8');
    const r = testRule(input.sql, input.topic, payload, input.clientId ?? null, {
      version: this.version(input.awsIotSqlVersion), env: this.env,
      message: input.properties ? { traceId: randomUUID(), mqtt5: sampleProperties(input.properties) } : { traceId: randomUUID() },
    });
    const diagnostics = r.diagnostics.map(toDiagnostic);
    if (!r.ok) return r.error !== undefined ? { ok: false, error: r.error, diagnostics } : { ok: false, diagnostics };
    if (!r.matched) return { ok: true, matched: false, reason: r.reason, diagnostics };
    const text = r.payload.toString('utf8');
    const isText = !text.includes('\uFFFD');
    return { ok: true, matched: true, output: isText ? text : r.payload.toString('base64'), outputEncoding: isText ? 'utf8' : 'base64', diagnostics };
  }

  metrics(name?: string): RuleMetrics[] {
    return this.catalog.metrics(name);
  }

  /** Every rule with its metrics and each action's outcomes (the pipeline diagram). */
  /** Billing counters per rule since the start (rules triggered, actions executed by kind). */
  usage(): RuleUsage[] {
    return this.meter.report();
  }

  flows(): RuleFlow[] {
    return this.catalog.flows();
  }

  /**
   * Recent evaluations, newest first. Asked by `messageId`, each WHERE miss names the condition that decided,
   * re-evaluated against the captured message (while the history holds it) with the rule as it is now.
   */
  traceQuery(query?: RuleTraceQuery): RuleEvaluation[] {
    const found = this.evaluator.traceQuery(query);
    if (query?.messageId === undefined || !this.opts.captured) return found;
    const misses = found.filter((e) => e.reason === 'where-false' || e.reason === 'where-undefined' || e.reason === 'where-not-boolean');
    const record = misses.length ? this.opts.captured(query.messageId) : null;
    if (!record) return found;
    for (const e of misses) {
      const compiled = this.catalog.rules.get(e.rule)?.active?.compiled;
      if (!compiled) continue;
      const message: SqlMessage = {
        topic: e.topic, payload: Buffer.from(record.payload, 'base64'), clientId: record.clientId, traceId: e.traceId, timestamp: record.time,
        ...(record.properties ? { mqtt5: sampleProperties(record.properties) } : {}),
      };
      const condition = failedCondition(compiled, message, this.env);
      if (condition) e.condition = condition;
    }
    return found;
  }

  /**
   * Re-reads `<dataDir>/rules` (the folder watch calls this): new and changed files create or replace their rules,
   * removed files delete theirs; rules created through the API are left alone.
   */
  reloadFiles(): void {
    this.catalog.reloadFiles();
  }

  private version(v: string | undefined): SqlVersion {
    const version = v ?? API_DEFAULT_SQL_VERSION;
    if (!(SQL_VERSIONS as readonly string[]).includes(version)) throw new EngineError('InvalidInput', `Unsupported awsIotSqlVersion: ${version}`);
    return version as SqlVersion;
  }
}

function toDiagnostic(d: SqlDiagnostic): RuleDiagnostic {
  const out: RuleDiagnostic = { severity: d.severity, code: d.code, message: d.message, offset: d.offset, length: d.length, line: d.line, column: d.column };
  if (d.expected) out.expected = d.expected;
  return out;
}

export { SqlError };
