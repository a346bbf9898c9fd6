/** The guide reader: Markdown into blocks and spans rendered as text, so nothing in a guide becomes HTML. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineText, parseInline, parseMarkdown, type Block } from '../../renderer/src/lib/markdown.js';

describe('parseMarkdown', () => {
  it('reads headings, paragraphs joined across lines, and fenced code with its info string', () => {
    const blocks = parseMarkdown('# Title\n\nA thing is a\nrecord.\n\n```sh background\n$AWS iot list-things\n  indented\n```\n');
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, content: [{ kind: 'text', text: 'Title' }] },
      { kind: 'paragraph', content: [{ kind: 'text', text: 'A thing is a\nrecord.' }] },
      { kind: 'code', lang: 'sh', info: 'sh background', code: '$AWS iot list-things\n  indented' },
    ]);
  });

  it('keeps HTML as text: tags and entities are spans of text, never markup', () => {
    const [p] = parseMarkdown('a <script>alert(1)</script> and <br/> &amp;');
    expect(p).toEqual({ kind: 'paragraph', content: [{ kind: 'text', text: 'a <script>alert(1)</script> and <br/> &amp;' }] });
  });

  it('reads inline code literally, strong, emphasis, and keeps only safe link addresses', () => {
    expect(parseInline('run `a *b* c` **now** *please*')).toEqual([
      { kind: 'text', text: 'run ' }, { kind: 'code', text: 'a *b* c' }, { kind: 'text', text: ' ' },
      { kind: 'strong', children: [{ kind: 'text', text: 'now' }] }, { kind: 'text', text: ' ' },
      { kind: 'em', children: [{ kind: 'text', text: 'please' }] },
    ]);
    expect(parseInline('[docs](https://docs.aws.amazon.com/iot/) [bad](javascript:alert(1))')).toEqual([
      { kind: 'link', href: 'https://docs.aws.amazon.com/iot/', children: [{ kind: 'text', text: 'docs' }] },
      { kind: 'text', text: ' ' },
      { kind: 'link', href: null, children: [{ kind: 'text', text: 'bad' }] },
      { kind: 'text', text: ')' },
    ]);
    expect(inlineText(parseInline('snake_case_name and ${iot:Connection.Thing.ThingName}'))).toBe('snake_case_name and ${iot:Connection.Thing.ThingName}');
  });

  it('reads lists, quotes and pipe tables with their alignment', () => {
    const blocks = parseMarkdown('- one\n- two `x|y`\n\n1. first\n2. second\n\n> note\n\n| Item | Price |\n|---|--:|\n| a \\| b | $1 |\n');
    expect(blocks.map((b) => b.kind)).toEqual(['list', 'list', 'quote', 'table']);
    const [ul, ol, , table] = blocks as [Extract<Block, { kind: 'list' }>, Extract<Block, { kind: 'list' }>, Block, Extract<Block, { kind: 'table' }>];
    expect(ul.items).toHaveLength(2);
    expect(ol).toMatchObject({ ordered: true, start: 1 });
    expect(table.align).toEqual([null, 'right']);
    expect(table.rows.map((r) => r.map(inlineText))).toEqual([['a | b', '$1']]);
  });

  it('reads every shipped guide, keeping every fenced block whole', () => {
    const labs = path.join(import.meta.dirname, '../../labs');
    for (const dir of fs.readdirSync(labs).filter((d) => /^\d\d-/.test(d))) {
      const text = fs.readFileSync(path.join(labs, dir, 'guide.md'), 'utf8');
      const blocks = parseMarkdown(text);
      const fences = (text.match(/^```/gm) ?? []).length / 2;
      const codes = (function count(bs: Block[]): number {
        return bs.reduce((n, b) => n + (b.kind === 'code' ? 1 : b.kind === 'list' ? b.items.reduce((m, it) => m + count(it), 0) : b.kind === 'quote' ? count(b.blocks) : 0), 0);
      })(blocks);
      expect(codes, dir).toBe(fences);
      expect(blocks.some((b) => b.kind === 'table'), dir).toBe(/^\|---/m.test(text));
    }
  });
});
