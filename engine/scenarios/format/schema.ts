/**
 * The scenario file's JSON Schema, composed from every registered step's own schema
 * (`schemas/scenario.schema.json`, written by `npx tsx engine/scenarios/format/write-schema.ts`).
 */
import { STEPS } from '../steps/index.js';
import { durationSchema } from '../steps/args.js';

const NAME = '^[A-Za-z_][\\w-]*$';

export function buildScenarioSchema(): Record<string, unknown> {
  const stepProps: Record<string, unknown> = {
    name: { type: 'string', minLength: 1, description: 'A label for the step in reports.' },
  };
  for (const s of STEPS) stepProps[s.name] = { description: s.summary, ...s.schema };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://thingbench.dev/schemas/scenario.schema.json',
    title: 'Thingbench scenario',
    description: 'A scripted, repeatable run against a target: devices, variables, steps and expectations.',
    type: 'object',
    required: ['name', 'steps'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      description: { type: 'string' },
      target: { type: 'string', minLength: 1, description: 'A target profile (thingbench target list); the local engine by default.' },
      seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Fixes every generator, id and jitter; --seed overrides it.' },
      deterministic: { type: 'boolean', description: 'Run the devices on a virtual clock that moves only while steps wait: with the seed, two runs give the same messages in the same order per device.' },
      timeout: { ...durationSchema, description: 'Fails the run when its steps take longer (cleanup still runs).' },
      variables: {
        type: 'object',
        description: 'Values steps use as ${name}.',
        propertyNames: { pattern: NAME },
      },
      devices: {
        type: 'object',
        description: 'Virtual devices and fleets by name, started by the start step.',
        propertyNames: { pattern: NAME },
        additionalProperties: {
          type: 'object',
          required: ['model'],
          additionalProperties: false,
          properties: {
            model: { type: 'string', minLength: 1, description: 'A built-in or custom model name, or a model file relative to this file.' },
            count: { type: 'integer', minimum: 1, maximum: 100000, description: '1 (default): one device; more: a fleet.' },
            seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
            transport: { enum: ['mqtt', 'mqtts', 'ws'], description: "The model's transport by default." },
            thingName: {
              type: 'string', minLength: 1, maxLength: 128,
              description: "Replaces the model's thing name (and its client id, when the model derives it from the thing name): run variables as ${NAME}; for a fleet, a model template such as \"${prefix}-{index + 1}\".",
            },
          },
        },
      },
      steps: { $ref: '#/definitions/steps' },
      cleanup: { $ref: '#/definitions/steps', description: 'Steps that always run at the end, also after a failure or Ctrl-C.' },
    },
    definitions: {
      steps: { type: 'array', items: { $ref: '#/definitions/step' } },
      step: {
        type: 'object',
        description: 'One step: its name as the only key (besides an optional name: label).',
        minProperties: 1,
        additionalProperties: false,
        properties: stepProps,
      },
    },
  };
}

export const scenarioSchema = buildScenarioSchema();
