/**
 * The lab file's JSON Schema (`schemas/lab.schema.json`, written by `npx tsx engine/labs/format/write-schema.ts`),
 * composed from every check kind's own schema; `start:` holds scenario steps, checked by the scenario steps' schemas.
 */
import { scenarioSchema } from '../../scenarios/index.js';
import { CHECK_KINDS } from '../checks/index.js';
import { NAME_KINDS } from './names.js';

const VARIABLE = '^[A-Z][A-Z0-9_]*$';

/**
 * `published`: the committed file refers to `scenario.schema.json` for the start steps (so a new scenario step does
 * not change it); the engine validates with the scenario definitions embedded.
 */
export function buildLabSchema(published = false): Record<string, unknown> {
  const scenario = scenarioSchema as { properties: Record<string, unknown>; definitions: Record<string, unknown> };
  const checkProps: Record<string, unknown> = {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', description: 'A short kebab-case id, unique in the lab.' },
    title: { type: 'string', minLength: 1, description: 'What the attendee sees: "The thing ${THING} exists".' },
    hint: { type: 'string', minLength: 1, description: 'Shown when this is the first check not done: where to look, what to type.' },
  };
  for (const k of CHECK_KINDS) checkProps[k.kind] = { description: `${k.summary}${k.localOnly ? ' Local-only: skipped on other targets.' : ''}`, ...k.schema };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://thingbench.dev/schemas/lab.schema.json',
    title: 'Thingbench lab',
    description: 'A workshop lab: its names, starting state and checks (the guide is guide.md, the reference solution solution.yaml).',
    type: 'object',
    required: ['id', 'slug', 'title', 'summary', 'minutes', 'checks'],
    additionalProperties: false,
    properties: {
      id: { type: 'integer', minimum: 1, maximum: 99, description: 'The lab number: `lab start 1`.' },
      slug: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', description: 'The folder name without its number: getting-set-up.' },
      title: { type: 'string', minLength: 1 },
      summary: { type: 'string', minLength: 1 },
      minutes: { type: 'integer', minimum: 1, description: 'How long it takes an attendee.' },
      cost: { type: 'string', minLength: 1, description: 'One line: what running the lab costs on AWS.' },
      names: {
        type: 'object',
        description: "Every resource the lab makes or expects, by variable: each becomes a legal, per-attendee, per-lab name.",
        propertyNames: { pattern: VARIABLE },
        additionalProperties: {
          type: 'object', required: ['kind', 'base'], additionalProperties: false,
          properties: {
            kind: { enum: [...NAME_KINDS] },
            base: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'lowercase letters, digits, _ and -: ratchet.' },
          },
        },
      },
      devices: published ? { $ref: 'scenario.schema.json#/properties/devices' } : scenario.properties.devices,
      start: { $ref: published ? 'scenario.schema.json#/definitions/steps' : '#/definitions/steps', description: 'The starting state: scenario steps run by lab start (what they make stays).' },
      checks: {
        type: 'array', minItems: 1,
        items: {
          type: 'object', required: ['id', 'title'], additionalProperties: false,
          description: 'One check: id, title, hint, and its kind as the only other key.',
          properties: checkProps,
        },
      },
      tests: {
        type: 'object', additionalProperties: false,
        properties: {
          omit: {
            description: 'Leaving out this guide step leaves that check missing (the test suite proves it).',
            anyOf: [{ $ref: '#/definitions/omit' }, { type: 'array', items: { $ref: '#/definitions/omit' } }],
          },
          localOnly: { type: 'string', minLength: 1, description: 'Why the lab runs only on the local engine (CoAP devices, delivery classes): the suite does not run it against another target.' },
        },
      },
    },
    definitions: {
      ...(published ? {} : scenario.definitions),
      omit: {
        type: 'object', required: ['step', 'missing'], additionalProperties: false,
        properties: { step: { type: 'integer', minimum: 1 }, missing: { type: 'string', minLength: 1, description: 'A check id.' } },
      },
    },
  };
}

export const labSchema = buildLabSchema();
