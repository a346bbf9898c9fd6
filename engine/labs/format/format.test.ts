import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError, type Problem } from '../../core/index.js';
import { findLab, loadCatalogue } from './catalogue.js';
import { envExports, labNames } from './env.js';
import { parseGuide } from './guide.js';
import { interpolate, interpolateHint } from './interpolate.js';
import { parseLab } from './load.js';
import { attendeeSlug, namePrefix, resourceName } from './names.js';
import { labSchemaText } from './write-schema.js';

const problemsOf = (text: string): string[] => {
  const problems: Problem[] = [];
  parseLab(text, 'lab.yaml', problems);
  return problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
};

const LAB = `id: 3
slug: demo
title: Demo
summary: A demo.
minutes: 5
names:
  THING: { kind: thing, base: lamp }
checks:
  - id: thing
    title: The thing \${THING} exists
    thing: { name: "\${THING}" }
`;

describe('lab.yaml', () => {
  it('the committed schema is the one the check kinds compose', () => {
    expect(readFileSync(new URL('../../../schemas/lab.schema.json', import.meta.url), 'utf8')).toBe(labSchemaText());
  });

  it('loads a lab with its names, checks and start steps', () => {
    const problems: Problem[] = [];
    const lab = parseLab(`${LAB}start:\n  - provision: { things: [{ name: "\${THING}" }] }\n`, 'lab.yaml', problems);
    expect(problems).toEqual([]);
    expect(lab!.names).toEqual([{ variable: 'THING', kind: 'thing', base: 'lamp' }]);
    expect(lab!.checks).toEqual([{ id: 'thing', title: 'The thing ${THING} exists', kind: 'thing', args: { name: '${THING}' }, where: 'lab.yaml:9:5' }]);
    expect(lab!.start).toMatchObject([{ step: 'provision', where: 'lab.yaml:13:5' }]);
  });

  it.each([
    ['an unknown check kind', `${LAB}  - id: x\n    title: X\n    thingy: { name: a }\n`, "14:5: unknown property 'thingy' in checks[1]"],
    ['two kinds in one check', `${LAB}  - id: x\n    title: X\n    thing: { name: a }\n    rule: { name: r }\n`, '12:5: checks[1]: one check kind per check, found thing and rule'],
    ['no kind', `${LAB}  - id: x\n    title: X\n`, '12:5: checks[1]: expected a check kind besides id, title and hint'],
    ['an unknown variable', `${LAB}  - id: x\n    title: X\n    thing: { name: "\${THNG}" }\n`, '14:20: checks[1].thing.name: unknown variable ${THNG}'],
    ['an id used twice', `${LAB}  - id: thing\n    title: X\n    thing: { name: a }\n`, "12:9: checks[1]: the check id 'thing' is used twice"],
    ['a bad argument', `${LAB}  - id: x\n    title: X\n    policy: { thing: a, action: publish, resource: "topic/a", decision: maybe }\n`, '14:73: checks[1].policy.decision: expected one of: "allow", "deny"'],
    ['a policy check without a principal', `${LAB}  - id: x\n    title: X\n    policy: { action: publish, resource: "topic/a", decision: deny }\n`, '14:13: checks[1].policy: give the principal: thing, certificateOf, principal or certificateWith'],
    ['a bad regex', `${LAB}  - id: x\n    title: X\n    message: { topic: a, regex: "(" }\n`, '14:14: checks[1].message: regex: not a valid RE2 regular expression'],
    ['an unknown start step', `${LAB}start:\n  - provison: {}\n`, "13:5: unknown step 'provison' in start[0]"],
    ['a name of a kind AWS has not', `${LAB.replace('kind: thing', 'kind: gadget')}`, '7:18: names.THING.kind: expected one of'],
    ['an omit test naming no check', `${LAB}tests:\n  omit: { step: 1, missing: nope }\n`, "13:9: tests.omit: no check has the id 'nope'"],
    ['a missing field', LAB.replace('minutes: 5\n', ''), "1:1: the document: missing required property 'minutes'"],
  ])('%s is a file:line:col problem', (_what, text, problem) => {
    expect(problemsOf(text).join('\n')).toContain(problem);
  });

  it('leaves AWS policy variables alone and replaces the lab variables', () => {
    const vars = { THING: 'l01-a-lamp', endpoint: { host: 'h', mqtts: 8883 } };
    expect(interpolate({ r: 'topic/device/${iot:Connection.Thing.ThingName}/${THING}', n: '${endpoint.mqtts}', t: '${topic(2)}' }, vars))
      .toEqual({ r: 'topic/device/${iot:Connection.Thing.ThingName}/l01-a-lamp', n: 8883, t: '${topic(2)}' });
    expect(interpolateHint('$AWS iot create-thing --thing-name $THING (${THING})', vars)).toBe('$AWS iot create-thing --thing-name l01-a-lamp (l01-a-lamp)');
  });
});

