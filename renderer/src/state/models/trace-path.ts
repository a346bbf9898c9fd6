/**
 * The path one captured message took through the pipeline, from its rule evaluations (`rules.trace({ messageId })`):
 * which boxes and wires light up, which failed, and the steps for the side panel in order (message, each rule, each
 * action with what it wrote). Pure.
 */
import type { MessageRecord, PipelineGraph, RuleEvaluation, SinkRecord } from '../../../../engine/contract/index.js';

export type StepStatus = 'ok' | 'miss' | 'error';

export interface TraceStep {
  /** The pipeline node the step is about. */
  nodeId: string;
  kind: 'message' | 'rule' | 'action';
  title: string;
  status: StepStatus;
  /** One line: why it did not match, the action's error, where it wrote. */
  note?: string;
  /** The payload at this step: the message's, the rule's output. */
  payload?: string;
  /** For an action that wrote to a sink: the records it wrote (by the message's trace id). */
  target?: { nodeId: string; label: string; sink?: { kind: string; name: string } };
  records?: SinkRecord[];
}

export interface TracePath {
  nodes: Set<string>;
  edges: Set<string>;
  failed: Set<string>;
  steps: TraceStep[];
}

const reasons: Record<string, string> = {
  'where-false': 'WHERE was false',
  'where-undefined': 'WHERE was Undefined',
  'where-not-boolean': 'WHERE was not a Boolean',
  error: 'the SQL failed',
  loop: 'stopped: a republish loop',
  topic: 'FROM did not match the topic',
};

/** The edge from `from` to `to` in the graph, if drawn. */
function edgeId(graph: PipelineGraph, from: string, to: string): string | undefined {
  return graph.edges.find((e) => e.from === from && e.to === to)?.id;
}

export function tracePath(graph: PipelineGraph, message: MessageRecord | null, evaluations: readonly RuleEvaluation[], payloadText: (m: MessageRecord) => string): TracePath {
  const nodes = new Set<string>();
  const edges = new Set<string>();
  const failed = new Set<string>();
  const steps: TraceStep[] = [];
  const light = (from: string, to: string, ok = true) => {
    nodes.add(from);
    nodes.add(to);
    const id = edgeId(graph, from, to);
    if (id) (ok ? edges : failed).add(id);
    if (!ok) failed.add(to);
  };

  const first = evaluations[0];
  if (message || first) {
    const fromClient = (message?.clientId ?? first?.clientId ?? null) !== null;
    if (fromClient) light('clients', 'broker');
    else nodes.add('broker');
    steps.push({
      nodeId: fromClient ? 'clients' : 'broker', kind: 'message', status: 'ok',
      title: message ? message.topic : first!.topic,
      note: `${fromClient ? `from ${message?.clientId ?? first?.clientId}` : 'published by the engine'}${message ? ` · message ${message.id}` : ''}`,
      ...(message ? { payload: payloadText(message) } : {}),
    });
  }

  for (const e of [...evaluations].sort((a, b) => a.rule.localeCompare(b.rule))) {
    if (e.reason === 'topic') continue;
    const ruleId = `rule:${e.rule}`;
    const status: StepStatus = e.matched ? 'ok' : e.reason === 'error' || e.reason === 'loop' ? 'error' : 'miss';
    light('broker', ruleId, status !== 'error');
    const why = e.condition ? `${reasons[e.reason ?? ''] ?? e.reason}: ${e.condition.text} was ${e.condition.value}` : e.reason ? reasons[e.reason] ?? e.reason : undefined;
    steps.push({
      nodeId: ruleId, kind: 'rule', status, title: e.rule,
      ...(e.matched ? { note: 'matched' } : { note: e.error ? `${why}: ${e.error}` : why }),
      ...(e.output !== undefined ? { payload: e.outputEncoding === 'base64' ? `(base64) ${e.output}` : e.output } : {}),
    });
    if (!e.matched) continue;
    for (const o of [...e.actions].sort((a, b) => (a.index < 0 ? 1 : b.index < 0 ? -1 : a.index - b.index))) {
      if (o.index < -1) {
        failed.add(ruleId);
        steps.push({ nodeId: ruleId, kind: 'action', status: 'error', title: o.kind, note: o.error });
        continue;
      }
      const actionId = `action:${e.rule}:${o.index < 0 ? 'error' : o.index}`;
      light(ruleId, actionId, o.ok);
      const out = graph.edges.find((x) => x.from === actionId);
      const targetNode = out && graph.nodes.find((n) => n.id === out.to);
      if (out) light(actionId, out.to, o.ok);
      steps.push({
        nodeId: actionId, kind: 'action', status: o.ok ? 'ok' : 'error',
        title: o.index < 0 ? `${o.kind} (errorAction)` : o.kind,
        note: o.ok ? `wrote to ${targetNode?.label ?? out?.to ?? o.kind}` : o.error,
        ...(targetNode ? { target: { nodeId: targetNode.id, label: targetNode.label, ...(targetNode.sink ? { sink: targetNode.sink } : {}) } } : {}),
      });
    }
  }
  return { nodes, edges, failed, steps };
}
