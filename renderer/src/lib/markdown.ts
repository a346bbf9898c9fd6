/**
 * A small Markdown reader for the labs' guides: it turns text into blocks and inline spans that a view renders as
 * text nodes, so nothing in a guide can become HTML (a `<br/>` or `<script>` in the text stays visible text). It reads
 * what the guides use: ATX headings, paragraphs, fenced code blocks with their info string, bullet and numbered lists,
 * block quotes, pipe tables, thematic breaks; inline code, strong, emphasis and links (only http, https and mailto
 * links keep their address).
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  | { kind: 'link'; href: string | null; children: Inline[] };

export type Block =
  | { kind: 'heading'; level: number; content: Inline[] }
  | { kind: 'paragraph'; content: Inline[] }
  | { kind: 'code'; lang: string; info: string; code: string }
  | { kind: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { kind: 'quote'; blocks: Block[] }
  | { kind: 'table'; align: Array<'left' | 'center' | 'right' | null>; head: Inline[][]; rows: Inline[][][] }
  | { kind: 'rule' };

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const BULLET = /^( {0,3})([-*+])\s+(.*)$/;
const ORDERED = /^( {0,3})(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const TABLE_DIVIDER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Parses Markdown text into blocks. */
export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.replace(/\r\n?/g, '\n').split('\n'));
}

function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }

    const fence = FENCE.exec(line);
    if (fence) {
      const [, indent, marker, info] = fence;
      const body: string[] = [];
      i++;
      while (i < lines.length && !isClosingFence(lines[i], marker)) {
        body.push(stripIndent(lines[i], indent.length));
        i++;
      }
      i++; // the closing fence (or the end)
      blocks.push({ kind: 'code', lang: info.trim().split(/\s+/)[0] ?? '', info: info.trim(), code: body.join('\n') });
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1].length, content: parseInline(heading[2] ?? '') });
      i++;
      continue;
    }

    if (RULE.test(line)) { blocks.push({ kind: 'rule' }); i++; continue; }

    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && lines[i].trim() && QUOTE.test(lines[i])) { inner.push(QUOTE.exec(lines[i])![1]); i++; }
      blocks.push({ kind: 'quote', blocks: parseBlocks(inner) });
      continue;
    }

    const bullet = BULLET.exec(line);
    const ordered = ORDERED.exec(line);
    if (bullet || ordered) {
      const pattern = bullet ? BULLET : ORDERED;
      const items: string[][] = [];
      while (i < lines.length) {
        const m = pattern.exec(lines[i]);
        if (m) { items.push([m[3]]); i++; continue; }
        // A continuation: indented text, or a blank line followed by indented text.
        if (lines[i].trim() && /^\s{2,}/.test(lines[i])) { items.at(-1)!.push(lines[i].replace(/^\s{2,4}/, '')); i++; continue; }
        if (!lines[i].trim() && i + 1 < lines.length && (pattern.test(lines[i + 1]) || /^\s{2,}\S/.test(lines[i + 1]))) { items.at(-1)!.push(''); i++; continue; }
        if (lines[i].trim() && !startsBlock(lines[i]) && items.at(-1)!.at(-1)?.trim()) { items.at(-1)!.push(lines[i]); i++; continue; }
        break;
      }
      blocks.push({ kind: 'list', ordered: !!ordered, start: ordered ? Number(ordered[2]) : 1, items: items.map(parseBlocks) });
      continue;
    }

    if (line.includes('|') && i + 1 < lines.length && TABLE_DIVIDER.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const head = splitRow(line);
      const align = splitRow(lines[i + 1]).map((c) => {
        const left = c.startsWith(':');
        const right = c.endsWith(':');
        return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
      });
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && lines[i].trim() && lines[i].includes('|')) {
        const cells = splitRow(lines[i]);
        rows.push(head.map((_, c) => parseInline(cells[c] ?? '')));
        i++;
      }
      blocks.push({ kind: 'table', align: head.map((_, c) => align[c] ?? null), head: head.map(parseInline), rows });
      continue;
    }

    // A paragraph: lines up to a blank line or the start of another block.
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && lines[i].trim() && !startsBlock(lines[i])) { para.push(lines[i].trim()); i++; }
    blocks.push({ kind: 'paragraph', content: parseInline(para.join('\n')) });
  }
  return blocks;
}

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || QUOTE.test(line) || BULLET.test(line) || ORDERED.test(line) || RULE.test(line);
}

