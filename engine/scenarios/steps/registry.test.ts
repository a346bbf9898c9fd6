import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { STEPS, STEP_NAMES, stepDefinition } from './index.js';

describe('step registry', () => {
  it('names each step once', () => {
    expect(new Set(STEP_NAMES).size).toBe(STEP_NAMES.length);
    for (const name of STEP_NAMES) expect(stepDefinition(name)?.name).toBe(name);
    expect(stepDefinition('no-such-step')).toBeUndefined();
  });

  it.each(STEPS.map((s) => [s.name, s] as const))('%s has a summary and a schema ajv compiles strictly', (_name, step) => {
    expect(step.summary).toMatch(/\.$/);
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    expect(() => ajv.compile(step.schema)).not.toThrow();
  });

  it('validates arguments with the step schemas', () => {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const publish = ajv.compile(stepDefinition('publish')!.schema);
    expect(publish({ topic: 'a/b', payload: { t: 1 }, qos: 1 })).toBe(true);
    expect(publish({ payload: 1 })).toBe(false);
    expect(publish({ topic: 'a', qos: 2 })).toBe(false);
    const wait = ajv.compile(stepDefinition('wait')!.schema);
    expect(wait('5s')).toBe(true);
    expect(wait({ for: 250 })).toBe(true);
    expect(wait('soon')).toBe(false);
  });
});
