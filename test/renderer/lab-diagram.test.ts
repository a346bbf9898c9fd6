/** The Labs view's pipeline diagrams: every shipped guide laid out without overlaps, names put in, nodes tied to checks. */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { LabCheckDecl, LabCheckOutcome } from '../../engine/contract/index.js';
import { layoutLabDiagram, nodeState, withNames, wrap } from '../../renderer/src/state/models/lab-diagram.js';

const labsDir = path.resolve(__dirname, '../../labs');
const labs = fs.readdirSync(labsDir).filter((d) => fs.existsSync(path.join(labsDir, d, 'lab.yaml'))).sort();

/** A lab's diagram source, its names for an attendee `ada`, and its checks with those names in their titles. */
function labOf(dir: string): { source: string; names: Record<string, string>; checks: LabCheckDecl[] } {
  const guide = fs.readFileSync(path.join(labsDir, dir, 'guide.md'), 'utf8');
  const source = /```mermaid\n([^]*?)```/.exec(guide)![1];
  const yaml = parse(fs.readFileSync(path.join(labsDir, dir, 'lab.yaml'), 'utf8')) as { id: number; names?: Record<string, { base: string }>; checks: Array<{ id: string; title: string }> };
  const names = Object.fromEntries(Object.entries(yaml.names ?? {}).map(([k, v]) => [k, `l${String(yaml.id).padStart(2, '0')}-ada-${v.base}`]));
  const checks = yaml.checks.map((c) => ({ id: c.id, title: c.title.replace(/\$\{(\w+)\}/g, (all, n: string) => names[n] ?? all), kind: 'x', localOnly: false }));
  return { source, names, checks };
}

const overlap = (a: { x: number; y: number; w: number; h: number }, b: typeof a) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('layoutLabDiagram over every shipped lab', () => {
  it.each(labs.flatMap((l) => [[l, 'across'], [l, 'down']]))('%s (%s): every node placed once, none overlapping, every edge drawn, inside the drawing', (dir, way) => {
    const { source, names, checks } = labOf(dir);
    const d = layoutLabDiagram(source, names, checks, way === 'down');
    expect(new Set(d.boxes.map((b) => b.node.id)).size).toBe(d.boxes.length);
    for (let i = 0; i < d.boxes.length; i++) for (let j = i + 1; j < d.boxes.length; j++) expect(overlap(d.boxes[i], d.boxes[j]), `${d.boxes[i].node.id} and ${d.boxes[j].node.id}`).toBe(false);
    for (const b of d.boxes) {
      expect(b.x).toBeGreaterThanOrEqual(d.left);
      expect(b.x + b.w).toBeLessThanOrEqual(d.left + d.width);
      expect(b.y + b.h).toBeLessThanOrEqual(d.height);
      // The attendee's names replace the guide's variables.
      for (const line of b.lines) expect(line).not.toMatch(/\$[A-Z][A-Z_0-9]*/);
    }
    expect(d.wires.every((w) => w.path.startsWith('M'))).toBe(true);
    // At least one node of every lab stands for a check.
    expect(d.boxes.some((b) => b.checks.length > 0)).toBe(true);
  });

  it('reads left to right: a rule after its device, its targets after it, a round trip drawn back', () => {
    const { source, names, checks } = labOf('02-sns-hook');
    const d = layoutLabDiagram(source, names, checks);
    const x = (id: string) => d.boxes.find((b) => b.node.id === id)!.x;
    expect(x('S')).toBeLessThan(x('R'));
    expect(x('R')).toBeLessThan(x('T'));
    expect(x('T')).toBeLessThan(x('Q'));
    const shadows = labOf('05-thing-shadows');
    const s = layoutLabDiagram(shadows.source, shadows.names, shadows.checks);
    const sx = (id: string) => s.boxes.find((b) => b.node.id === id)!.x;
    expect(sx('A')).toBeLessThan(sx('S'));
    expect(sx('S')).toBeLessThan(sx('M'));
    expect(s.wires).toHaveLength(5);
    // Top to bottom for a narrow pane: the same order down the page, narrower than across.
    const down = layoutLabDiagram(source, names, checks, true);
    const y = (id: string) => down.boxes.find((b) => b.node.id === id)!.y;
    expect(y('S')).toBeLessThan(y('R'));
    expect(y('R')).toBeLessThan(y('T'));
    expect(down.width).toBeLessThan(d.width);
  });

  it('ties nodes to the checks naming their resources', () => {
    const { source, names, checks } = labOf('02-sns-hook');
    const d = layoutLabDiagram(source, names, checks);
    const of = (id: string) => d.boxes.find((b) => b.node.id === id)!.checks;
    expect(of('R')).toEqual(['rule']);
    expect(of('I')).toEqual([]);
    expect(of('Q')).toEqual(expect.arrayContaining(['subscription', 'hot-reading', 'normal-filtered']));
    expect(d.boxes.find((b) => b.node.id === 'R')!.lines[0]).toBe('rule l02-ada-hot_reading');
  });
});

describe('nodeState', () => {
  const outcome = (id: string, status: LabCheckOutcome['status']): LabCheckOutcome => ({ id, title: id, kind: 'x', status, reason: '' });
  it('is done when every check naming the node is done or skipped, partial when some are', () => {
    expect(nodeState([], [])).toBe('none');
    expect(nodeState(['a', 'b'], undefined)).toBe('todo');
    expect(nodeState(['a', 'b'], [outcome('a', 'done'), outcome('b', 'missing')])).toBe('partial');
    expect(nodeState(['a', 'b'], [outcome('a', 'done'), outcome('b', 'skipped')])).toBe('done');
    expect(nodeState(['a'], [outcome('a', 'waiting')])).toBe('todo');
  });
});

describe('text', () => {
  it('puts names in for known variables only and wraps long lines at words', () => {
    expect(withNames('rule $RULE on $$aws/x and $UNKNOWN', { RULE: 'r1' })).toBe('rule r1 on $$aws/x and $UNKNOWN');
    expect(wrap('SELECT *, topic(2) AS device, timestamp() AS ts', 20)).toEqual(['SELECT *, topic(2)', 'AS device,', 'timestamp() AS ts']);
    expect(wrap('x'.repeat(25), 10)).toEqual(['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx']);
  });
});
