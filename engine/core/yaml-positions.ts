/** Maps a path inside a parsed YAML document (`["telemetry", 0, "fields", "temp"]`) back to `line:col`, for `file:line:col` problems. */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type Path = readonly (string | number)[];

export interface Problem { file: string; line: number; col: number; message: string }

interface Located { node?: Node; key?: Node }

function find(doc: Document, path: Path): Located & { depth: number } {
  let node = doc.contents as Node | null | undefined, key: Node | undefined, depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      key = pair.key as Node; node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      key = undefined; node = node.items[seg] as Node;
    } else break;
    depth++;
    if (!node) break;
  }
  return { node: node ?? undefined, key, depth };
}

/** 1-based line and column of the value at `path` (its key when `at: 'key'`, or the nearest existing ancestor). */
export class PositionMap {
  constructor(private readonly doc: Document, private readonly lines: LineCounter, readonly file: string) {}

  offsetOf(path: Path, at: 'value' | 'key' = 'value'): number {
    const { node, key } = find(this.doc, path);
    const n = at === 'key' && key ? key : node ?? key;
    return n?.range?.[0] ?? 0;
  }

  /** The offset where the text of the string scalar at `path` starts (after an opening quote). */
  textOffsetOf(path: Path): number {
    const { node } = find(this.doc, path);
    const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
    return (node?.range?.[0] ?? 0) + (quoted ? 1 : 0);
  }

  problem(offset: number, message: string): Problem {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col, message };
  }

  at(path: Path, message: string, at: 'value' | 'key' = 'value'): Problem {
    return this.problem(this.offsetOf(path, at), message);
  }
}

export const formatProblem = (p: Problem): string => `${p.file}:${p.line}:${p.col}: ${p.message}`;

/** `telemetry[0].fields.temp` for messages. */
export function pathLabel(path: Path): string {
  return path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s ? `${s}.${seg}` : seg), '') || 'the document';
}
