import { describe, it, expect } from 'vitest';
import { EngineError, type ErrorCode } from '../../core/index.js';
import { AwsError, awsErrorResponse, rawAwsErrorResponse, toAwsError } from './aws-errors.js';

describe('toAwsError (iot-data table)', () => {
  const cases: [ErrorCode, number, string][] = [
    ['NotFound', 404, 'ResourceNotFoundException'],
    ['AlreadyExists', 409, 'ConflictException'],
    ['Conflict', 409, 'ConflictException'],
    ['InvalidInput', 400, 'InvalidRequestException'],
    ['Unauthorized', 401, 'UnauthorizedException'],
    ['Forbidden', 403, 'ForbiddenException'],
    ['TooLarge', 413, 'RequestEntityTooLargeException'],
    ['Throttled', 429, 'ThrottlingException'],
    ['Unavailable', 503, 'ServiceUnavailableException'],
  ];
  it.each(cases)('%s → %i %s, message kept', (code, status, type) => {
    expect(toAwsError(new EngineError(code, 'msg'))).toEqual({ status, type, message: 'msg', unexpected: false });
  });

  it('EngineError Internal → 500 with a generic message, flagged for logging', () => {
    expect(toAwsError(new EngineError('Internal', 'db path /secret broke')))
      .toEqual({ status: 500, type: 'InternalFailureException', message: 'Internal failure', unexpected: true });
  });

  it.each([new Error('boom at /home/x'), new TypeError('x is undefined'), 'a string', undefined, { code: 'NotFound' }])(
    'unknown error %# → 500 InternalFailureException without leaking', (err) => {
      const shape = toAwsError(err);
      expect(shape).toEqual({ status: 500, type: 'InternalFailureException', message: 'Internal failure', unexpected: true });
    });

  it('passes AwsError through', () => {
    expect(toAwsError(new AwsError(405, 'MethodNotAllowedException', 'no'))).toEqual({
      status: 405, type: 'MethodNotAllowedException', message: 'no', unexpected: false,
    });
  });

  it('uses a custom table for other edges', () => {
    const table = { ...Object.fromEntries(cases.map(([c, s, t]) => [c, { status: s, type: t }])), Internal: { status: 500, type: 'InternalError' },
      NotFound: { status: 400, type: 'QueueDoesNotExist' } } as Parameters<typeof toAwsError>[1];
    expect(toAwsError(new EngineError('NotFound', 'q'), table)).toMatchObject({ status: 400, type: 'QueueDoesNotExist' });
  });
});

describe('awsErrorResponse', () => {
  it('sets the x-amzn-ErrorType header with a trailing colon and a JSON message body', () => {
    const { headers, body } = awsErrorResponse({ status: 404, type: 'ResourceNotFoundException', message: 'nope' }, 'rid');
    expect(headers['x-amzn-ErrorType']).toBe('ResourceNotFoundException:');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-amzn-RequestId']).toBe('rid');
    expect(Number(headers['content-length'])).toBe(body.length);
    expect(JSON.parse(body.toString())).toEqual({ message: 'nope' });
  });

  it('builds a raw HTTP/1.1 response for parser errors', () => {
    const raw = rawAwsErrorResponse({ status: 400, type: 'InvalidRequestException', message: 'bad' });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw).toContain('x-amzn-ErrorType: InvalidRequestException:\r\n');
    expect(raw).toContain('connection: close\r\n');
    expect(raw.split('\r\n\r\n')[1]).toBe('{"message":"bad"}');
  });
});
