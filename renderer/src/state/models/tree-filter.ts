import { topicMatches } from '../../../../engine/contract/index.js';
import type { TopicNode, TopicTree } from './topic-tree.js';
import { StringIndex } from './string-index.js';

/**
 * What the tree's filter box holds, parsed: `/re/` (with optional `i`, `u`, `s` flags) is a regular expression
 * tested against the whole topic; text with `+` or `#` is an MQTT topic filter (MQTT rules: a leading wildcard does
 * not match `$` topics); anything else is text found anywhere in the topic, ignoring case.
 */
export interface TopicQuery {
  kind: 'text' | 'mqtt' | 'regex';
  /** Whether a topic matches. */
  test(topic: string): boolean;
  /** Where the match lies in one level's name, to highlight it (text and regular expressions only). */
  highlight(name: string): [number, number] | null;
  /** The topics of `tree` worth testing, when the query can find them without testing every topic (MQTT filters). */
  candidates?(tree: TopicTree): Iterable<TopicNode>;
}

export type ParsedQuery = { query: TopicQuery | null; error: string | null };

export function parseTopicQuery(input: string): ParsedQuery {
  const text = input.trim();
  if (!text) return { query: null, error: null };
  const re = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (re) {
    const flags = re[2]!;
    if (/[^ius]/.test(flags)) return { query: null, error: `Unsupported regular expression flag: use i, u or s (not ${flags.replace(/[ius]/g, '')})` };
    let regex: RegExp;
    try {
      regex = new RegExp(re[1]!, flags);
    } catch (err) {
      return { query: null, error: `Invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` };
    }
    return {
      query: {
        kind: 'regex',
        test: (topic) => regex.test(topic),
        highlight: (name) => {
          const m = regex.exec(name);
          return m && m[0].length ? [m.index, m.index + m[0].length] : null;
        },
      },
      error: null,
    };
  }
  if (/[+#]/.test(text)) {
    const levels = text.split('/');
    const bad = levels.findIndex((level, i) => (level.includes('#') && (level !== '#' || i !== levels.length - 1)) || (level.includes('+') && level !== '+'));
    if (bad >= 0) return { query: null, error: `Invalid topic filter: '+' takes a whole level and '#' only the last (level ${bad + 1}: '${levels[bad]}')` };
    return {
      query: { kind: 'mqtt', test: (topic) => topicMatches(text, topic), highlight: () => null, candidates: (tree) => nodesMatching(tree.root, levels) },
      error: null,
    };
  }
  const lower = text.toLowerCase();
  return {
    query: {
      kind: 'text',
      test: (topic) => topic.toLowerCase().includes(lower),
      highlight: (name) => {
        const at = name.toLowerCase().indexOf(lower);
        return at < 0 ? null : [at, at + lower.length];
      },
    },
    error: null,
  };
}

/**
 * The topics an MQTT filter (split in `levels`) matches, found by following its levels down the tree: a filter such
 * as `quiet/#` costs the topics under `quiet`, not the whole tree. Same rules as `topicMatches`: `#` also matches the
 * parent level, and a leading wildcard skips the `$` topics.
 */
export function nodesMatching(root: TopicNode, levels: readonly string[]): TopicNode[] {
  const out: TopicNode[] = [];
  const below = (node: TopicNode) => {
    for (const child of node.children.values()) {
      if (node.parent === null && child.name.startsWith('$')) continue;
      if (child.isTopic) out.push(child);
      below(child);
    }
  };
  const visit = (node: TopicNode, i: number) => {
    if (i === levels.length) {
      if (node.isTopic) out.push(node);
      return;
    }
    const level = levels[i]!;
    if (level === '#') {
      if (node.parent !== null && node.isTopic) out.push(node);
      below(node);
    } else if (level === '+') {
      for (const child of node.children.values()) if (node.parent !== null || !child.name.startsWith('$')) visit(child, i + 1);
    } else {
      const child = node.children.get(level);
      if (child) visit(child, i + 1);
    }
  };
  visit(root, 0);
  return out;
}

/**
 * A query matching the topics put in `topics` (those whose payloads matched a search), as they are added. A
 * `StringIndex`, as a search may match every topic (see it for why not a `Set`).
 */
export function topicSetQuery(): { topics: StringIndex<string>; query: TopicQuery } {
  const topics = new StringIndex((topic: string) => topic);
  return { topics, query: { kind: 'text', test: (topic) => topics.has(topic), highlight: () => null } };
}

/**
 * Search in payloads: the same box, `/re/` for a regular expression (which the engine runs as RE2), else text
 * found ignoring case. `engine` is what `broker.messages` is asked; `test` checks a live message's payload here.
 */
export interface PayloadQuery {
  engine: { search: string } | { regex: string };
  test(payloadBase64: string): boolean;
}

export function parsePayloadQuery(input: string): { query: PayloadQuery | null; error: string | null } {
  const text = input.trim();
  if (!text) return { query: null, error: null };
  const re = /^\/(.+)\/$/s.exec(text);
  const decode = (base64: string) => {
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    } catch {
      return '';
    }
  };
  if (re) {
    let regex: RegExp;
    try {
      regex = new RegExp(re[1]!);
    } catch (err) {
      return { query: null, error: `Invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` };
    }
    return { query: { engine: { regex: re[1]! }, test: (p) => regex.test(decode(p)) }, error: null };
  }
  const lower = text.toLowerCase();
  return { query: { engine: { search: text }, test: (p) => decode(p).toLowerCase().includes(lower) }, error: null };
}

