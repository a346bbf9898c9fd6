/**
 * The live batch: counts evaluations and failures per rule and keeps the latest few evaluations, then sends them
 * as one `evaluated` event every `EVENT_INTERVAL_MS` while someone listens.
 */
import type { TypedEmitter } from '../core/index.js';
import type { RulesEvaluated } from '../contract/index.js';
import { toEvaluation, type EvalRecord, type MessageTrace } from './rule-trace.js';
import type { ActiveRule, RuleEntry } from './rule-catalog.js';

export interface RulesEvents {
  evaluated: RulesEvaluated;
}

const EVENT_INTERVAL_MS = 500;
/** Evaluations each live batch shows in full. */
const LATEST_EVALUATIONS = 20;

export class LiveBatch {
  private batch: RulesEvaluated | null = null;
  /** Ring of the batch's latest evaluations, oldest at `latestNext`. */
  private readonly latestTraces: Array<MessageTrace | undefined> = new Array(LATEST_EVALUATIONS);
  private readonly latestRecords: Array<EvalRecord | undefined> = new Array(LATEST_EVALUATIONS);
  private latestNext = 0;
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /** `rules` is the catalogue's table: every rule's counts are gathered from it when the batch goes out. */
  constructor(private readonly events: TypedEmitter<RulesEvents>, private readonly rules: ReadonlyMap<string, RuleEntry>) {}

  /** Counts an evaluation for the live batch (callers check that someone listens). */
  count(rule: ActiveRule, time: number, matched: boolean, record: EvalRecord, trace: MessageTrace): void {
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

  noteFailures(rule: ActiveRule, n: number): void {
    if (n && this.batch) rule.batchCounts.actionsFailed += n;
  }

  stop(): void {
    this.stopped = true;
    if (this.batchTimer) clearTimeout(this.batchTimer);
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
