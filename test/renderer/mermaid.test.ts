/** The lab guides' mermaid pipelines: every shipped guide's diagram parses, and the subset they use means what mermaid means. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MermaidError, parseMermaid } from '../../renderer/src/lib/mermaid.js';

const labsDir = path.resolve(__dirname, '../../labs');
const guides = fs.readdirSync(labsDir).filter((d) => fs.existsSync(path.join(labsDir, d, 'guide.md'))).sort();
const diagramOf = (lab: string) => {
  const text = fs.readFileSync(path.join(labsDir, lab, 'guide.md'), 'utf8');
  const m = /```mermaid\n([^]*?)```/.exec(text);
  return m?.[1] ?? '';
};

describe('every shipped guide', () => {
  it('has fifteen labs with a diagram each', () => {
    expect(guides).toHaveLength(15);
  });

  it.each(guides)('%s: parses, every edge joins declared nodes, every node has text', (lab) => {
    const source = diagramOf(lab);
    expect(source).not.toBe('');
    const g = parseMermaid(source);
    expect(g.direction).toBe('LR');
    expect(g.nodes.length).toBeGreaterThanOrEqual(3);
    expect(g.edges.length).toBeGreaterThanOrEqual(g.nodes.length - 2);
    const ids = new Set(g.nodes.map((n) => n.id));
    for (const e of g.edges) {
      expect(ids.has(e.from), `${e.from} in ${lab}`).toBe(true);
      expect(ids.has(e.to), `${e.to} in ${lab}`).toBe(true);
    }
    // Text labels never keep mermaid syntax.
    for (const n of g.nodes) for (const l of n.lines) expect(l).not.toMatch(/^"|"$|<br|^\[|\]$/);
    for (const e of g.edges) expect(e.label).not.toMatch(/^"|"$|<br|-->|\.->/);
  });
});

describe('the subset', () => {
  it('reads the SNS hook lab: shapes, text links, dotted links and quoted text with <br/>', () => {
    const g = parseMermaid(diagramOf('02-sns-hook'));
    expect(g.nodes.map((n) => [n.id, n.shape])).toEqual([['S', 'rect'], ['R', 'hexagon'], ['T', 'stadium'], ['Q', 'subroutine'], ['I', 'rect'], ['X', 'circle']]);
    expect(g.nodes.find((n) => n.id === 'R')!.lines).toEqual(['rule $RULE', 'WHERE temp > 30']);
    expect(g.edges).toEqual([
      { from: 'S', to: 'R', label: 'device/$DEVICE/data', line: 'solid', arrow: 'end' },
      { from: 'R', to: 'T', label: 'sns action (role $ROLE)', line: 'solid', arrow: 'end' },
      { from: 'T', to: 'Q', label: 'sqs subscription, raw', line: 'solid', arrow: 'end' },
      { from: 'T', to: 'I', label: 'locally', line: 'dotted', arrow: 'end' },
      { from: 'R', to: 'X', label: '30 or less: dropped', line: 'dotted', arrow: 'end' },
    ]);
  });

  it('reads unquoted link text, links both ways, thick links, links without heads and & groups', () => {
    expect(parseMermaid(diagramOf('01-getting-set-up')).edges[1]).toEqual({ from: 'cert', to: 'thing', label: 'attached to', line: 'dotted', arrow: 'end' });
    expect(parseMermaid(diagramOf('04-websockets')).edges.find((e) => e.from === 'W' && e.to === 'B')).toMatchObject({ label: 'MQTT over WebSocket', arrow: 'both' });
    expect(parseMermaid(diagramOf('10-just-in-time-registration')).edges.at(-1)).toMatchObject({ from: 'D', to: 'IOT', line: 'thick', arrow: 'end' });
    expect(parseMermaid(diagramOf('03-streaming-warehouse')).edges.at(-1)).toMatchObject({ from: 'X', to: 'R', label: 'sees nothing', line: 'dotted', arrow: 'none' });
    const fleet = parseMermaid(diagramOf('12-fleet-registry'));
    expect(fleet.edges.filter((e) => e.from === 'G').map((e) => [e.to, e.arrow])).toEqual([['S1', 'none'], ['S2', 'none'], ['S3', 'none']]);
    expect(fleet.edges.filter((e) => e.to === 'I').map((e) => e.from)).toEqual(['S1', 'S2', 'S3']);
  });

  it('reads the forms the guides may use next: graph, pipes, chains, plain ids, subgraphs, rhombus and cylinder', () => {
    const g = parseMermaid(`graph LR
  %% a comment
  A[start] -->|go| B{decide} --> C[(store)]
  subgraph cloud [The cloud]
    C --> D((done))
  end
  B -.-> E>flag]; E --- A
  classDef hot fill:#f00
  class A hot`);
    expect(g.nodes.map((n) => [n.id, n.shape, n.lines.join('|'), n.subgraph ?? ''])).toEqual([
      ['A', 'rect', 'start', ''], ['B', 'rhombus', 'decide', ''], ['C', 'cylinder', 'store', ''], ['D', 'circle', 'done', 'cloud'], ['E', 'flag', 'flag', ''],
    ]);
    expect(g.edges.map((e) => `${e.from}${e.line === 'dotted' ? '.' : '-'}${e.arrow === 'none' ? '-' : '>'}${e.to}${e.label ? `:${e.label}` : ''}`)).toEqual(['A->B:go', 'B->C', 'C->D', 'B.>E', 'E--A']);
    expect(g.subgraphs).toEqual([{ id: 'cloud', title: 'The cloud', nodes: ['D'] }]);
  });

  it('names the line of what it cannot read', () => {
    expect(() => parseMermaid('sequenceDiagram\n  A->>B: hi')).toThrow(new MermaidError(1, 'expected "flowchart LR" or "graph LR", found: sequenceDiagram'));
    expect(() => parseMermaid('flowchart LR\n  A["open --> B')).toThrow(/^line 2: unclosed quote/);
    expect(() => parseMermaid('flowchart LR\n  A --> ')).toThrow(/^line 2: expected a node/);
    expect(() => parseMermaid('flowchart LR\n  subgraph x\n  A --> B')).toThrow(/has no "end"/);
  });
});
