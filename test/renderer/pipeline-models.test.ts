/** The pipeline and logs views' pure models: the layered layout, a traced message's path, log filtering. */
import { describe, expect, it } from 'vitest';
import type { LogRecord, MessageRecord, PipelineGraph, PipelineNode, RuleEvaluation } from '../../engine/contract/index.js';
import { BOX_W, layoutPipeline } from '../../renderer/src/state/models/pipeline-layout.js';
import { tracePath } from '../../renderer/src/state/models/trace-path.js';
import { LogModel, logMatches } from '../../renderer/src/state/models/log-filter.js';

const n = (id: string, kind: PipelineNode['kind'], layer: PipelineNode['layer'], extra: Partial<PipelineNode> = {}): PipelineNode => ({ id, kind, layer, label: id.split(':').pop()!, ...extra });
const e = (from: string, to: string, messages = 0, errors = 0) => ({ id: `${from}→${to}`, from, to, messages, errors });

const graph: PipelineGraph = {
  time: 0, since: 0, structure: 1,
  nodes: [
    n('clients', 'clients', 0), n('shadow', 'shadow', 1), n('broker', 'broker', 1),
    n('rule:a', 'rule', 2, { rule: 'a' }), n('rule:b', 'rule', 2, { rule: 'b' }),
    n('action:a:0', 'action', 3, { rule: 'a', actionIndex: 0 }), n('action:b:0', 'action', 3, { rule: 'b', actionIndex: 0 }),
    n('action:b:error', 'action', 3, { rule: 'b', actionIndex: -1 }),
    n('function:unused', 'function', 4), n('sink:queue:q', 'queue', 4, { sink: { kind: 'queue', name: 'q' } }), n('topic:out', 'topic', 4),
    n('sink:table:t', 'table', 4, { sink: { kind: 'table', name: 't' } }),
  ],
  edges: [
    e('clients', 'broker', 3), e('broker', 'shadow'), e('broker', 'rule:a', 3), e('broker', 'rule:b', 3, 1),
    e('rule:a', 'action:a:0', 2), e('action:a:0', 'topic:out', 2), e('rule:b', 'action:b:0', 1, 1), e('action:b:0', 'sink:table:t', 0, 1),
    e('rule:b', 'action:b:error', 1), e('action:b:error', 'sink:queue:q', 1),
  ],
};

describe('layoutPipeline', () => {
  it('puts each layer in its column, the broker above the shadow, and targets beside the actions that feed them', () => {
    const l = layoutPipeline(graph);
    const box = (id: string) => l.boxes.find((b) => b.node.id === id)!;
    expect(new Set(l.boxes.map((b) => b.x)).size).toBe(5);
    expect(box('rule:a').x).toBeGreaterThan(box('broker').x);
    expect(box('broker').x).toBe(box('shadow').x);
    expect(box('broker').y).toBeLessThan(box('shadow').y);
    expect(box('broker').y).toBe(box('clients').y);
    const order = l.boxes.filter((b) => b.node.layer === 4).sort((a, b) => a.y - b.y).map((b) => b.node.id);
    expect(order).toEqual(['topic:out', 'sink:table:t', 'sink:queue:q', 'function:unused']);
    expect(l.wires).toHaveLength(graph.edges.length);
    const down = l.wires.find((w) => w.edge.id === 'broker→shadow')!;
    expect(down.path).toMatch(/^M(\d+(\.\d+)?),\d+ L\1,\d+$/);
    expect(l.width).toBeGreaterThanOrEqual(5 * BOX_W);
  });
});

