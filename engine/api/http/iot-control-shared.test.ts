import { describe, it, expect } from 'vitest';
import { EngineError } from '../../core/index.js';
import { awsErrorResponse, iotControlErrors, toAwsError } from './aws-errors.js';
import { arnResource, decodeNextToken, encodeNextToken, maxResults } from './iot-control-shared.js';

describe('control-plane error table [CP-model]', () => {
  it.each([
    [new EngineError('NotFound', 'x'), 404, 'ResourceNotFoundException'],
    [new EngineError('AlreadyExists', 'x'), 409, 'ResourceAlreadyExistsException'],
    [new EngineError('Conflict', 'x', { reason: 'version' }), 409, 'VersionConflictException'],
    [new EngineError('Conflict', 'x', { reason: 'deleteConflict' }), 409, 'DeleteConflictException'],
    [new EngineError('Conflict', 'x', { reason: 'certificateState' }), 406, 'CertificateStateException'],
    [new EngineError('Conflict', 'x', { reason: 'no such reason' }), 409, 'ConflictingResourceUpdateException'],
    [new EngineError('InvalidInput', 'x'), 400, 'InvalidRequestException'],
    [new EngineError('InvalidInput', 'x', { reason: 'query' }), 400, 'InvalidQueryException'],
    [new EngineError('InvalidInput', 'x', { reason: 'malformedPolicy' }), 400, 'MalformedPolicyException'],
    [new EngineError('InvalidInput', 'x', { reason: 'limitExceeded' }), 410, 'LimitExceededException'],
    [new EngineError('Throttled', 'x'), 400, 'ThrottlingException'],
    [new EngineError('Unavailable', 'x'), 503, 'ServiceUnavailableException'],
  ])('%s → %i %s', (err, status, type) => {
    expect(toAwsError(err, iotControlErrors)).toMatchObject({ status, type, message: 'x', unexpected: false });
  });

  it('copies resourceId and resourceArn into the body of ResourceAlreadyExistsException', () => {
    const shape = toAwsError(new EngineError('AlreadyExists', 'exists', { resourceId: 'id-1', resourceArn: 'arn:x', other: 'hidden' }), iotControlErrors);
    expect(JSON.parse(awsErrorResponse(shape).body.toString())).toEqual({ message: 'exists', resourceId: 'id-1', resourceArn: 'arn:x' });
  });

  it('keeps internal messages private', () => {
    expect(toAwsError(new EngineError('Internal', 'secret'), iotControlErrors)).toMatchObject({ status: 500, message: 'Internal failure', unexpected: true });
  });
});

describe('shared control-plane helpers', () => {
  it('page tokens round-trip and are bound to their operation', () => {
    const token = encodeNextToken('things', 'lamp:1')!;
    expect(decodeNextToken('things', token)).toBe('lamp:1');
    expect(() => decodeNextToken('principals', token)).toThrow('nextToken is invalid');
    expect(() => decodeNextToken('things', 'not a token!')).toThrow('nextToken is invalid');
    expect(encodeNextToken('things', undefined)).toBeUndefined();
    expect(decodeNextToken('things', '')).toBeUndefined();
  });

  it('maxResults: default, range, integers only', () => {
    expect(maxResults(null, 250, 50)).toBe(50);
    expect(maxResults('250', 250, 50)).toBe(250);
    expect(maxResults(1, 100, 100)).toBe(1);
    expect(() => maxResults('0', 250, 50)).toThrow('greater than or equal to 1');
    expect(() => maxResults(101, 100, 100)).toThrow('less than or equal to 100');
    expect(() => maxResults('1.5', 250, 50)).toThrow('must be an integer');
  });

  it('arnResource reads local and foreign IoT ARNs of one type', () => {
    expect(arnResource('arn:aws:iot:us-east-1:000000000000:thinggroup/Kitchen', 'thinggroup')).toBe('Kitchen');
    expect(arnResource('arn:aws:iot:eu-west-1:123456789012:thing/lamp', 'thing')).toBe('lamp');
    expect(arnResource('arn:aws:iot:eu-west-1:123456789012:thing/lamp', 'thinggroup')).toBeUndefined();
    expect(arnResource('lamp', 'thing')).toBeUndefined();
  });
});