/**
 * The rows of the tree under a filter: every matching topic with its ancestors, expanded (unless the user collapses
 * one). Matches are counted per node, so topics that arrive later are tested one by one, not the whole tree again.
 */
export class FilteredRows {
  /** Matching topics in each node's subtree (the node included); only nodes with at least one are present. */
  private readonly hits = new Map<TopicNode, number>();
  readonly matched = new Set<TopicNode>();
  private readonly collapsed = new Set<TopicNode>();
  private rows: TopicNode[] | null = null;

  constructor(private readonly tree: TopicTree, readonly query: TopicQuery) {
    this.add(query.candidates?.(tree) ?? tree.topics());
  }

  /** Tests newly seen topics; returns true when one matched (the rows then change). */
  add(topics: Iterable<TopicNode>): boolean {
    let any = false;
    for (const node of topics) {
      if (this.matched.has(node) || !this.query.test(node.path)) continue;
      this.matched.add(node);
      for (let n: TopicNode | null = node; n; n = n.parent) this.hits.set(n, (this.hits.get(n) ?? 0) + 1);
      any = true;
    }
    if (any) this.rows = null;
    return any;
  }

  /** Forgets topics the tree removed (`TopicTree.remove`); returns true when one was a match. */
  remove(nodes: Iterable<TopicNode>): boolean {
    let any = false;
    for (const node of nodes) {
      if (!this.matched.delete(node)) continue;
      for (let n: TopicNode | null = node; n; n = n.parent) {
        const left = (this.hits.get(n) ?? 1) - 1;
        if (left > 0) this.hits.set(n, left);
        else this.hits.delete(n);
      }
      any = true;
    }
    if (any) this.rows = null;
    return any;
  }

  /** Matching topics, `$aws/…` left out when the tree hides it. */
  get matchCount(): number {
    const aws = this.tree.hideAws ? this.tree.root.children.get('$aws') : undefined;
    return (this.hits.get(this.tree.root) ?? 0) - (aws ? this.hits.get(aws) ?? 0 : 0);
  }

  isOpen(node: TopicNode): boolean {
    return !this.collapsed.has(node) && this.hasMatchBelow(node);
  }

  hasMatchBelow(node: TopicNode): boolean {
    return (this.hits.get(node) ?? 0) > (this.matched.has(node) ? 1 : 0);
  }

  setOpen(node: TopicNode, open: boolean): void {
    if (open) this.collapsed.delete(node);
    else this.collapsed.add(node);
    this.rows = null;
  }

  /** Call when the `$aws` toggle changed. */
  invalidate(): void {
    this.rows = null;
  }

  get count(): number {
    return this.all().length;
  }

  window(start: number, end: number): TopicNode[] {
    return this.all().slice(start, end);
  }

  indexOf(node: TopicNode): number {
    return this.all().indexOf(node);
  }

  private all(): TopicNode[] {
    if (this.rows) return this.rows;
    const rows: TopicNode[] = [];
    const walk = (node: TopicNode) => {
      rows.push(node);
      if (!this.isOpen(node)) return;
      for (const child of node.sortedChildren()) if (this.hits.has(child) && !this.tree.isHidden(child)) walk(child);
    };
    walk(this.tree.root);
    this.rows = rows;
    return rows;
  }
}
