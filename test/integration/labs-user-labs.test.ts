/**
 * Labs of your own: a lab written into a folder of the user's (`<dataDir>/labs/`, `--labs`) is listed after the
 * shipped ones with where it comes from, and starts, solves and checks like a shipped one; a malformed one is listed
 * as broken with its file:line:col and never stops the others; one with a shipped lab's number is refused naming both
 * paths. Through the engine's contract, and with `thingbench lab` as a child process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABS_DIR, loadLabCatalogue } from '../../engine/labs/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli } from './helpers/cli-process.js';

const GUIDE = `# My first lab

## Goal

A thing of your own.

## The pipeline

\`\`\`mermaid
flowchart LR
  you["you"] --> thing["thing $THING"]
\`\`\`

## Steps

### Step 1: Create the thing

\`\`\`sh
$AWS iot create-thing --thing-name "$THING"
\`\`\`

## Why it works

The registry keeps it.

## What it costs on AWS

Nothing.

## Clean up

\`\`\`sh
thingbench lab reset 50
\`\`\`
`;

const LAB = `id: 50
slug: my-first-lab
title: My first lab
summary: A thing of your own.
minutes: 5
names:
  THING: { kind: thing, base: mine }
checks:
  - id: thing
    title: The thing \${THING} exists
    thing: { name: "\${THING}" }
    hint: "Create it: $AWS iot create-thing --thing-name $THING"
`;

const SOLUTION = `name: my first lab's solution
steps:
  - provision: { things: [{ name: "\${THING}" }] }
`;

/** Writes a lab folder `<dir>/<folder>/` with these files. */
function writeLab(dir: string, folder: string, files: { lab: string; guide?: string; solution?: string }): string {
  const labDir = path.join(dir, folder);
  fs.mkdirSync(labDir, { recursive: true });
  fs.writeFileSync(path.join(labDir, 'lab.yaml'), files.lab);
  fs.writeFileSync(path.join(labDir, 'guide.md'), files.guide ?? GUIDE);
  fs.writeFileSync(path.join(labDir, 'solution.yaml'), files.solution ?? SOLUTION);
  return labDir;
}

/** A folder with a good lab (50), a malformed one (51: a check kind that does not exist, line 8) and a copy of lab 1. */
function userLabs(dir: string): { good: string; malformed: string; clash: string } {
  const good = writeLab(dir, '50-my-first-lab', { lab: LAB });
  const malformed = writeLab(dir, '51-broken', { lab: LAB.replace('id: 50', 'id: 51').replace('slug: my-first-lab', 'slug: broken').replace('    thing: { name: "${THING}" }', '    thingy: { name: "${THING}" }') });
  const clash = writeLab(dir, '01-my-own-start', { lab: LAB.replace('id: 50', 'id: 1').replace('slug: my-first-lab', 'slug: my-own-start') });
  return { good, malformed, clash };
}

describe('user labs in the catalogue', () => {
  it('shipped labs first, then the good user lab; the malformed and the clashing ones are broken, with why', () => {
    const dir = tempDir('tb-user-labs-');
    const { good, malformed, clash } = userLabs(dir);
    const { labs, broken } = loadLabCatalogue({ dirs: [dir] });
    expect(labs.at(-1)).toMatchObject({ id: 50, slug: 'my-first-lab', source: 'user', dir: good });
    expect(labs.filter((l) => l.source === 'shipped').length).toBe(labs.length - 1);
    expect(labs.find((l) => l.id === 1)?.dir).toBe(path.join(LABS_DIR, '01-getting-set-up'));
    const byDir = Object.fromEntries(broken.map((b) => [b.dir, b]));
    expect(byDir[malformed]).toMatchObject({ id: 51, slug: 'broken', source: 'user' });
    expect(byDir[malformed].error).toMatch(new RegExp(`^${path.join(malformed, 'lab.yaml')}:\\d+:\\d+: .*thingy`, 'm'));
    expect(byDir[clash].error).toBe(`${path.join(clash, 'lab.yaml')}:1:1: the lab ${clash} has the number 1 of the shipped lab ${path.join(LABS_DIR, '01-getting-set-up')}: give it a number and slug of its own (its folder nn-slug, lab.yaml's id and slug)`);
    expect(broken).toHaveLength(2);
  });

  it('a folder given as one lab, a missing folder listed as broken', () => {
    const dir = tempDir('tb-user-labs-one-');
    const good = writeLab(dir, '50-my-first-lab', { lab: LAB });
    const missing = path.join(dir, 'nowhere');
    const { labs, broken } = loadLabCatalogue({ dirs: [good, missing] });
    expect(labs.at(-1)).toMatchObject({ id: 50, source: 'user', dir: good });
    expect(broken).toEqual([expect.objectContaining({ dir: missing, error: `no lab in ${missing}: it has no lab.yaml` })]);
  });
});