describe('tracePath', () => {
  const message: MessageRecord = { id: 7, topic: 'dt/x', payload: btoa('{"t":1}'), size: 7, truncated: false, qos: 0, retain: false, clientId: 'dev', time: 1 };
  const ev = (rule: string, extra: Partial<RuleEvaluation>): RuleEvaluation => ({ traceId: 'tr', messageId: 7, time: 1, rule, topic: 'dt/x', clientId: 'dev', matched: true, actions: [], ...extra });

  it('lights the path a match took, marks a failed action, and names the condition a miss failed', () => {
    const p = tracePath(graph, message, [
      ev('b', { output: '{"t":1}', outputEncoding: 'utf8', actions: [
        { traceId: 'tr', index: -1, kind: 'sqs', ok: true, time: 2 },
        { traceId: 'tr', index: 0, kind: 'dynamoDBv2', ok: false, error: 'no table', time: 2 },
      ] }),
      ev('a', { matched: false, reason: 'where-false', condition: { text: 't > 5', value: 'false' } }),
    ], (m) => atob(m.payload));
    expect([...p.nodes]).toEqual(expect.arrayContaining(['clients', 'broker', 'rule:a', 'rule:b', 'action:b:0', 'action:b:error', 'sink:queue:q']));
    expect(p.edges.has('broker→rule:a')).toBe(true);
    expect(p.edges.has('rule:a→action:a:0')).toBe(false);
    expect(p.edges.has('action:b:error→sink:queue:q')).toBe(true);
    expect(p.failed.has('action:b:0→sink:table:t')).toBe(true);
    expect(p.failed.has('sink:table:t')).toBe(true);
    expect(p.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['clients', 'ok'], ['rule:a', 'miss'], ['rule:b', 'ok'], ['action:b:0', 'error'], ['action:b:error', 'ok'],
    ]);
    expect(p.steps[0].payload).toBe('{"t":1}');
    expect(p.steps[1].note).toBe('WHERE was false: t > 5 was false');
    expect(p.steps[3].note).toBe('no table');
    expect(p.steps[4]).toMatchObject({ title: 'sqs (errorAction)', note: 'wrote to q', target: { nodeId: 'sink:queue:q', sink: { kind: 'queue', name: 'q' } } });
  });

  it('starts at the broker for the engine\'s own publishes and skips rules whose FROM missed', () => {
    const p = tracePath(graph, { ...message, clientId: null }, [ev('a', { clientId: null, matched: false, reason: 'topic' })], () => '');
    expect(p.nodes.has('clients')).toBe(false);
    expect(p.steps).toHaveLength(1);
    expect(p.steps[0]).toMatchObject({ nodeId: 'broker', note: 'published by the engine · message 7' });
  });
});

describe('log model', () => {
  const r = (level: LogRecord['level'], source: string, message: string, time: number, topic?: string): LogRecord => ({ level, source, message, time, ...(topic ? { details: { topic } } : {}) });

  it('filters by least level, source with its sub-sources, and text in message, source or topic', () => {
    const f = { level: 'warn' as const, source: 'broker', text: '' };
    expect(logMatches(r('warn', 'broker.aws', 'x', 1), f)).toBe(true);
    expect(logMatches(r('info', 'broker.aws', 'x', 1), f)).toBe(false);
    expect(logMatches(r('error', 'brokerage', 'x', 1), f)).toBe(false);
    expect(logMatches(r('warn', 'rules', 'hello', 1, 'a/B'), { level: 'debug', source: '', text: 'a/b' })).toBe(true);
    expect(logMatches(r('warn', 'rules', 'hello', 1), { level: 'debug', source: '', text: 'HELL' })).toBe(true);
    expect(logMatches(r('warn', 'rules', 'hello', 1), { level: 'debug', source: '', text: 'bye' })).toBe(false);
  });

  it('keeps the newest records within capacity, merges the snapshot with live ones, and lists sources with parents', () => {
    const m = new LogModel(3);
    m.append([r('info', 'late', 'live', 5)]);
    m.reset([r('info', 'broker.aws', 'a', 1), r('info', 'rules', 'b', 2)]);
    expect(m.all.map((x) => x.message)).toEqual(['a', 'b', 'live']);
    m.append([r('info', 'x', 'c', 6)]);
    expect(m.all.map((x) => x.message)).toEqual(['b', 'live', 'c']);
    expect(new LogModel().sources()).toEqual([]);
    m.append([r('info', 'broker.aws', 'd', 7)]);
    expect(m.sources()).toEqual(['broker', 'broker.aws', 'late', 'x']);
  });
});
