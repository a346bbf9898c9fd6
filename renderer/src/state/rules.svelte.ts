import type {
  MessageRecord, RuleDiagnostic, RuleEvaluation, RuleInfo, RuleMetrics, RuleTestInput, RuleTestResult, ThingbenchClient,
  TopicRulePayload,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { payloadFields } from './models/payload-fields.js';

/** How many recent evaluations of the open rule the view shows. */
const TRACE_SIZE = 50;
/** After a `rules.evaluated` event, how long to gather more before re-reading the counters (they change in bursts). */
const SETTLE_MS = 200;
/**
 * Actions finish after the evaluation that the event reports (a slow function, a retried write), and no event says
 * so: the counters and evaluations are read again this long after the last event.
 */
const ACTION_TAIL_MS = [1_000, 4_000];

/** The outcome of saving a rule: the stored rule, or the engine's error with its code and details. */
export type RuleSaveResult =
  | { ok: true; rule: RuleInfo }
  | { ok: false; code: string; message: string; diagnostics: RuleDiagnostic[] };

/**
 * Topic rules for the Rules view: the list with each rule's counters, the open rule's recent evaluations, and the
 * editor's calls (check, test, put). Counters and evaluations follow `rules.evaluated` while the view watches.
 */
export class RulesStore {
  rules = $state.raw<readonly RuleInfo[]>([]);
  metrics = $state.raw<Readonly<Record<string, RuleMetrics>>>({});
  loaded = $state(false);
  /** The rule open in the editor; `''` while a new rule is being written; null when none is open. */
  open = $state<string | null>(null);
  /** The open rule's recent evaluations, newest first. */
  trace = $state.raw<readonly RuleEvaluation[]>([]);
  private watchers = 0;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private tail: Array<ReturnType<typeof setTimeout>> = [];

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Follows the engine's evaluations while a view is open; returns the function that stops it. */
  watch(): () => void {
    this.watchers++;
    const sub = this.client.on('rules.evaluated', (batch) => {
      if (!Object.keys(batch.counts).length && !batch.latest.length) return;
      this.pending ??= setTimeout(() => { this.pending = null; void this.refreshLive(); }, SETTLE_MS);
      this.clearTail();
      this.tail = ACTION_TAIL_MS.map((ms) => setTimeout(() => void this.refreshLive(), ms));
    });
    void this.refresh();
    return () => {
      sub.dispose();
      if (--this.watchers > 0) return;
      if (this.pending) { clearTimeout(this.pending); this.pending = null; }
      this.clearTail();
    };
  }

  private clearTail(): void {
    for (const t of this.tail) clearTimeout(t);
    this.tail = [];
  }

  /** Re-reads the rules, their counters and the open rule's evaluations. */
  async refresh(): Promise<void> {
    try {
      const [rules, metrics] = await Promise.all([this.client.rules.list(), this.client.rules.metrics()]);
      this.rules = rules.sort((a, b) => a.name.localeCompare(b.name));
      this.metrics = Object.assign(Object.create(null) as Record<string, RuleMetrics>, Object.fromEntries(metrics.map((m) => [m.rule, m])));
      this.loaded = true;
      if (this.open && !rules.some((r) => r.name === this.open)) this.open = null;
    } catch (err) {
      this.connection.reportError('Could not load the rules')(err);
    }
    await this.loadTrace();
  }

  select(name: string | null): void {
    if (this.open === name) return;
    this.open = name;
    this.trace = [];
    void this.loadTrace();
  }

  async put(name: string, payload: TopicRulePayload): Promise<RuleSaveResult> {
    try {
      const rule = await this.client.rules.put(name, payload);
      await this.refresh();
      return { ok: true, rule };
    } catch (err) {
      const e = err as { code?: string; message?: string; details?: { diagnostics?: RuleDiagnostic[] } };
      return { ok: false, code: e.code ?? 'Error', message: e.message ?? String(err), diagnostics: e.details?.diagnostics ?? [] };
    }
  }

  async remove(name: string): Promise<void> {
    await this.act(() => this.client.rules.delete(name), `Could not delete ${name}`);
    if (this.open === name) this.select(null);
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.act(() => (enabled ? this.client.rules.enable(name) : this.client.rules.disable(name)), `Could not ${enabled ? 'enable' : 'disable'} ${name}`);
  }

  /** Every diagnostic of `sql`; never fails on bad SQL (an unreachable engine gives none). */
  async check(sql: string, version?: string): Promise<RuleDiagnostic[]> {
    try {
      return await this.client.rules.check(sql, version);
    } catch {
      return [];
    }
  }

  test(input: RuleTestInput): Promise<RuleTestResult> {
    return this.client.rules.test(input);
  }

  /** Recent captured messages on a rule's topic filter, newest first. */
  async recentMessages(filter: string, limit = 30): Promise<MessageRecord[]> {
    try {
      return await this.client.broker.messages({ filter, limit });
    } catch {
      return [];
    }
  }

  /** Payload field paths seen on a topic filter, for completion. */
  async fieldsOn(filter: string): Promise<string[]> {
    return payloadFields(await this.recentMessages(filter, 50));
  }

  private async act(fn: () => Promise<void>, what: string): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.connection.reportError(what)(err);
    }
    await this.refresh();
  }

  private async refreshLive(): Promise<void> {
    if (!this.watchers) return;
    try {
      const metrics = await this.client.rules.metrics();
      this.metrics = Object.assign(Object.create(null) as Record<string, RuleMetrics>, Object.fromEntries(metrics.map((m) => [m.rule, m])));
      // A rule made elsewhere (the CLI, a file) shows up with its first evaluation.
      if (metrics.length !== this.rules.length || metrics.some((m) => !this.rules.some((r) => r.name === m.rule))) {
        await this.refresh();
        return;
      }
    } catch (err) {
      this.connection.reportError('Could not load the rule counters')(err);
    }
    await this.loadTrace();
  }

  private async loadTrace(): Promise<void> {
    const rule = this.open;
    if (!rule) return;
    try {
      const trace = await this.client.rules.trace({ rule, limit: TRACE_SIZE });
      if (this.open === rule) this.trace = trace;
    } catch (err) {
      this.connection.reportError('Could not load the evaluations')(err);
    }
  }
}
