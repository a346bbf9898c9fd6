/**
 * The rule catalogue: every rule (created through the API and stored, or read from `<dataDir>/rules` files), its
 * CRUD, and building a rule's `ActiveRule` (compiled SQL, actions, templates, metrics). Tells `onChange` which rules
 * are enabled whenever that may have changed.
 */
import path from 'node:path';
import { EngineError, type Clock, type Disposable, type Logger } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { RuleActionJson, RuleInfo, RuleMetrics, TopicRulePayload } from '../contract/index.js';
import { compile, type CompiledRule } from './sql/index.js';
import type { ActionDeps, RuleAction } from './actions/action.js';
import { actionFactories } from './actions/registry.js';
import { compileTemplate, hasTemplate, stringsIn, type CompiledTemplate } from './templates.js';
import { parsePayload, ruleArn, sqlVersionOf, validateRuleName } from './rule-model.js';
import { RuleStore } from './rule-store.js';
import { RuleFolder } from './rule-folder.js';
import { watchFolder } from './folder-watcher.js';
import { SharedRecords } from './rule-trace.js';
import { Deque } from './deque.js';
import type { Job } from './action-runner.js';

/** Quiet time after the last change in the rules folder before it is read again. */
const RULE_FILES_DEBOUNCE_MS = 150;

/** A built action with its outcomes since the rule was built (the pipeline diagram's edges). */
export interface BuiltAction { kind: string; params: Record<string, unknown>; action: RuleAction; succeeded: number; failed: number }

/** A rule's counters as the pipeline diagram reads them: the rule's metrics and each action's outcomes. */
export interface RuleFlow {
  info: RuleInfo;
  metrics: RuleMetrics;
  /** Per action, in the rule's order. */
  actions: Array<{ succeeded: number; failed: number }>;
  errorAction: { succeeded: number; failed: number } | null;
}

/** A rule as the message path and the action runner use it. */
export interface ActiveRule {
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

export interface RuleEntry {
  info: RuleInfo;
  payload: TopicRulePayload;
  /** Null when the rule could not be built (an action no longer available, …); see `problem`. */
  active: ActiveRule | null;
  problem?: string;
}

export interface RuleCatalogOptions {
  dataDir: string;
  logger: Logger;
  clock: Clock;
  /** For the actions the rules build. */
  deps: ActionDeps;
  /** The enabled, built rules in name order (a new array each time). */
  onChange: (enabled: ActiveRule[]) => void;
}

type Source = { source: 'api' | 'file'; createdAt: number; file?: string };

const newMetrics = (rule: string): RuleMetrics => ({
  rule, evaluated: 0, matched: 0, actionsSucceeded: 0, actionsFailed: 0, errors: 0, dropped: 0,
  errorActionsSucceeded: 0, errorActionsFailed: 0, lastMatchAt: null, lastError: null,
});

export class RuleCatalog {
  private readonly table = new Map<string, RuleEntry>();
  private db!: RuleStore;
  private folder!: RuleFolder;
  private folderWatch: Disposable | null = null;
  private closed = false;

  constructor(private readonly store: Store, private readonly opts: RuleCatalogOptions) {}

  /** Every rule, in insertion order (the live batch gathers counts from it). */
  get rules(): ReadonlyMap<string, RuleEntry> {
    return this.table;
  }

  /** Installs the stored rules, then the rules folder's. */
  open(): void {
    this.db = new RuleStore(this.store);
    for (const row of this.db.all()) {
      this.install(row.name, row.payload, { source: 'api', createdAt: row.created }, true);
    }
    this.folder = new RuleFolder(path.join(this.opts.dataDir, 'rules'), this.opts.logger);
    this.loadFiles();
  }

  /** Reloads the rules folder when its files change. */
  watch(): void {
    this.folderWatch = watchFolder(this.folder.dir, () => this.reloadFiles(), { debounceMs: RULE_FILES_DEBOUNCE_MS, logger: this.opts.logger });
  }

  /** Stops watching and reloading; `disposeAll` then releases the rules' actions. */
  close(): void {
    this.closed = true;
    this.folderWatch?.dispose();
    this.folderWatch = null;
  }

  disposeAll(): void {
    for (const entry of this.table.values()) this.disposeRule(entry.active);
  }

  list(): RuleInfo[] {
    return [...this.table.values()].map((e) => ({ ...e.info }));
  }

