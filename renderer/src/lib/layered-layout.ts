/**
 * Layered (column by column, left to right) placement of boxes and the wires between them, shared by the Pipeline
 * view's live diagram and the Labs view's guide diagrams. Pure: positions in px, wires as SVG paths.
 */

export interface Rect { x: number; y: number; w: number; h: number }

export interface Spacing {
  /** Between columns (wires and their labels live here). */
  colGap: number;
  /** Between boxes of a column. */
  rowGap: number;
  /** Around the whole drawing. */
  pad: number;
}

export interface Placed<T> extends Rect { item: T; layer: number }

/**
 * Stacks each column's boxes top to bottom and the columns left to right, each column as wide as its widest box;
 * a column is centred vertically unless `top` says where it starts.
 */
export function placeColumns<T>(
  columns: T[][], size: (item: T) => { w: number; h: number }, spacing: Spacing,
  top?: (layer: number, span: number, height: number) => number,
): { placed: Placed<T>[]; width: number; height: number } {
  const sizes = columns.map((c) => c.map(size));
  const spans = sizes.map((c) => c.reduce((n, s) => n + s.h, 0) + Math.max(0, c.length - 1) * spacing.rowGap);
  const widths = sizes.map((c) => Math.max(0, ...c.map((s) => s.w)));
  const height = spacing.pad * 2 + Math.max(0, ...spans);
  const placed: Placed<T>[] = [];
  let x = spacing.pad;
  columns.forEach((column, layer) => {
    let y = top ? top(layer, spans[layer], height) : (height - spans[layer]) / 2;
    column.forEach((item, i) => {
      const s = sizes[layer][i];
      placed.push({ item, layer, x: x + (widths[layer] - s.w) / 2, y: Math.round(y), w: s.w, h: s.h });
      y += s.h + spacing.rowGap;
    });
    x += widths[layer] + spacing.colGap;
  });
  const width = x - spacing.colGap + spacing.pad;
  return { placed, width: Math.max(width, spacing.pad * 2), height };
}

/** A wire from the right side of `a` to the left side of `b` (b further right), as an S-curve. */
export function curve(a: Rect, b: Rect, minBend = 30): { path: string; x1: number; y1: number; x2: number; y2: number } {
  const x1 = a.x + a.w;
  const y1 = a.y + a.h / 2;
  const x2 = b.x;
  const y2 = b.y + b.h / 2;
  const bend = Math.max(minBend, (x2 - x1) / 2);
  return { path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`, x1, y1, x2, y2 };
}

/** A wire between two boxes of one column: out of the right side of `a`, round, and into the right side of `b`. */
export function loop(a: Rect, b: Rect, reach = 36): { path: string; x: number; y1: number; y2: number } {
  const x = Math.max(a.x + a.w, b.x + b.w);
  const y1 = a.y + a.h / 2;
  const y2 = b.y + b.h / 2;
  return { path: `M${a.x + a.w},${y1} C${x + reach},${y1} ${x + reach},${y2} ${b.x + b.w},${y2}`, x, y1, y2 };
}

/**
 * Layers of a directed graph by longest path from its sources, ignoring the edges that close a cycle (found by a
 * depth-first walk in node order), so a round trip (device → shadow → device) still reads left to right.
 */
export function layersOf(ids: readonly string[], edges: ReadonlyArray<{ from: string; to: string }>): Map<string, number> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) if (e.from !== e.to && out.has(e.from) && out.has(e.to)) out.get(e.from)!.push(e.to);
  const state = new Map<string, 1 | 2>();
  const forward: Array<[string, string]> = [];
  const visit = (id: string) => {
    state.set(id, 1);
    for (const to of out.get(id)!) {
      if (state.get(to) === 1) continue; // closes a cycle
      forward.push([id, to]);
      if (!state.has(to)) visit(to);
    }
    state.set(id, 2);
  };
  // Sources first, so a cycle is entered where the graph begins.
  const hasIn = new Set(edges.map((e) => e.to));
  for (const id of [...ids.filter((i) => !hasIn.has(i)), ...ids]) if (!state.has(id)) visit(id);
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  // Longest path over the acyclic edges (at most |ids| rounds).
  for (let round = 0; round < ids.length; round++) {
    let changed = false;
    for (const [a, b] of forward) {
      if (layer.get(b)! < layer.get(a)! + 1) {
        layer.set(b, layer.get(a)! + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

/** A wire from the bottom of `a` to the top of `b` (b further down), as an S-curve: the layers of a top-down drawing. */
export function curveDown(a: Rect, b: Rect, minBend = 20): { path: string; x1: number; y1: number; x2: number; y2: number } {
  const x1 = a.x + a.w / 2;
  const y1 = a.y + a.h;
  const x2 = b.x + b.w / 2;
  const y2 = b.y;
  const bend = Math.max(minBend, (y2 - y1) / 2);
  return { path: `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`, x1, y1, x2, y2 };
}

/** The same placement turned a quarter: columns become rows, top to bottom, each row centred across. */
export function placeRows<T>(
  rows: T[][], size: (item: T) => { w: number; h: number }, spacing: Spacing,
): { placed: Placed<T>[]; width: number; height: number } {
  const turned = placeColumns(rows, (item) => {
    const s = size(item);
    return { w: s.h, h: s.w };
  }, spacing);
  return {
    placed: turned.placed.map((p) => ({ item: p.item, layer: p.layer, x: p.y, y: p.x, w: p.h, h: p.w })),
    width: turned.height,
    height: turned.width,
  };
}
