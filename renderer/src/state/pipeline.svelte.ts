import type { MessageRecord, PipelineGraph, PipelineUpdated, RuleEvaluation, ThingbenchClient } from '../../../engine/contract/index.js';
import { payloadFull } from '../lib/format.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { tracePath, type TracePath } from './models/trace-path.js';

/** Recent messages offered for tracing. */
const RECENT = 40;

/**
 * The live pipeline diagram: `pipeline.graph()`, then `pipeline.updated` counts (subscribed first; an update with a
 * newer structure than the graph held carries the graph, or the graph is read again), applied at most once per
 * frame. And the trace of one captured message: its rule evaluations, the path they lit and the records written.
 */
export class PipelineStore {
  graph = $state.raw<PipelineGraph | null>(null);
  recent = $state.raw<readonly MessageRecord[]>([]);
  /** The traced message's id, its path and steps (null: nothing traced). */
  traced = $state.raw<{ id: number; message: MessageRecord | null; path: TracePath } | null>(null);
  traceError = $state('');
  private pending: PipelineUpdated[] = [];
  /** A traced message whose actions had not all reported yet, traced again on the next update. */
  private retrace: number | null = null;
  private retries = 0;
  /** Plain (not reactive): `trace` may run inside a view's effect without making it depend on the trace. */
  private lastTraced: number | null = null;
  private readonly schedule = perFrame(() => this.flush());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Live while the pipeline view is open. */
  watch(): () => void {
    const sub = this.client.on('pipeline.updated', (u) => {
      this.pending.push(u);
      this.schedule();
    });
    void this.reload();
    void this.loadRecent();
    return () => sub.dispose();
  }

  async reload(): Promise<void> {
    try {
      this.graph = await this.client.pipeline.graph();
    } catch (err) {
      this.connection.reportError('Could not load the pipeline')(err);
    }
  }

  async loadRecent(): Promise<void> {
    try {
      this.recent = (await this.client.broker.messages({ limit: RECENT * 2 })).filter((m) => !m.topic.startsWith('$aws/events/')).slice(0, RECENT);
    } catch (err) {
      this.connection.reportError('Could not load the recent messages')(err);
    }
  }

  /** Traces a captured message: its rule evaluations, then the records its actions wrote to sinks. */
  async trace(id: number): Promise<void> {
    this.traceError = '';
    if (this.lastTraced !== id) this.retries = 0;
    this.lastTraced = id;
    try {
      const [message, evaluations] = await Promise.all([this.client.broker.message(id), this.client.rules.trace({ messageId: id })]);
      const graph = this.graph ?? (this.graph = await this.client.pipeline.graph());
      if (!message && !evaluations.length) {
        this.traced = null;
        this.traceError = `Message ${id} is not in the history any more (or never was).`;
        return;
      }
      const path = tracePath(graph, message, evaluations, (m) => payloadFull(m.payload, m.truncated).text);
      this.traced = { id, message, path };
      // Actions finish after the evaluation: while some have not reported, trace again on the next counts.
      const pending = evaluations.some((e) => e.matched && e.actions.filter((a) => a.index >= 0).length < graph.nodes.filter((n) => n.rule === e.rule && n.kind === 'action' && (n.actionIndex ?? -1) >= 0).length);
      this.retrace = pending && this.retries++ < 5 ? id : null;
      if (!pending) this.retries = 0;
      await this.loadRecords(id, evaluations, path);
    } catch (err) {
      this.traceError = err instanceof Error ? err.message : String(err);
    }
  }

  clearTrace(): void {
    this.retrace = null;
    this.traced = null;
    this.traceError = '';
  }

  /** The records each action that succeeded wrote, found by the message's trace id. */
  private async loadRecords(id: number, evaluations: RuleEvaluation[], path: TracePath): Promise<void> {
    const traceId = evaluations[0]?.traceId;
    if (!traceId) return;
    const steps = await Promise.all(path.steps.map(async (s) => {
      if (s.kind !== 'action' || s.status !== 'ok' || !s.target?.sink) return s;
      const { kind, name } = s.target.sink;
      try {
        return { ...s, records: await this.client.sinks.records(kind as never, name, { traceId, limit: 5 }) };
      } catch {
        return s;
      }
    }));
    if (this.traced?.id === id) this.traced = { ...this.traced, path: { ...path, steps } };
  }

  private flush(): void {
    const updates = this.pending.splice(0);
    let graph: PipelineGraph | null = this.graph;
    if (!graph) return;
    for (const u of updates) {
      if (u.graph) graph = u.graph;
      else if (u.structure !== graph.structure) {
        void this.reload(); // the update with the new structure was skipped (a slow link): read it again
        return;
      }
      const edges: PipelineGraph['edges'] = graph.edges.map((e) => (u.edges[e.id] ? { ...e, messages: u.edges[e.id][0], errors: u.edges[e.id][1] } : e));
      const nodes: PipelineGraph['nodes'] = graph.nodes.map((n) => (u.nodes[n.id] ? { ...n, counts: u.nodes[n.id] } : n));
      graph = { ...graph, time: u.time, edges, nodes };
    }
    this.graph = graph;
    if (this.retrace !== null && this.traced?.id === this.retrace) void this.trace(this.retrace);
  }
}