  get(name: string): RuleInfo {
    return { ...this.entry(name).info };
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  /** Creates or replaces an API rule; the rule is durable when this resolves. */
  async put(name: string, payload: unknown): Promise<RuleInfo> {
    validateRuleName(name);
    const existing = this.table.get(name);
    if (existing?.info.source === 'file') throw this.fileRuleError(existing.info);
    const parsed = parsePayload(payload, new Set(Object.keys(actionFactories)));
    const now = this.opts.clock.now();
    const built = this.build(name, parsed); // throws SqlError / InvalidInput before anything is stored
    const createdAt = existing?.info.createdAt ?? now;
    await this.db.put({ name, payload: parsed, created: createdAt, updated: now });
    const previous = this.table.get(name);
    if (previous?.info.source === 'file') { this.disposeRule(built); throw this.fileRuleError(previous.info); }
    this.disposeRule(previous?.active ?? null);
    if (previous?.active) built.metrics = previous.active.metrics;
    this.table.set(name, { info: this.infoOf(name, parsed, built.compiled, { source: 'api', createdAt }), payload: parsed, active: built });
    this.refresh();
    return this.get(name);
  }

  async delete(name: string): Promise<void> {
    validateRuleName(name);
    const entry = this.entry(name);
    if (entry.info.source === 'file') throw this.fileRuleError(entry.info);
    await this.db.delete(name);
    if (this.table.get(name) !== entry) return;
    this.table.delete(name);
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

  metrics(name?: string): RuleMetrics[] {
    if (name !== undefined) {
      const entry = this.entry(name);
      return [entry.active ? { ...entry.active.metrics } : newMetrics(name)];
    }
    return [...this.table.values()].map((e) => (e.active ? { ...e.active.metrics } : newMetrics(e.info.name)));
  }

  /** Every rule with its counters, for the pipeline diagram. */
  flows(): RuleFlow[] {
    const counts = (a: BuiltAction) => ({ succeeded: a.succeeded, failed: a.failed });
    return [...this.table.values()].map((e) => ({
      info: e.info,
      metrics: e.active ? { ...e.active.metrics } : newMetrics(e.info.name),
      actions: e.active ? e.active.actions.map(counts) : e.info.actions.map(() => ({ succeeded: 0, failed: 0 })),
      errorAction: e.active?.errorAction ? counts(e.active.errorAction) : e.info.errorAction ? { succeeded: 0, failed: 0 } : null,
    }));
  }

  /** Re-reads `<dataDir>/rules`: new and changed files create or replace their rules, removed files delete theirs. */
  reloadFiles(): void {
    if (this.closed) return;
    this.loadFiles();
    this.refresh();
  }

  /** Hands the enabled, built rules in name order to `onChange`. */
  refresh(): void {
    const enabled = [...this.table.values()].filter((e) => e.active && !e.info.disabled).map((e) => e.active!);
    enabled.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.opts.onChange(enabled);
  }

  /** The rule, or NotFound. */
  entry(name: string): RuleEntry {
    const entry = this.table.get(name);
    if (!entry) throw new EngineError('NotFound', `Rule ${name} does not exist`);
    return entry;
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
        const action = actionFactories[kind](params, this.opts.deps);
        const b = { kind, params, action, succeeded: 0, failed: 0 };
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

  private infoOf(name: string, payload: TopicRulePayload, compiled: CompiledRule | null, src: Source): RuleInfo {
    const info: RuleInfo = {
      name, arn: ruleArn(name), sql: payload.sql, description: payload.description ?? '', actions: payload.actions,
      errorAction: payload.errorAction ?? null, disabled: payload.ruleDisabled === true, sqlVersion: sqlVersionOf(payload),
      topicFilter: compiled ? compiled.topicFilter : null, createdAt: src.createdAt, source: src.source,
    };
    if (src.file) info.file = src.file;
    return info;
  }

  /** Adds a rule read from the store or a file; a rule that no longer builds stays listed, inactive, with its problem logged. */
  private install(name: string, payload: TopicRulePayload, src: Source, trusted: boolean): void {
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
    this.disposeRule(this.table.get(name)?.active ?? null);
    this.table.set(name, problem ? { info, payload: p, active, problem } : { info, payload: p, active });
  }

  /** Applies what changed in the rules folder since it was last read. */
  private loadFiles(): void {
    const { upserts, removed } = this.folder.read();
    for (const r of upserts) {
      const existing = this.table.get(r.name);
      if (existing?.info.source === 'api') this.opts.logger.log('warn', 'rules', `${r.file}: rule ${r.name} also exists in the database; the file's definition is used`);
      const metrics = existing?.active?.metrics;
      this.install(r.name, r.payload as TopicRulePayload, { source: 'file', createdAt: existing?.info.createdAt ?? this.opts.clock.now(), file: r.file }, false);
      const active = this.table.get(r.name)?.active;
      if (active && metrics) active.metrics = metrics;
    }
    for (const name of removed) {
      const entry = this.table.get(name);
      if (entry?.info.source !== 'file') continue;
      this.table.delete(name);
      this.disposeRule(entry.active);
      // A file rule that shadowed a rule created through the API gives the stored rule back.
      const stored = this.db.get(name);
      if (stored) this.install(stored.name, stored.payload, { source: 'api', createdAt: stored.created }, true);
    }
    if (upserts.length || removed.length) {
      this.opts.logger.log('info', 'rules', `rules folder ${this.folder.dir}: ${upserts.length} rule(s) created or replaced, ${removed.length} deleted`);
    }
  }

  private fileRuleError(info: RuleInfo): EngineError {
    return new EngineError('Conflict', `Rule ${info.name} is defined in ${info.file ?? 'a rules file'}; edit the file instead`);
  }
}
