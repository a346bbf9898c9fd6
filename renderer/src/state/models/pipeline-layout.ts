/**
 * A layered layout of the pipeline graph, left to right as the workshop slides draw it: devices and clients, the
 * broker with the shadow service under it, rules, actions, then sinks and functions. Within a column, rules keep
 * their name order, actions follow their rule, and targets sit near the actions that feed them (the mean position of
 * their sources), so wires cross little. Pure: positions in px, wires as SVG paths.
 */
import type { PipelineEdge, PipelineGraph, PipelineNode } from '../../../../engine/contract/index.js';
import { curve, loop, placeColumns } from '../../lib/layered-layout.js';

export interface Box {
  node: PipelineNode;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Wire {
  edge: PipelineEdge;
  path: string;
  /** Where the edge's counts are written. */
  labelX: number;
  labelY: number;
  anchor: 'start' | 'end';
}

export interface PipelineLayout {
  boxes: Box[];
  wires: Wire[];
  width: number;
  height: number;
}

export const BOX_W = 150;
export const BOX_H = 54;
const COL_GAP = 64;
const ROW_GAP = 18;
const PAD = 16;

const kindOrder = ['topic', 'queue', 'notify', 'stream', 'firehose', 'table', 'log', 'metric', 'alarm', 'bucket', 'function', 'external'];

export function layoutPipeline(graph: PipelineGraph): PipelineLayout {
  const columns: PipelineNode[][] = [[], [], [], [], []];
  for (const n of graph.nodes) columns[n.layer]?.push(n);
  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]);

  // Column 1: the broker above the shadow service. Columns 2 and 3 keep the engine's order (rules by name, each
  // rule's actions in order). Column 4 by the mean row of the actions that feed each target.
  columns[1].sort((a, b) => (a.kind === 'broker' ? -1 : b.kind === 'broker' ? 1 : 0));
  const row = new Map<string, number>();
  columns[3].forEach((n, i) => row.set(n.id, i));
  const rank = (n: PipelineNode) => {
    const from = (incoming.get(n.id) ?? []).map((id) => row.get(id)).filter((r): r is number => r !== undefined);
    return from.length ? from.reduce((a, b) => a + b, 0) / from.length : Number.POSITIVE_INFINITY;
  };
  const ranks = new Map(columns[4].map((n) => [n.id, rank(n)]));
  // Targets fed only by another target (a delivery stream's bucket, a stream's consumer) sit just under it.
  for (const n of columns[4]) {
    if (Number.isFinite(ranks.get(n.id))) continue;
    const from = (incoming.get(n.id) ?? []).map((id) => ranks.get(id)).filter((r): r is number => r !== undefined && Number.isFinite(r));
    if (from.length) ranks.set(n.id, Math.max(...from) + 0.001);
  }
  columns[4].sort((a, b) => ranks.get(a.id)! - ranks.get(b.id)! || kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || a.label.localeCompare(b.label));

  // Every column is there (an empty one keeps its place), each box the same size.
  const placed = placeColumns(columns, () => ({ w: BOX_W, h: BOX_H }), { colGap: COL_GAP, rowGap: ROW_GAP, pad: PAD },
    // Short columns are centred; the broker's column keeps the broker level with the clients.
    (layer, span, h) => (layer === 1 ? h / 2 - BOX_H / 2 : (h - span) / 2));
  const height = Math.max(placed.height, PAD * 2 + BOX_H);
  const boxes: Box[] = [];
  const byId = new Map<string, Box>();
  for (const p of placed.placed) {
    const box = { node: p.item, x: PAD + p.layer * (BOX_W + COL_GAP), y: p.y, w: BOX_W, h: BOX_H };
    boxes.push(box);
    byId.set(p.item.id, box);
  }

  const wires: Wire[] = [];
  for (const edge of graph.edges) {
    const a = byId.get(edge.from);
    const b = byId.get(edge.to);
    if (!a || !b) continue;
    if (a.x === b.x && a.node.layer === 1) {
      // The broker's column: straight down (or up) to the shadow service.
      const down = b.y > a.y;
      const x = a.x + a.w / 2;
      const y1 = down ? a.y + a.h : a.y;
      const y2 = down ? b.y : b.y + b.h;
      wires.push({ edge, path: `M${x},${y1} L${x},${y2}`, labelX: x + 8, labelY: (y1 + y2) / 2 + 4, anchor: 'start' });
      continue;
    }
    if (a.x === b.x) {
      // Between two targets (a delivery stream → its bucket): out to the right and back in.
      const l = loop(a, b);
      wires.push({ edge, path: l.path, labelX: l.x + 30, labelY: (l.y1 + l.y2) / 2, anchor: 'start' });
      continue;
    }
    const { path, x1, y1, x2, y2 } = curve(a, b);
    // Counts sit where the wire is alone: at its end when the target has one way in (rules, actions), else at its start.
    const atEnd = b.node.layer <= 3;
    wires.push(atEnd
      ? { edge, path, labelX: x2 - 12, labelY: y2 - 6, anchor: 'end' }
      : { edge, path, labelX: x1 + 10, labelY: y1 - 6, anchor: 'start' });
  }
  // Room on the right for the wires between targets.
  const width = PAD * 2 + 5 * BOX_W + 4 * COL_GAP + 40;
  return { boxes, wires, width, height };
}
