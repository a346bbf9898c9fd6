/**
 * The pipeline diagram from the counters the services already keep (pure): clients → broker → rules → actions →
 * targets, the shadow service beside the broker. Nodes and edges come in a stable order, so two graphs of the same
 * structure have the same `structureKey`.
 */
import type { PipelineEdge, PipelineGraph, PipelineNode, RuleInfo, RuleMetrics, SinkInfo } from '../contract/index.js';
import { actionTarget, functionName, sinkNodeId } from './action-targets.js';

export interface Counted { succeeded: number; failed: number }

export interface PipelineInput {
  time: number;
  since: number;
  clients: { connected: number; messagesIn: number; denials: number };
  shadow: { requests: number; rejected: number };
  rules: Array<{ info: RuleInfo; metrics: RuleMetrics; actions: Counted[]; errorAction: Counted | null }>;
  sinks: SinkInfo[];
  functions: string[];
  buckets: string[];
  /** Where a delivery stream without a `bucket` option delivers. */
  defaultFirehoseBucket: string;
}

export type PipelineShape = Omit<PipelineGraph, 'structure'>;

export function buildGraph(input: PipelineInput): PipelineShape {
  const nodes = new Map<string, PipelineNode>();
  const edges = new Map<string, PipelineEdge>();
  const add = (n: PipelineNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return nodes.get(n.id)!;
  };
  const link = (from: string, to: string, messages: number, errors: number, uncounted = false) => {
    const id = `${from}→${to}`;
    const e = edges.get(id);
    if (e) {
      e.messages += messages;
      e.errors += errors;
    } else {
      edges.set(id, { id, from, to, messages, errors, ...(uncounted ? { uncounted: true } : {}) });
    }
  };

  add({ id: 'clients', kind: 'clients', layer: 0, label: 'Devices and clients', counts: { connected: input.clients.connected } });
  add({ id: 'broker', kind: 'broker', layer: 1, label: 'Message broker' });
  add({ id: 'shadow', kind: 'shadow', layer: 1, label: 'Device Shadow', counts: { ...input.shadow } });
  link('clients', 'broker', input.clients.messagesIn, input.clients.denials);
  link('broker', 'shadow', input.shadow.requests, input.shadow.rejected);

  // Existing targets first, so an action's node knows whether its target exists.
  const sinkIds = new Set(input.sinks.map((s) => sinkNodeId(s.kind, s.name)));
  const functionIds = new Set(input.functions.map((f) => `function:${f}`));
  const targetExists = (id: string, kind: string) => (kind === 'function' ? functionIds.has(id) : kind === 'topic' || kind === 'external' || sinkIds.has(id));

  const rules = [...input.rules].sort((a, b) => a.info.name.localeCompare(b.info.name));
  for (const { info, metrics, actions, errorAction } of rules) {
    const ruleId = `rule:${info.name}`;
    add({ id: ruleId, kind: 'rule', layer: 2, label: info.name, detail: info.topicFilter ?? 'Basic Ingest', rule: info.name, ...(info.disabled ? { disabled: true } : {}) });
    link('broker', ruleId, metrics.evaluated, Math.max(0, metrics.errors - metrics.actionsFailed));
    const json = [...info.actions.map((a, i) => ({ a, i, c: actions[i] })), ...(info.errorAction && errorAction ? [{ a: info.errorAction, i: -1, c: errorAction }] : [])];
    for (const { a, i, c } of json) {
      const [kind, params] = Object.entries(a)[0] ?? ['unknown', {}];
      const target = actionTarget(kind, params);
      const actionId = `action:${info.name}:${i < 0 ? 'error' : i}`;
      add({ id: actionId, kind: 'action', layer: 3, label: kind, detail: target.label, rule: info.name, actionIndex: i });
      const exists = target.templated || targetExists(target.id, target.kind);
      add({ id: target.id, kind: target.kind, layer: 4, label: target.label, ...(target.sink ? { sink: target.sink } : {}), ...(exists ? {} : { missing: true }) });
      const counts = c ?? { succeeded: 0, failed: 0 };
      link(ruleId, actionId, counts.succeeded + counts.failed, counts.failed);
      link(actionId, target.id, counts.succeeded, counts.failed);
    }
  }

  for (const s of input.sinks) {
    const id = sinkNodeId(s.kind, s.name);
    const node = add({ id, kind: s.kind, layer: 4, label: s.name, sink: { kind: s.kind, name: s.name } });
    node.counts = { records: s.count };
    const o = s.options as Record<string, unknown>;
    // Structure only: where a sink hands its records on (the engine does not count these).
    if (s.kind === 'stream' && typeof o.consumer === 'string') link(id, `function:${functionName(o.consumer)}`, 0, 0, true);
    if (s.kind === 'firehose') {
      if (typeof o.transform === 'string') link(id, `function:${functionName(o.transform)}`, 0, 0, true);
      const bucket = typeof o.bucket === 'string' ? o.bucket : input.defaultFirehoseBucket;
      add({ id: `bucket:${bucket}`, kind: 'bucket', layer: 4, label: bucket });
      link(id, `bucket:${bucket}`, 0, 0, true);
    }
  }
  for (const f of input.functions) add({ id: `function:${f}`, kind: 'function', layer: 4, label: f });
  for (const b of input.buckets) add({ id: `bucket:${b}`, kind: 'bucket', layer: 4, label: b });
  // A consumer or transform named but not deployed.
  for (const e of edges.values()) if (!nodes.has(e.to)) add({ id: e.to, kind: 'function', layer: 4, label: e.to.slice('function:'.length), missing: true });

  return { time: input.time, since: input.since, nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** What changes the diagram's structure: nodes (and how they are drawn) and edges, not counts. */
export function structureKey(g: PipelineShape): string {
  return JSON.stringify([
    g.nodes.map((n) => [n.id, n.label, n.detail ?? '', n.disabled ? 1 : 0, n.missing ? 1 : 0]),
    g.edges.map((e) => e.id),
  ]);
}
