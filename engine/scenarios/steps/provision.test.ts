import { describe, expect, it } from 'vitest';
import { RunVariables } from '../run/variables.js';
import { interpolateKnown, unknownNames } from './provision.js';

describe('provision: interpolation in policies and rules', () => {
  const vars = new RunVariables({ stage: 'v1', limit: 30, cert: { certificateArn: 'arn:aws:iot:us-east-1:1:cert/abc' } });

  it('replaces run variables and keeps AWS policy variables and substitution templates', () => {
    expect(interpolateKnown(vars, {
      Resource: 'arn:aws:iot:us-east-1:1:topic/${iot:Connection.Thing.ThingName}/${stage}/*',
      topic: 'out/${topic(2)}/${stage}',
      sql: "SELECT * FROM 'in/+' WHERE t > ${limit}",
      principal: '${cert.certificateArn}',
      unknown: '${not_a_variable} ${aws:SourceIp}',
      list: ['${stage}', 3, true, null],
    })).toEqual({
      Resource: 'arn:aws:iot:us-east-1:1:topic/${iot:Connection.Thing.ThingName}/v1/*',
      topic: 'out/${topic(2)}/v1',
      sql: "SELECT * FROM 'in/+' WHERE t > 30",
      principal: 'arn:aws:iot:us-east-1:1:cert/abc',
      unknown: '${not_a_variable} ${aws:SourceIp}',
      list: ['v1', 3, true, null],
    });
  });

  it('finds bare names in a policy that are no run variable', () => {
    expect(unknownNames(vars, { a: '${stage} ${iot:ClientId} ${stge} ${cert.certificateArn} ${nope.x}', b: ['${aws:SourceIp}'] })).toEqual(['stge', 'nope.x']);
  });
});