describe('names', () => {
  it.each([
    ['thing', 'ratchet', 'l01-alice-ratchet'],
    ['rule', 'hot_alert', 'l01_alice_hot_alert'],
    ['rule', 'hot-alert', 'l01_alice_hot_alert'],
    ['bucket', 'Raw_Data', 'l01-alice-raw-data'],
    ['policy', 'device', 'l01-alice-device'],
  ] as const)('a %s named %s is %s', (kind, base, name) => {
    expect(resourceName(kind, base, 1, 'Alice')).toBe(name);
  });

  it('makes attendee names safe and refuses names AWS would refuse', () => {
    expect(attendeeSlug('Jean-Luc Picard!')).toBe('jean-luc-picard');
    expect(() => attendeeSlug('!!!')).toThrow(EngineError);
    expect(() => resourceName('delivery', 'x'.repeat(60), 12, 'bob')).toThrow(/longer than AWS allows \(64 characters\)/);
    expect(namePrefix('rule', 12, 'bob')).toBe('l12_bob_');
  });

  it('exports the names and the environment as shell lines', () => {
    expect(envExports({ THING: 'l01-a-b', AWS: 'aws --endpoint-url http://127.0.0.1:1', Q: "it's" })).toBe(
      "export THING=l01-a-b\nexport AWS='aws --endpoint-url http://127.0.0.1:1'\nexport Q='it'\\''s'",
    );
  });
});

const GUIDE = `# Demo

## Goal

Do it.

## The pipeline

\`\`\`mermaid
flowchart LR
  a --> b
\`\`\`

## Steps

### Step 1: Make it

\`\`\`sh
echo one
\`\`\`

### Step 2: Break it

\`\`\`sh fails
false
\`\`\`

\`\`\`sh background
sleep 100
\`\`\`

\`\`\`json
{ "shown": true }
\`\`\`

## Why it works

Because.

## What it costs on AWS

Nothing.

## Clean up

\`\`\`sh
echo bye
\`\`\`
`;

describe('guide.md', () => {
  it('parses sections, steps and blocks with what the tests do with each', () => {
    const { guide, problems } = parseGuide(GUIDE, 'guide.md');
    expect(problems).toEqual([]);
    expect(guide.title).toBe('Demo');
    expect(guide.pipeline).toBe('flowchart LR\n  a --> b');
    expect(guide.steps.map((s) => [s.n, s.title, s.blocks.map((b) => b.mode)])).toEqual([[1, 'Make it', ['run']], [2, 'Break it', ['fails', 'background', 'show']]]);
    expect(guide.commands.map((c) => [c.section, c.step, c.mode, c.code, c.line])).toEqual([
      ['step', 1, 'run', 'echo one', 18], ['step', 2, 'fails', 'false', 24], ['step', 2, 'background', 'sleep 100', 28], ['cleanUp', undefined, 'run', 'echo bye', 46],
    ]);
  });

  it.each([
    ['a missing section', GUIDE.replace('## Why it works\n\nBecause.\n\n', ''), 'missing section "## Why it works"'],
    ['a step out of order', GUIDE.replace('Step 2: Break', 'Step 3: Break'), '22:1: "### Step 3: Break it": expected step 2 here'],
    ['a heading that is not a step', GUIDE.replace('### Step 2: Break it', '### Breaking it'), '22:1: "### Breaking it": expected "### Step 2: <what>"'],
    ['an unknown block mode', GUIDE.replace('sh fails', 'sh maybe'), '24:1: ```sh maybe: expected ```sh, ```sh background or ```sh fails'],
    ['a command outside the steps', GUIDE.replace('Do it.', 'Do it.\n\n```sh\nrm -rf x\n```'), 'a ```sh block outside'],
    ['sections out of order', GUIDE.replace('## Goal\n\nDo it.\n\n', '').replace('## Why it works', '## Goal\n\nDo it.\n\n## Why it works'), '"## Goal" is out of order'],
    ['no mermaid pipeline', GUIDE.replace('```mermaid', '```text'), '"## The pipeline" holds a ```mermaid flowchart'],
  ])('%s is a problem', (_what, text, problem) => {
    expect(parseGuide(text, 'guide.md').problems.map((p) => `${p.line}:${p.col}: ${p.message}`).join('\n')).toContain(problem);
  });
});

describe('the catalogue', () => {
  it('loads every shipped lab and finds one by id, slug or folder name', () => {
    const labs = loadCatalogue();
    expect(labs[0]).toMatchObject({ id: 1, slug: 'getting-set-up', title: 'Getting set up' });
    for (const ref of [1, '01', 'getting-set-up', '01-getting-set-up']) expect(findLab(labs, ref).id).toBe(1);
    expect(() => findLab(labs, 'nope')).toThrow(/no lab 'nope'; the labs are 1 \(getting-set-up\)/);
    expect(labNames(labs[0], { attendee: 'alice' })).toEqual({ THING: 'l01-alice-ratchet', OTHER_THING: 'l01-alice-other', POLICY: 'l01-alice-device' });
    expect(labs[0].tests.omit).toEqual([{ step: 5, missing: 'data' }]);
  });
});
