import { describe, it, expect } from 'vitest';
import { LimitArgError, limitNames, parseLimitArgs } from './limit-args.js';

describe('parseLimitArgs', () => {
  it('splits broker and shadow. limits; 0 is kept (it turns a limit off) and a later name wins', () => {
    expect(parseLimitArgs(['maxPayloadBytes=1000', 'publishesPerSecond=0', 'shadow.inFlightPerConnection=3', 'maxPayloadBytes=2000'])).toEqual({
      broker: { maxPayloadBytes: 2000, publishesPerSecond: 0 },
      shadow: { inFlightPerConnection: 3 },
    });
    expect(parseLimitArgs([])).toEqual({ broker: {}, shadow: {} });
  });

  it('accepts every broker and shadow limit', () => {
    expect(limitNames).toEqual(expect.arrayContaining(['maxPayloadBytes', 'keepAliveMax', 'backlogPerSecond', 'shadow.requestsPerSecondPerThing']));
    for (const name of limitNames) expect(() => parseLimitArgs([`${name}=1`])).not.toThrow();
  });

  it.each([
    ['maxPayload=1', /unknown limit 'maxPayload'; valid names: maxPayloadBytes, .*shadow\.requestsPerSecondPerThing/],
    ['requestsPerSecondPerThing=1', /unknown limit 'requestsPerSecondPerThing'/], // shadow limits need their prefix
    ['maxPayloadBytes', /must be NAME=VALUE, not 'maxPayloadBytes'/],
    ['maxPayloadBytes=-1', /maxPayloadBytes must be a non-negative integer .* not '-1'/],
    ['maxPayloadBytes=1.5', /not '1\.5'/],
    ['maxPayloadBytes=', /not ''/],
    ['maxPayloadBytes=1e3', /not '1e3'/],
    ['maxPayloadBytes=99999999999999999999', /not '99999999999999999999'/],
  ])('refuses %s', (arg, message) => {
    expect(() => parseLimitArgs([arg])).toThrow(LimitArgError);
    expect(() => parseLimitArgs([arg])).toThrow(message);
  });
});