function isClosingFence(line: string, marker: string): boolean {
  const t = line.trim();
  return t.length >= marker.length && t[0] === marker[0] && /^(`+|~+)$/.test(t) && t.length >= marker.length;
}

function stripIndent(line: string, n: number): string {
  let k = 0;
  while (k < n && line[k] === ' ') k++;
  return line.slice(k);
}

/** The cells of a pipe-table row; `\|` is a pipe inside a cell. */
function splitRow(line: string): string[] {
  let t = line.trim();
  if (t.startsWith('|')) t = t.slice(1);
  if (t.endsWith('|') && !t.endsWith('\\|')) t = t.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  for (let k = 0; k < t.length; k++) {
    const ch = t[k];
    if (ch === '\\' && t[k + 1] === '|') { cell += '|'; k++; continue; }
    if (ch === '`') inCode = !inCode;
    if (ch === '|' && !inCode) { cells.push(cell.trim()); cell = ''; continue; }
    cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

const SAFE_LINK = /^(https?:|mailto:)/i;

/** Parses inline Markdown: code spans first (their content is literal), then links, strong and emphasis. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buf = '';
  const flush = () => { if (buf) { pushText(out, buf); buf = ''; } };
  let k = 0;
  while (k < text.length) {
    const ch = text[k];
    if (ch === '\\' && k + 1 < text.length && /[\\`*_[\]()#+\-.!|<>{}]/.test(text[k + 1])) { buf += text[k + 1]; k += 2; continue; }
    if (ch === '`') {
      let run = 1;
      while (text[k + run] === '`') run++;
      const ticks = '`'.repeat(run);
      const end = findRun(text, ticks, k + run);
      if (end >= 0) {
        flush();
        let code = text.slice(k + run, end).replace(/\n/g, ' ');
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim()) code = code.slice(1, -1);
        out.push({ kind: 'code', text: code });
        k = end + run;
        continue;
      }
      buf += ticks;
      k += run;
      continue;
    }
    if (ch === '[') {
      const close = matchBracket(text, k);
      if (close > 0 && text[close + 1] === '(') {
        const end = text.indexOf(')', close + 2);
        if (end > 0) {
          flush();
          const target = text.slice(close + 2, end).trim().split(/\s+/)[0] ?? '';
          out.push({ kind: 'link', href: SAFE_LINK.test(target) ? target : null, children: parseInline(text.slice(k + 1, close)) });
          k = end + 1;
          continue;
        }
      }
    }
    if ((ch === '*' || ch === '_') && text[k + 1] === ch) {
      const marker = ch + ch;
      const end = text.indexOf(marker, k + 2);
      if (end > k + 2 && text[k + 2] !== ' ') {
        flush();
        out.push({ kind: 'strong', children: parseInline(text.slice(k + 2, end)) });
        k = end + 2;
        continue;
      }
    }
    if ((ch === '*' || ch === '_') && text[k + 1] !== ' ' && text[k + 1] !== undefined) {
      // `_` only at a word's edge, so snake_case names stay as written.
      const before = k === 0 ? ' ' : text[k - 1];
      if (ch === '*' || !/\w/.test(before)) {
        const end = findEmphasisEnd(text, ch, k + 1);
        if (end > k + 1) {
          flush();
          out.push({ kind: 'em', children: parseInline(text.slice(k + 1, end)) });
          k = end + 1;
          continue;
        }
      }
    }
    buf += ch;
    k++;
  }
  flush();
  return out;
}

function pushText(out: Inline[], text: string): void {
  const last = out.at(-1);
  if (last?.kind === 'text') last.text += text;
  else out.push({ kind: 'text', text });
}

function findRun(text: string, ticks: string, from: number): number {
  let at = text.indexOf(ticks, from);
  while (at >= 0) {
    if (text[at + ticks.length] !== '`' && text[at - 1] !== '`') return at;
    at = text.indexOf(ticks, at + 1);
  }
  return -1;
}

function matchBracket(text: string, open: number): number {
  let depth = 0;
  for (let k = open; k < text.length; k++) {
    if (text[k] === '\\') { k++; continue; }
    if (text[k] === '`') { const end = text.indexOf('`', k + 1); if (end < 0) return -1; k = end; continue; }
    if (text[k] === '[') depth++;
    else if (text[k] === ']' && --depth === 0) return k;
  }
  return -1;
}

function findEmphasisEnd(text: string, ch: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    if (text[k] === '`') { const end = text.indexOf('`', k + 1); if (end < 0) return -1; k = end; continue; }
    if (text[k] === ch && text[k + 1] !== ch && text[k - 1] !== ' ' && (ch === '*' || !/\w/.test(text[k + 1] ?? ' '))) return k;
    if (text[k] === ch && text[k + 1] === ch) k++;
  }
  return -1;
}

/** The plain text of inline spans (for titles and tests). */
export function inlineText(spans: Inline[]): string {
  return spans.map((s) => (s.kind === 'text' || s.kind === 'code' ? s.text : inlineText(s.children))).join('');
}
