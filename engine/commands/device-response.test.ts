import { describe, expect, it } from 'vitest';
import { checkTransition, parseDeviceUpdate, ResponseRejected } from './device-response.js';
import type { ExecutionStatus } from './command-types.js';

describe('parseDeviceUpdate', () => {
  it('reads status, statusReason and result values (s, b, bin as base64 or bytes)', () => {
    expect(parseDeviceUpdate({ status: 'SUCCEEDED', statusReason: { reasonCode: 'OK_1', reasonDescription: 'fine' }, result: { a: { s: 'x' }, b: { b: false }, c: { bin: 'AQI=' }, d: { bin: Buffer.from([1, 2]) } } }))
      .toEqual({ status: 'SUCCEEDED', statusReason: { reasonCode: 'OK_1', reasonDescription: 'fine' }, result: { a: { S: 'x' }, b: { B: false }, c: { BIN: 'AQI=' }, d: { BIN: 'AQI=' } } });
  });

  it.each([
    [[], /object/], [{ status: 'CREATED' }, /status must be one of/], [{ status: 'DONE' }, /status/],
    [{ status: 'FAILED', statusReason: { reasonCode: 'no spaces' } }, /reasonCode/],
    [{ status: 'FAILED', statusReason: { reasonCode: 'X', reasonDescription: 'x'.repeat(1025) } }, /reasonDescription/],
    [{ status: 'SUCCEEDED', result: { a: 'plain' } }, /exactly one/], [{ status: 'SUCCEEDED', result: { a: { n: 1 } } }, /not a valid value/],
  ])('refuses %j as InvalidRequest', (doc, message) => {
    expect(() => parseDeviceUpdate(doc)).toThrow(message);
    try {
      parseDeviceUpdate(doc);
    } catch (e) {
      expect((e as ResponseRejected).code).toBe('InvalidRequest');
    }
  });
});

describe('checkTransition', () => {
  const code = (current: { status: ExecutionStatus; timedOutByService?: boolean }, next: ExecutionStatus) => {
    try {
      checkTransition(current, next);
      return 'ok';
    } catch (e) {
      return (e as ResponseRejected).code;
    }
  };
  it.each([
    [{ status: 'CREATED' }, 'IN_PROGRESS', 'ok'], [{ status: 'CREATED' }, 'SUCCEEDED', 'ok'], [{ status: 'IN_PROGRESS' }, 'IN_PROGRESS', 'ok'],
    [{ status: 'IN_PROGRESS' }, 'REJECTED', 'ok'], [{ status: 'SUCCEEDED' }, 'FAILED', 'TerminalStateReached'],
    [{ status: 'SUCCEEDED' }, 'IN_PROGRESS', 'InvalidStateTransition'], [{ status: 'TIMED_OUT' }, 'SUCCEEDED', 'TerminalStateReached'],
    [{ status: 'TIMED_OUT', timedOutByService: true }, 'SUCCEEDED', 'ok'], [{ status: 'TIMED_OUT', timedOutByService: true }, 'TIMED_OUT', 'ok'],
    [{ status: 'TIMED_OUT', timedOutByService: true }, 'IN_PROGRESS', 'InvalidStateTransition'],
  ] as const)('%j → %s: %s', (current, next, expected) => expect(code(current, next)).toBe(expected));
});
