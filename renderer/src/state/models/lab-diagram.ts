/**
 * A lab guide's pipeline diagram, drawn: the mermaid source parsed (lib/mermaid.ts), the attendee's names put in
 * for the guide's `$VARIABLES`, laid out in layers like the Pipeline view, and each node tied to the lab's checks
 * that name its resources, so a node lights up as its part appears (all its checks done) or half (some done).
 */
import type { LabCheckDecl, LabCheckOutcome } from '../../../../engine/contract/index.js';
import { curve, curveDown, layersOf, loop, placeColumns, placeRows, type Rect } from '../../lib/layered-layout.js';
import { parseMermaid, type MermaidEdge, type MermaidGraph, type MermaidNode } from '../../lib/mermaid.js';

export type NodeState = 'done' | 'partial' | 'todo' | 'none';

export interface DiagramBox extends Rect {
  node: MermaidNode;
  /** The node's text with the attendee's names, wrapped. */
  lines: string[];
  /** Ids of the checks that name this node's resources. */
  checks: string[];
}

export interface DiagramWire {
  edge: MermaidEdge;
  path: string;
  label: string;
  labelX: number;
  labelY: number;
  anchor: 'middle' | 'start' | 'end';
}

export interface LabDiagram {
  boxes: DiagramBox[];
  wires: DiagramWire[];
  /** Where the drawing starts across (below 0 when link text reaches left of the first box): the viewBox's x. */
  left: number;
  width: number;
  height: number;
}

const LINE_H = 14;
const CHAR_W = 6.4;
const LINE_CHARS = 28;
const COL_GAP = 150;
/** Between layers drawn top to bottom: room for a line of link text. */
const ROW_GAP_V = 58;
const LABEL_CHARS_V = 40;
/** Link text fits between two columns (10.5px monospace). */
const LABEL_CHARS = Math.floor((COL_GAP - 12) / 6.3);
const VAR = /\$([A-Z][A-Z0-9_]*)/g;

/** `$NAME` → the attendee's name for it (unknown variables stay as written). */
export function withNames(text: string, names: Record<string, string>): string {
  return text.replace(VAR, (all, name: string) => names[name] ?? all);
}

/** Words wrapped to lines of at most `max` characters (a longer word is broken). */
export function wrap(text: string, max = LINE_CHARS): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > max) {
      out.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
    while (line.length > max) {
      out.push(line.slice(0, max));
      line = line.slice(max);
    }
  }
  if (line || !out.length) out.push(line);
  return out;
}

/**
 * The checks each node stands for: those whose title names one of the node's resources (a `$VARIABLE` in its text,
 * with the attendee's name for it).
 */
export function nodeChecks(node: MermaidNode, names: Record<string, string>, checks: readonly LabCheckDecl[]): string[] {
  const resources = [...node.lines.join(' ').matchAll(VAR)].map((m) => names[m[1]]).filter((n): n is string => Boolean(n));
  if (!resources.length) return [];
  const named = (title: string, name: string) => {
    for (let at = title.indexOf(name); at !== -1; at = title.indexOf(name, at + 1)) {
      const after = title[at + name.length];
      if (after === undefined || !/[\w-]/.test(after)) return true;
    }
    return false;
  };
  return checks.filter((c) => resources.some((r) => named(c.title, r))).map((c) => c.id);
}

/** A node is done when every check naming it is done (or skipped), partial when some are. */
export function nodeState(checkIds: readonly string[], outcomes: readonly LabCheckOutcome[] | undefined): NodeState {
  if (!checkIds.length) return 'none';
  const byId = new Map((outcomes ?? []).map((o) => [o.id, o.status]));
  const done = checkIds.filter((id) => byId.get(id) === 'done' || byId.get(id) === 'skipped').length;
  return done === checkIds.length ? 'done' : done > 0 ? 'partial' : 'todo';
}

/** `vertical`: layers top to bottom (for a narrow pane) instead of the guide's left to right. */
export function layoutLabDiagram(source: string, names: Record<string, string>, checks: readonly LabCheckDecl[], vertical = false): LabDiagram {
  return layoutGraph(parseMermaid(source), names, checks, vertical);
}

