/**
 * The evaluation trace for the UI: a ring of the last messages that reached the rules engine, each with its trace id
 * and, per rule whose FROM matched, whether WHERE fired and what the actions did. Rules that were active but whose
 * FROM did not match are derived on read (reason `topic`), so the message path allocates one record per message.
 */
import type { RuleActionOutcome, RuleEvaluation, RuleNoMatchReason, RuleTraceQuery } from '../contract/index.js';

export interface EvalRecord {
  rule: string;
  matched: boolean;
  reason?: RuleNoMatchReason | 'error' | 'loop';
  error?: string;
  output?: Buffer;
  /** Created with the first outcome: most evaluations run no action. */
  actions?: RuleActionOutcome[];
}

/** What a rule's evaluations without output or outcomes look like; one frozen record each, shared by every message. */
export class SharedRecords {
  readonly matched: EvalRecord;
  private readonly whereFalse: EvalRecord;
  private readonly whereUndefined: EvalRecord;
  private readonly whereNotBoolean: EvalRecord;

  constructor(rule: string) {
    const noMatch = (reason: Exclude<RuleNoMatchReason, 'topic'>) => Object.freeze({ rule, matched: false, reason });
    this.matched = Object.freeze({ rule, matched: true });
    this.whereFalse = noMatch('where-false');
    this.whereUndefined = noMatch('where-undefined');
    this.whereNotBoolean = noMatch('where-not-boolean');
  }

  noMatch(reason: Exclude<RuleNoMatchReason, 'topic'>): EvalRecord {
    return reason === 'where-false' ? this.whereFalse : reason === 'where-undefined' ? this.whereUndefined : this.whereNotBoolean;
  }
}

/** Records an action outcome on an evaluation. */
export function addOutcome(e: EvalRecord, outcome: RuleActionOutcome): void {
  (e.actions ??= []).push(outcome);
}

export interface MessageTrace {
  traceId: string;
  /** The captured message's id in the broker's history. */
  messageId: number;
  time: number;
  topic: string;
  clientId: string | null;
  /** The enabled rules when the message arrived (shared, immutable snapshot). */
  ruleSet: readonly string[];
  evals: EvalRecord[];
}

const OUTPUT_BYTES = 2048;

export function traceOutput(payload: Buffer): Buffer {
  return Buffer.from(payload.subarray(0, OUTPUT_BYTES));
}

function isText(b: Buffer): boolean {
  const s = b.toString('utf8');
  return !s.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F]/.test(s);
}

export function toEvaluation(m: MessageTrace, e: EvalRecord): RuleEvaluation {
  const out: RuleEvaluation = { traceId: m.traceId, messageId: m.messageId, time: m.time, rule: e.rule, topic: m.topic, clientId: m.clientId, matched: e.matched, actions: e.actions ? [...e.actions] : [] };
  if (e.reason) out.reason = e.reason;
  if (e.error) out.error = e.error;
  if (e.output) {
    const text = isText(e.output);
    out.output = text ? e.output.toString('utf8') : e.output.toString('base64');
    out.outputEncoding = text ? 'utf8' : 'base64';
  }
  return out;
}

export class TraceRing {
  private readonly ring: Array<MessageTrace | undefined>;
  private next = 0;

  constructor(readonly size: number) {
    this.ring = new Array<MessageTrace | undefined>(size);
  }

  push(m: MessageTrace): void {
    this.ring[this.next] = m;
    this.next = (this.next + 1) % this.size;
  }

  clear(): void {
    this.ring.fill(undefined);
  }

  *newestFirst(): Generator<MessageTrace> {
    for (let i = 1; i <= this.size; i++) {
      const m = this.ring[(this.next - i + this.size) % this.size];
      if (!m) return;
      yield m;
    }
  }

  query(q: RuleTraceQuery = {}): RuleEvaluation[] {
    const limit = Math.min(q.limit ?? 200, 5000);
    const out: RuleEvaluation[] = [];
    for (const m of this.newestFirst()) {
      if (q.traceId !== undefined && m.traceId !== q.traceId) continue;
      if (q.messageId !== undefined && m.messageId !== q.messageId) continue;
      for (const e of m.evals) {
        if (q.rule !== undefined && e.rule !== q.rule) continue;
        out.push(toEvaluation(m, e));
      }
      if (q.includeTopicMisses) {
        for (const rule of m.ruleSet) {
          if (q.rule !== undefined && rule !== q.rule) continue;
          if (m.evals.some((e) => e.rule === rule)) continue;
          out.push({ traceId: m.traceId, messageId: m.messageId, time: m.time, rule, topic: m.topic, clientId: m.clientId, matched: false, reason: 'topic', actions: [] });
        }
      }
      if (out.length >= limit) break;
    }
    return out.slice(0, limit);
  }
}
