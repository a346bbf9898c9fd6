import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../core/index.js';
import { STEP_NAMES } from '../steps/index.js';
import { loadScenario } from './load.js';
import { scenarioSchemaText } from './write-schema.js';

const problemsOf = (text: string, files: Record<string, string> = {}): string[] => {
  try {
    loadScenario(text, '/s/main.yaml', { readFile: (p) => { if (p in files) return files[p]; throw new Error('ENOENT'); } });
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('InvalidInput');
    return (e as EngineError).message.split('\n');
  }
  throw new Error('loaded without problems');
};

describe('scenario files', () => {
  it('the published schema is the one the steps compose (npx tsx engine/scenarios/format/write-schema.ts)', () => {
    expect(readFileSync(new URL('../../../schemas/scenario.schema.json', import.meta.url), 'utf8')).toBe(scenarioSchemaText());
  });

  it('loads a scenario: devices, variables, steps with labels and positions, nested steps, cleanup', () => {
    const s = loadScenario([
      'name: demo',
      'seed: 7',
      'deterministic: true',
      'timeout: 2m',
      'variables: { limit: 30 }',
      'devices:',
      '  sensor: { model: generic-sensor }',
      '  fleet: { model: wind-turbine, count: 3, transport: ws }',
      'steps:',
      '  - start: [sensor, fleet]',
      '  - name: hot reading',
      '    expect: { topic: "device/+/sensor/+/v1", where: [{ path: $.temperature, op: ">", value: "${limit}" }], within: 5s }',
      '  - repeat:',
      '      times: 2',
      '      steps:',
      '        - publish: { topic: a/b, payload: { n: "${i}" } }',
      'cleanup:',
      '  - stop: sensor',
    ].join('\n'), 'demo.yaml');
    expect(s).toMatchObject({ name: 'demo', seed: 7, deterministic: true, timeoutMs: 120_000, variables: { limit: 30 } });
    expect(s.devices).toEqual([
      { name: 'sensor', model: 'generic-sensor', count: 1, where: 'demo.yaml:7:3' },
      { name: 'fleet', model: 'wind-turbine', count: 3, transport: 'ws', where: 'demo.yaml:8:3' },
    ]);
    expect(s.steps.map((c) => [c.step, c.label, c.where])).toEqual([
      ['start', undefined, 'demo.yaml:10:5'],
      ['expect', 'hot reading', 'demo.yaml:12:5'],
      ['repeat', undefined, 'demo.yaml:13:5'],
    ]);
    const nested = (s.steps[2].args as { steps: Array<{ step: string; where: string }> }).steps;
    expect(nested).toEqual([{ step: 'publish', args: { topic: 'a/b', payload: { n: '${i}' } }, where: 'demo.yaml:16:11' }]);
    expect(s.cleanup).toEqual([{ step: 'stop', args: 'sensor', where: 'demo.yaml:18:5' }]);
  });

  it('reports every problem at once as file:line:col with what was expected', () => {
    expect(problemsOf([
      'name: bad',
      'seeed: 1',
      'devices:',
      '  s: { model: generic-sensor, count: 0 }',
      'steps:',
      '  - publish: { qos: 3 }',
      '  - expct: { topic: a }',
      '  - wait: soon',
      '  - {}',
    ].join('\n'))).toEqual([
      "/s/main.yaml:2:1: unknown property 'seeed' in the document; expected one of: name, description, target, seed, deterministic, timeout, variables, devices, steps, cleanup",
      '/s/main.yaml:4:38: devices.s.count: must be >= 1',
      "/s/main.yaml:6:14: steps[0].publish: missing required property 'topic'",
      '/s/main.yaml:6:21: steps[0].publish.qos: expected one of: 0, 1',
      `/s/main.yaml:7:5: unknown step 'expct' in steps[1]; the steps are: ${STEP_NAMES.join(', ')}`,
      '/s/main.yaml:8:11: steps[2].wait: expected a duration (250ms, 5s, 1.5m, 2h, or a number of milliseconds), or { for: duration }',
      '/s/main.yaml:9:5: steps[3]: expected a step, such as publish: or expect:',
    ]);
  });

  it('checks what the schema cannot: one step per item, device names, filters, JSONPath, regex, faults', () => {
    expect(problemsOf([
      'name: bad',
      'devices: { s: { model: generic-sensor } }',
      'steps:',
      '  - { publish: { topic: a }, wait: 1s }',
      '  - start: [s, t]',
      '  - expect: { topic: "a/#/b", where: [{ path: "$.a[?(@.x)]" }], regex: "(" }',
      '  - fault: { kind: partition, device: s }',
      '  - publish: { topic: "a/+" }',
    ].join('\n'))).toEqual([
      '/s/main.yaml:4:5: steps[0]: one step per list item, found publish and wait',
      "/s/main.yaml:5:12: no device 't' is declared; the devices are s",
      "/s/main.yaml:6:13: expect: 'a/#/b' is not a valid topic filter ('#' only last and alone in its level, '+' alone in its level)",
      `/s/main.yaml:6:13: expect: JSONPath "$.a[?(@.x)]": expected [n], [*] or ['name'] at character 4`,
      '/s/main.yaml:7:12: fault: a partition fault needs durationMs',
      '/s/main.yaml:8:14: publish: the topic may not contain + or #',
    ]);
  });

  it('reports bad YAML with its position', () => {
    expect(problemsOf('name: x\nsteps: [\n')[0]).toMatch(/^\/s\/main\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('loads included files, reports their problems in their own file, and detects cycles', () => {
    const files = {
      '/s/part.yaml': 'name: part\nvariables: { who: x }\nsteps:\n  - publish: { topic: "hello/${who}" }\n',
      '/s/broken.yaml': 'name: broken\nsteps:\n  - wait: never\n',
      '/s/a.yaml': 'name: a\nsteps:\n  - include: b.yaml\n',
      '/s/b.yaml': 'name: b\nsteps:\n  - include: a.yaml\n',
    };
    const ok = loadScenario('name: main\nsteps:\n  - include: { file: part.yaml, vars: { who: y } }\n', '/s/main.yaml', { readFile: (p) => files[p as keyof typeof files] });
    expect(ok.includes.get('/s/part.yaml')?.steps[0]).toMatchObject({ step: 'publish', where: '/s/part.yaml:4:5' });
    expect(problemsOf('name: main\nsteps:\n  - include: broken.yaml\n  - include: missing.yaml\n  - include: a.yaml\n', files)).toEqual([
      '/s/broken.yaml:3:11: steps[0].wait: expected a duration (250ms, 5s, 1.5m, 2h, or a number of milliseconds), or { for: duration }',
      "/s/main.yaml:4:14: no scenario file 'missing.yaml' (looked for /s/missing.yaml)",
      '/s/b.yaml:3:14: include cycle: a.yaml → b.yaml → a.yaml',
    ]);
  });

  it("checks an included file's device names against the scenario that is run", () => {
    const files = { '/s/part.yaml': 'name: part\nsteps:\n  - start: pump\n  - stop: motor\n' };
    expect(problemsOf('name: main\ndevices: { motor: { model: vibration-motor } }\nsteps:\n  - include: part.yaml\n', files)).toEqual([
      "/s/part.yaml:3:12: no device 'pump' is declared; the devices are motor",
    ]);
  });

  it('leaves values with variables to be checked when the step runs', () => {
    const s = loadScenario('name: v\nsteps:\n  - publish: { topic: t, qos: "${q}" }\n  - wait: "${d}"\n', 'v.yaml');
    expect(s.steps).toHaveLength(2);
  });
});