describe('a user lab in <dataDir>/labs/ on the engine', () => {
  let te: TestEngine;
  let good: string;
  beforeAll(async () => {
    const dataDir = tempDir('tb-user-labs-engine-');
    ({ good } = userLabs(path.join(dataDir, 'labs')));
    te = await startTestEngine({ dataDir });
  });
  afterAll(() => te?.stop());

  it('is listed with its source, starts, is checked and solved; the broken ones are listed and refused by name', async () => {
    const labs = te.engine.api.labs;
    const list = await labs.list({ attendee: 'uma' });
    expect(list.find((l) => l.id === 50)).toMatchObject({ slug: 'my-first-lab', source: 'user', dir: good, checks: 1 });
    expect(list.find((l) => l.id === 1 && !l.broken)).toMatchObject({ source: 'shipped' });
    expect(list.find((l) => l.slug === 'broken')?.broken).toMatch(/lab\.yaml:\d+:\d+: /);
    expect(list.find((l) => l.slug === 'my-own-start')?.broken).toContain('has the number 1 of the shipped lab');

    const started = await labs.start('my-first-lab', { attendee: 'uma' });
    expect(started.report.checks.map((c) => `${c.id} ${c.status}`)).toEqual(['thing missing']);
    const solved = await labs.solve('50', { attendee: 'uma' });
    expect(solved.run.status).toBe('passed');
    expect(solved.report.checks.map((c) => `${c.id} ${c.status}`)).toEqual(['thing done']);
    await expect(labs.start('broken', { attendee: 'uma' })).rejects.toThrow(/does not load:\n.*lab\.yaml:\d+:\d+/);
    await labs.reset('50', { attendee: 'uma' });
  });
});

describe('thingbench lab list --labs', () => {
  it('says where each lab comes from, lists the broken ones with why, and checks a user lab', async () => {
    const dataDir = tempDir('tb-user-labs-cli-');
    const dir = tempDir('tb-user-labs-cli-labs-');
    const { good, malformed } = userLabs(dir);
    const run = async (...args: string[]) => {
      const p = runCli(['lab', ...args, '--data-dir', dataDir]);
      const { code } = await p.exited;
      return { code, stdout: p.stdout(), stderr: p.stderr() };
    };
    const json = await run('list', '--json', '--labs', dir);
    expect(json.code, json.stderr).toBe(0);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ id: 1, slug: 'getting-set-up', source: 'shipped' });
    expect(lines.find((l) => l.id === 50)).toMatchObject({ slug: 'my-first-lab', source: 'user', dir: good });
    expect(lines.find((l) => l.slug === 'broken')).toMatchObject({ dir: malformed, broken: expect.stringMatching(/lab\.yaml:\d+:\d+: /) });

    const text = await run('list', '--labs', dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`50  my-first-lab`);
    expect(text.stdout).toContain(`    your lab: ${good}`);
    expect(text.stdout).toContain(`51  broken                       broken   your lab in ${malformed} does not load:\n    ${path.join(malformed, 'lab.yaml')}:`);

    const check = await run('check', 'my-first-lab', '--attendee', 'vic', '--labs', dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('✗ The thing l50-vic-mine exists (missing)');
    expect(check.stdout).toContain('Hint: Create it: $AWS iot create-thing --thing-name l50-vic-mine');
  }, 120_000);
});
