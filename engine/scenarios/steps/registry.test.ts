import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { scenarioSchema } from '../format/schema.js';
import { STEPS, STEP_NAMES, stepDefinition } from './index.js';

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addSchema(scenarioSchema, 'scenario');
const validatorOf = (step: string) => ajv.getSchema(`scenario#/definitions/step/properties/${step}`)!;

describe('step registry', () => {
  it('names each step once', () => {
    expect(new Set(STEP_NAMES).size).toBe(STEP_NAMES.length);
    for (const name of STEP_NAMES) expect(stepDefinition(name)?.name).toBe(name);
    expect(stepDefinition('no-such-step')).toBeUndefined();
  });

  it.each(STEPS.map((s) => [s.name, s] as const))('%s has a summary and a schema ajv compiles strictly within the scenario schema', (name, step) => {
    expect(step.summary).toMatch(/\.$/);
    expect(validatorOf(name)).toBeTypeOf('function');
  });

  it('validates arguments with the step schemas', () => {
    const publish = validatorOf('publish');
    expect(publish({ topic: 'a/b', payload: { t: 1 }, qos: 1 })).toBe(true);
    expect(publish({ payload: 1 })).toBe(false);
    expect(publish({ topic: 'a', qos: 2 })).toBe(false);
    const wait = validatorOf('wait');
    expect(wait('5s')).toBe(true);
    expect(wait({ for: 250 })).toBe(true);
    expect(wait('soon')).toBe(false);
    const repeat = validatorOf('repeat');
    expect(repeat({ times: 2, steps: [{ wait: '1s' }] })).toBe(true);
    expect(repeat({ times: 2, steps: [{ nope: 1 }] })).toBe(false);
  });
});
