import { describe, expect, it } from 'vitest';
import { parentsFirst, provisionProblems, provisionRefusal } from './provisioner.js';

describe('provisioning plans', () => {
  it('creates parent groups before their children, otherwise in the order given', () => {
    const order = parentsFirst([
      { name: 'room', parent: 'floor' }, { name: 'other' }, { name: 'floor', parent: 'building' }, { name: 'building' }, { name: 'outside', parent: 'elsewhere' },
    ]).map((g) => g.name);
    expect(order).toEqual(['building', 'floor', 'room', 'other', 'outside']);
    expect(parentsFirst([{ name: 'a', parent: 'b' }, { name: 'b', parent: 'a' }]).map((g) => g.name)).toEqual(['b', 'a']);
  });

  it('finds names given twice and principals that are neither a certificate of the step nor an ARN', () => {
    expect(provisionProblems({
      things: [{ name: 't', principals: ['c1', 'arn:aws:iot:us-east-1:1:cert/x', 'nope'] }, { name: 't' }],
      certificates: [{ name: 'c1' }],
      functions: [{ name: 'f' }],
    })).toEqual([
      "thing 't' is named twice",
      "thing 't': principal 'nope' is neither a certificate of this step nor an ARN (an earlier step's certificate is ${name.certificateArn})",
      "function 'f': give either file or code",
    ]);
    expect(provisionProblems({ sinks: [{ kind: 'queue', name: 'q' }, { kind: 'table', name: 'q' }] })).toEqual([]);
  });

  it('says before the run what a target lacks', () => {
    const local = { name: 'local', kind: 'local' as const, api: {} as never, aws: { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }, capabilities: { shadows: true, controlPlane: true, sinks: true, engineRestart: true } };
    expect(provisionRefusal({ sinks: [{ kind: 'queue', name: 'q' }], things: [{ name: 't' }] }, local)).toBeNull();
    expect(provisionRefusal({}, { ...local, kind: 'mqtt', aws: undefined, api: undefined, capabilities: { ...local.capabilities, controlPlane: false } })).toBeNull();
  });
});
