/**
 * The subset of mermaid flowcharts the lab guides draw their pipelines in, parsed to nodes and edges (no mermaid
 * library: the Labs view draws them as SVG). `flowchart`/`graph` with a direction; nodes `A`, `A[text]`, `A(text)`,
 * `A((text))`, `A{text}`, `A{{text}}`, `A([text])`, `A[[text]]`, `A[(text)]`, `A>text]`, text quoted or not, `<br/>`
 * breaking lines; edges `-->`, `---`, `-.->`, `-.-`, `==>`, `===`, `<-->` with text as `-- text -->`, `-. text .->`,
 * `== text ==>` or `-->|text|`; `A & B --> C` groups; chains `A --> B --> C`; `subgraph id [title]` … `end`.
 * `classDef`, `class`, `style`, `linkStyle`, `click` and `%%` comments are skipped. Anything else is a parse error
 * naming its line.
 */

export type MermaidShape = 'rect' | 'round' | 'stadium' | 'subroutine' | 'cylinder' | 'circle' | 'rhombus' | 'hexagon' | 'flag' | 'parallelogram';

export interface MermaidNode {
  id: string;
  /** Lines of the node's text (`<br/>` splits them); the id when the node has no text. */
  lines: string[];
  shape: MermaidShape;
  /** The subgraph it was declared in, if any. */
  subgraph?: string;
}

export interface MermaidEdge {
  from: string;
  to: string;
  label: string;
  line: 'solid' | 'dotted' | 'thick';
  /** Arrow heads: at the end, at both ends, or none (`---`). */
  arrow: 'end' | 'both' | 'none';
}

export interface MermaidGraph {
  direction: 'LR' | 'RL' | 'TB' | 'TD' | 'BT';
  nodes: MermaidNode[];
  edges: MermaidEdge[];
  subgraphs: Array<{ id: string; title: string; nodes: string[] }>;
}

export class MermaidError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

/** Openers in the order they must be tried (longer first), with their closers and shapes. */
const SHAPES: Array<[string, string, MermaidShape]> = [
  ['((', '))', 'circle'], ['([', '])', 'stadium'], ['[[', ']]', 'subroutine'], ['[(', ')]', 'cylinder'], ['{{', '}}', 'hexagon'],
  ['[/', '/]', 'parallelogram'], ['[', ']', 'rect'], ['(', ')', 'round'], ['{', '}', 'rhombus'], ['>', ']', 'flag'],
];

/** A link without text: `-->`, `---`, `-.->`, `-.-`, `==>`, `===`, `~~~`, optionally `<` first. */
const PLAIN_LINK = /^(<?)(-{2,}>|-{3,}|-\.+->|-\.+-|={2,}>|={3,}|~~~)/;
/** The opening half of a link with text: `--`, `-.`, `==` (optionally `<` first), then the text. */
const TEXT_LINK_OPEN = /^(<?)(--|-\.|==)(?=\s)/;
const CLOSERS: Record<string, RegExp> = {
  '--': /^(-{2,}>|-{3,})/,
  '-.': /^(\.-+>|\.-+)/,
  '==': /^(={2,}>|={3,})/,
};
const ID = /^[A-Za-z0-9_][A-Za-z0-9_-]*/;
const SKIPPED = /^(classDef|class|style|linkStyle|click|direction)\b/;

export function parseMermaid(source: string): MermaidGraph {
  const graph: MermaidGraph = { direction: 'LR', nodes: [], edges: [], subgraphs: [] };
  const byId = new Map<string, MermaidNode>();
  const stack: Array<{ id: string; title: string; nodes: string[] }> = [];
  let headerSeen = false;

  const node = (id: string, text: string | null, shape: MermaidShape | null, lineNo: number): string => {
    let n = byId.get(id);
    if (!n) {
      n = { id, lines: [id], shape: 'rect', ...(stack.length ? { subgraph: stack.at(-1)!.id } : {}) };
      byId.set(id, n);
      graph.nodes.push(n);
      stack.at(-1)?.nodes.push(id);
    }
    if (text !== null) {
      n.lines = splitLines(text);
      n.shape = shape ?? 'rect';
    }
    if (!ID.test(id)) throw new MermaidError(lineNo, `not a node id: ${id}`);
    return id;
  };

  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    for (const raw of splitStatements(lines[i])) {
      const line = raw.trim();
      if (!line || line.startsWith('%%')) continue;
      if (!headerSeen) {
        const m = /^(flowchart|graph)(?:\s+(LR|RL|TB|TD|BT))?\s*$/.exec(line);
        if (!m) throw new MermaidError(lineNo, `expected "flowchart LR" or "graph LR", found: ${line}`);
        graph.direction = (m[2] as MermaidGraph['direction'] | undefined) ?? 'TB';
        headerSeen = true;
        continue;
      }
      if (SKIPPED.test(line)) continue;
      const sub = /^subgraph\s+(.+)$/.exec(line);
      if (sub) {
        const m = /^([A-Za-z0-9_-]+)\s*\[\s*"?(.*?)"?\s*\]$/.exec(sub[1].trim());
        const s = m ? { id: m[1], title: m[2], nodes: [] } : { id: sub[1].trim().replace(/^"|"$/g, ''), title: sub[1].trim().replace(/^"|"$/g, ''), nodes: [] };
        stack.push(s);
        graph.subgraphs.push(s);
        continue;
      }
      if (line === 'end') {
        if (!stack.pop()) throw new MermaidError(lineNo, '"end" without a subgraph');
        continue;
      }
      parseStatement(line, lineNo, node, graph.edges);
    }
  }
  if (!headerSeen) throw new MermaidError(1, 'empty diagram');
  if (stack.length) throw new MermaidError(lines.length, `subgraph ${stack.at(-1)!.id} has no "end"`);
  return graph;
}

