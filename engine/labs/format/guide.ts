/**
 * `guide.md`: what the attendee reads, parsed into its sections, its steps and their fenced blocks. The sections come
 * in a fixed order: `# <title>`, `## Goal`, `## The pipeline` (a ```mermaid flowchart), `## Before you start`
 * (optional), `## Steps` with `### Step N: <what>`, `## Why it works`, `## What it costs on AWS`, `## Clean up`.
 * A block's info string says what the test suite does with it: ```sh runs and must exit 0, ```sh background runs
 * until the guide ends, ```sh fails must exit non-zero; any other language is shown, not run.
 */
import type { Problem } from '../../core/index.js';

export type BlockMode = 'run' | 'background' | 'fails' | 'show';

export interface GuideBlock {
  /** The info string's first word (`sh`, `mermaid`, `json`, …; '' for none). */
  lang: string;
  mode: BlockMode;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface GuideStep {
  n: number;
  title: string;
  /** The step's Markdown (prose and blocks) as written. */
  markdown: string;
  blocks: GuideBlock[];
  line: number;
}

export interface GuideSection {
  heading: string;
  markdown: string;
  line: number;
}

export interface Guide {
  file: string;
  title: string;
  goal: string;
  /** The mermaid source of `## The pipeline`. */
  pipeline: string;
  before?: string;
  steps: GuideStep[];
  why: string;
  cost: string;
  cleanUp: string;
  /** Every `##` section in order, for a renderer that shows the guide whole. */
  sections: GuideSection[];
  /** The blocks that run (`sh`, `sh background`, `sh fails`), in order: what the guide's test executes. */
  commands: GuideCommand[];
}

export interface GuideCommand extends GuideBlock {
  section: 'before' | 'step' | 'cleanUp';
  /** The step's number, for a block of a step. */
  step?: number;
}

const REQUIRED = ['Goal', 'The pipeline', 'Steps', 'Why it works', 'What it costs on AWS', 'Clean up'] as const;
const ORDER = ['Goal', 'The pipeline', 'Before you start', 'Steps', 'Why it works', 'What it costs on AWS', 'Clean up'];

/** The mode of a fence's info string; `problem` when an `sh` block has an unknown word after it. */
function blockMode(info: string): { lang: string; mode: BlockMode; problem?: string } {
  const [lang = '', ...rest] = info.trim().split(/\s+/).filter(Boolean);
  if (lang !== 'sh') return { lang, mode: 'show' };
  if (rest.length === 0) return { lang, mode: 'run' };
  if (rest.length === 1 && (rest[0] === 'background' || rest[0] === 'fails')) return { lang, mode: rest[0] };
  return { lang, mode: 'run', problem: `\`\`\`${info.trim()}: expected \`\`\`sh, \`\`\`sh background or \`\`\`sh fails` };
}

interface Line { text: string; n: number }

/** Parses a guide; every problem (a missing section, a step out of order) as `file:line:col`. */
export function parseGuide(text: string, file: string): { guide: Guide; problems: Problem[] } {
  const problems: Problem[] = [];
  const at = (line: number, message: string) => problems.push({ file, line, col: 1, message });
  const lines: Line[] = text.replace(/\r\n/g, '\n').split('\n').map((t, i) => ({ text: t, n: i + 1 }));

  // Headings outside fenced blocks.
  let fence: string | null = null;
  const headings: Array<{ level: number; text: string; index: number }> = [];
  const blocks: Array<GuideBlock & { index: number }> = [];
  let open: { info: string; start: number; body: string[] } | null = null;
  lines.forEach((l, i) => {
    const f = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(l.text);
    if (fence === null && f) {
      fence = f[2];
      open = { info: f[3], start: i, body: [] };
      return;
    }
    if (fence !== null) {
      if (f && f[2].startsWith(fence) && f[3].trim() === '') {
        const o = open!;
        const m = blockMode(o.info);
        if (m.problem) at(lines[o.start].n, m.problem);
        blocks.push({ lang: m.lang, mode: m.mode, code: o.body.join('\n'), line: lines[o.start].n, index: o.start });
        fence = null;
        open = null;
      } else open!.body.push(l.text);
      return;
    }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(l.text);
    if (h) headings.push({ level: h[1].length, text: h[2], index: i });
  });
  if (open) at(lines[(open as { start: number }).start].n, 'a fenced block is not closed');

  const slice = (from: number, to: number) => lines.slice(from, to).map((l) => l.text).join('\n').trim();
  const title = headings.find((h) => h.level === 1);
  if (!title || headings[0] !== title) at(1, 'a guide starts with "# <the lab\'s title>"');
  const sections: GuideSection[] = [];
  const h2 = headings.filter((h) => h.level === 2);
  h2.forEach((h, i) => {
    const end = h2[i + 1]?.index ?? lines.length;
    sections.push({ heading: h.text, markdown: slice(h.index + 1, end), line: lines[h.index].n });
  });
  let last = -1;
  for (const s of sections) {
    const k = ORDER.indexOf(s.heading);
    if (k < 0) at(s.line, `unknown section "## ${s.heading}"; the sections are, in order: ${ORDER.join(', ')}`);
    else if (k <= last) at(s.line, `"## ${s.heading}" is out of order; the sections are, in order: ${ORDER.join(', ')}`);
    else last = k;
  }
  for (const name of REQUIRED) {
    if (!sections.some((s) => s.heading === name)) at(lines.length, `missing section "## ${name}"`);
  }
  const section = (name: string) => sections.find((s) => s.heading === name);

  // The pipeline's mermaid block.
  const pipelineSection = h2.find((h) => h.text === 'The pipeline');
  let pipeline = '';
  if (pipelineSection) {
    const end = h2[h2.indexOf(pipelineSection) + 1]?.index ?? lines.length;
    const mermaid = blocks.find((b) => b.index > pipelineSection.index && b.index < end && b.lang === 'mermaid');
    if (mermaid) pipeline = mermaid.code;
    else at(lines[pipelineSection.index].n, '"## The pipeline" holds a ```mermaid flowchart of what the lab builds');
  }

  // Steps: ### Step N: <what>, numbered from 1.
  const stepsH = h2.find((h) => h.text === 'Steps');
  const steps: GuideStep[] = [];
  if (stepsH) {
    const end = h2[h2.indexOf(stepsH) + 1]?.index ?? lines.length;
    const h3 = headings.filter((h) => h.level === 3 && h.index > stepsH.index && h.index < end);
    if (!h3.length) at(lines[stepsH.index].n, '"## Steps" has no "### Step 1: <what>"');
    h3.forEach((h, i) => {
      const m = /^Step (\d+): (.+)$/.exec(h.text);
      const stepEnd = h3[i + 1]?.index ?? end;
      if (!m) {
        at(lines[h.index].n, `"### ${h.text}": expected "### Step ${i + 1}: <what>"`);
        return;
      }
      if (Number(m[1]) !== i + 1) at(lines[h.index].n, `"### ${h.text}": expected step ${i + 1} here (steps are numbered from 1, in order)`);
      steps.push({
        n: Number(m[1]), title: m[2], markdown: slice(h.index + 1, stepEnd), line: lines[h.index].n,
        blocks: blocks.filter((b) => b.index > h.index && b.index < stepEnd).map(({ index: _i, ...b }) => b),
      });
    });
  }
  // Commands that run belong to "Before you start", a step or "Clean up"; elsewhere they would never be tested.
  const within = (name: string, index: number) => {
    const h = h2.find((x) => x.text === name);
    return !!h && index > h.index && index < (h2[h2.indexOf(h) + 1]?.index ?? lines.length);
  };
  const commands: GuideCommand[] = [];
  for (const b of blocks) {
    if (b.mode === 'show') continue;
    const { index: _i, ...block } = b;
    const step = steps.find((s) => s.blocks.some((x) => x.line === b.line));
    if (within('Before you start', b.index)) commands.push({ ...block, section: 'before' });
    else if (step) commands.push({ ...block, section: 'step', step: step.n });
    else if (within('Clean up', b.index)) commands.push({ ...block, section: 'cleanUp' });
    else at(b.line, 'a ```sh block outside "## Before you start", a step and "## Clean up" is never run by the tests: use ```text to show a command');
  }
  const guide: Guide = {
    file,
    title: title?.text ?? '',
    goal: section('Goal')?.markdown ?? '',
    pipeline,
    ...(section('Before you start') ? { before: section('Before you start')!.markdown } : {}),
    steps,
    why: section('Why it works')?.markdown ?? '',
    cost: section('What it costs on AWS')?.markdown ?? '',
    cleanUp: section('Clean up')?.markdown ?? '',
    sections,
    commands,
  };
  return { guide, problems };
}