export function layoutGraph(graph: MermaidGraph, names: Record<string, string>, checks: readonly LabCheckDecl[], vertical = false): LabDiagram {
  const ids = graph.nodes.map((n) => n.id);
  const layer = layersOf(ids, graph.edges);
  const columns: MermaidNode[][] = [];
  for (const n of graph.nodes) (columns[layer.get(n.id)!] ??= []).push(n);
  for (let i = 0; i < columns.length; i++) columns[i] ??= [];
  // Within a column, nodes sit near what feeds them (the mean row of their sources in earlier columns).
  const row = new Map<string, number>();
  columns.forEach((column, l) => {
    const rank = (n: MermaidNode) => {
      const from = graph.edges.filter((e) => e.to === n.id && layer.get(e.from)! < l).map((e) => row.get(e.from)).filter((r): r is number => r !== undefined);
      return from.length ? from.reduce((a, b) => a + b, 0) / from.length : Number.POSITIVE_INFINITY;
    };
    const ranks = new Map(column.map((n, i) => [n.id, [rank(n), i] as const]));
    column.sort((a, b) => {
      const [ra, ia] = ranks.get(a.id)!;
      const [rb, ib] = ranks.get(b.id)!;
      return (Number.isFinite(ra) && Number.isFinite(rb) ? ra - rb : 0) || ia - ib;
    });
    column.forEach((n, i) => row.set(n.id, i));
  });

  const text = new Map(graph.nodes.map((n) => [n.id, n.lines.flatMap((l) => wrap(withNames(l, names)))]));
  const size = (n: MermaidNode) => {
    const lines = text.get(n.id)!;
    const longest = Math.max(4, ...lines.map((l) => l.length));
    const round = n.shape === 'circle' || n.shape === 'hexagon' || n.shape === 'rhombus';
    return { w: Math.round(Math.min(210, Math.max(round ? 64 : 96, longest * CHAR_W + (round ? 36 : 22)))), h: lines.length * LINE_H + (n.shape === 'cylinder' ? 22 : 16) };
  };
  const placed = vertical ? placeRows(columns, size, { colGap: ROW_GAP_V, rowGap: 22, pad: 14 }) : placeColumns(columns, size, { colGap: COL_GAP, rowGap: 26, pad: 14 });
  const boxes: DiagramBox[] = placed.placed.map((p) => ({
    node: p.item, x: p.x, y: p.y, w: p.w, h: p.h, lines: text.get(p.item.id)!, checks: nodeChecks(p.item, names, checks),
  }));
  const byId = new Map(boxes.map((b) => [b.node.id, b]));
  const wires: DiagramWire[] = [];
  for (const edge of graph.edges) {
    const a = byId.get(edge.from);
    const b = byId.get(edge.to);
    if (!a || !b) continue;
    const full = withNames(edge.label, names);
    const max = vertical ? LABEL_CHARS_V : LABEL_CHARS;
    const label = full.length > max ? `${full.slice(0, max - 1)}…` : full;
    const la = layer.get(edge.from)!;
    const lb = layer.get(edge.to)!;
    if (vertical) {
      wires.push(verticalWire(edge, a, b, la, lb, label, placed.width / 2));
      continue;
    }
    if (la === lb) {
      const l = loop(a, b, 44);
      wires.push({ edge, path: l.path, label, labelX: l.x + 48, labelY: (l.y1 + l.y2) / 2, anchor: 'start' });
    } else if (la < lb) {
      const c = curve(a, b, 40);
      wires.push({ edge, path: c.path, label, labelX: (c.x1 + c.x2) / 2, labelY: (c.y1 + c.y2) / 2 - 5, anchor: 'middle' });
    } else {
      // Back to an earlier column (the way back of a round trip): from the left side of a to the right side of b, below.
      const x1 = a.x;
      const y1 = a.y + a.h / 2 + 6;
      const x2 = b.x + b.w;
      const y2 = b.y + b.h / 2 + 6;
      const dip = Math.max(a.y + a.h, b.y + b.h) + 18;
      wires.push({ edge, path: `M${x1},${y1} C${x1 - 60},${dip} ${x2 + 60},${dip} ${x2},${y2}`, label, labelX: (x1 + x2) / 2, labelY: dip - 2, anchor: 'middle' });
    }
  }
  const bottom = Math.max(placed.height, ...wires.map((w) => w.labelY + 12));
  const right = Math.max(placed.width, ...wires.map((w) => w.labelX + (w.anchor === 'start' ? w.label.length * 6.3 : 0)));
  const left = Math.min(0, ...wires.map((w) => w.labelX - (w.anchor === 'end' ? w.label.length * 6.3 : 0) - 4));
  return { boxes, wires, left, width: right + 20 - left, height: bottom };
}

/** A wire of a top-down drawing: down to a later layer, round the side within one, up and round to an earlier one. */
function verticalWire(edge: MermaidEdge, a: DiagramBox, b: DiagramBox, la: number, lb: number, label: string, centre: number): DiagramWire {
  if (la < lb) {
    const c = curveDown(a, b);
    // Text beside the wire's middle, towards the outside of the drawing (wires side by side keep their text apart).
    const mid = (c.x1 + c.x2) / 2;
    const left = mid < centre - 2;
    return { edge, path: c.path, label, labelX: mid + (left ? -6 : 6), labelY: (c.y1 + c.y2) / 2 + 4, anchor: left ? 'end' : 'start' };
  }
  const x1 = a.x + a.w;
  const y1 = a.y + a.h / 2;
  const x2 = b.x + b.w;
  const y2 = b.y + b.h / 2;
  const side = Math.max(x1, x2) + 44;
  return { edge, path: `M${x1},${y1} C${side},${y1} ${side},${y2} ${x2},${y2}`, label, labelX: side - 8, labelY: (y1 + y2) / 2 + 4, anchor: 'start' };
}