/** `;` ends a statement too (outside quotes). */
function splitStatements(line: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ';' && !quoted) {
      out.push(line.slice(start, i));
      start = i + 1;
    }
  }
  out.push(line.slice(start));
  return out;
}

function splitLines(text: string): string[] {
  return text.split(/<br\s*\/?>/i).map((l) => l.trim()).filter((l, i, all) => l || all.length === 1);
}

type NodeFn = (id: string, text: string | null, shape: MermaidShape | null, lineNo: number) => string;

/** `group (link group)*` where a group is `node (& node)*`. */
function parseStatement(line: string, lineNo: number, node: NodeFn, edges: MermaidEdge[]): void {
  let rest = line;
  const group = (): string[] => {
    const ids: string[] = [];
    for (;;) {
      rest = rest.trimStart();
      const [id, after] = readNode(rest, lineNo, node);
      ids.push(id);
      rest = after.trimStart();
      if (!rest.startsWith('&')) return ids;
      rest = rest.slice(1);
    }
  };
  let from = group();
  while (rest) {
    const link = readLink(rest, lineNo);
    rest = link.rest;
    const to = group();
    for (const a of from) for (const b of to) edges.push({ from: a, to: b, label: link.label, line: link.line, arrow: link.arrow });
    from = to;
  }
}

function readNode(s: string, lineNo: number, node: NodeFn): [string, string] {
  const m = ID.exec(s);
  if (!m) throw new MermaidError(lineNo, `expected a node, found: ${s}`);
  let id = m[0];
  let rest = s.slice(id.length);
  // An id may not swallow the start of a link (`A--x` is rare; `A-->B` is common).
  const dash = /-+$/.exec(id);
  if (dash && /^[->.]/.test(rest)) {
    id = id.slice(0, -dash[0].length);
    rest = dash[0] + rest;
  }
  for (const [open, close, shape] of SHAPES) {
    if (!rest.startsWith(open)) continue;
    let body = rest.slice(open.length);
    let text: string;
    if (body.startsWith('"')) {
      const end = body.indexOf('"', 1);
      if (end === -1) throw new MermaidError(lineNo, `unclosed quote in the text of ${id}`);
      text = body.slice(1, end);
      body = body.slice(end + 1);
      if (!body.startsWith(close)) throw new MermaidError(lineNo, `expected ${close} after the text of ${id}`);
    } else {
      const end = body.indexOf(close);
      if (end === -1) throw new MermaidError(lineNo, `expected ${close} to close the text of ${id}`);
      text = body.slice(0, end);
      body = body.slice(end);
    }
    return [node(id, text, shape, lineNo), body.slice(close.length)];
  }
  return [node(id, null, null, lineNo), rest];
}

function readLink(s: string, lineNo: number): { label: string; line: MermaidEdge['line']; arrow: MermaidEdge['arrow']; rest: string } {
  const kind = (token: string): MermaidEdge['line'] => (token.includes('.') ? 'dotted' : token.includes('=') ? 'thick' : 'solid');
  const plain = PLAIN_LINK.exec(s);
  if (plain) {
    const token = plain[2];
    let rest = s.slice(plain[0].length);
    let label = '';
    const piped = /^\|([^|]*)\|/.exec(rest);
    if (piped) {
      label = piped[1].trim().replace(/^"|"$/g, '');
      rest = rest.slice(piped[0].length);
    }
    const head = token.endsWith('>');
    return { label: label.replace(/<br\s*\/?>/gi, ' '), line: token === '~~~' ? 'dotted' : kind(token), arrow: head ? (plain[1] ? 'both' : 'end') : 'none', rest };
  }
  const open = TEXT_LINK_OPEN.exec(s);
  if (!open) throw new MermaidError(lineNo, `expected a link (-->, -.->, ==>, -- text -->), found: ${s}`);
  let rest = s.slice(open[0].length).trimStart();
  let label: string;
  if (rest.startsWith('"')) {
    const end = rest.indexOf('"', 1);
    if (end === -1) throw new MermaidError(lineNo, 'unclosed quote in a link\'s text');
    label = rest.slice(1, end);
    rest = rest.slice(end + 1).trimStart();
  } else {
    // Unquoted text runs to the closer.
    const closer = open[2] === '--' ? /\s(-{2,}>|-{3,})/ : open[2] === '-.' ? /\s(\.-+>|\.-+)/ : /\s(={2,}>|={3,})/;
    const at = closer.exec(rest);
    if (!at) throw new MermaidError(lineNo, `a link's text has no end: ${s}`);
    label = rest.slice(0, at.index);
    rest = rest.slice(at.index + 1);
  }
  const close = CLOSERS[open[2]].exec(rest);
  if (!close) throw new MermaidError(lineNo, `expected the end of the link after its text, found: ${rest}`);
  const head = close[1].endsWith('>');
  return {
    label: label.trim().replace(/<br\s*\/?>/gi, ' '), line: kind(open[2]),
    arrow: head ? (open[1] ? 'both' : 'end') : 'none', rest: rest.slice(close[0].length),
  };
}
