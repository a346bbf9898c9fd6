/**
 * DynamoDB's time to live [DynamoDB DG: "Using time to live (TTL) in DynamoDB"]: UpdateTimeToLive turns it on for
 * one attribute (or off), DescribeTimeToLive tells which. The table store deletes expired items in the background.
 * Unlike AWS, the status is ENABLED (or DISABLED) at once, never ENABLING, and changing it twice within an hour is
 * allowed.
 */
import { serviceError } from '../protocols/index.js';
import type { DynamoTablesPort } from './dynamodb-service.js';

const invalid = (message: string) => serviceError('ValidationException', message);
const notFound = (name: string) => serviceError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);

function ttlOf(port: DynamoTablesPort, name: string): string | undefined {
  const info = port.list('table').find((t) => t.name === name);
  if (!info) throw notFound(name);
  return (info.options as { ttlAttribute?: string }).ttlAttribute;
}

export const updateTimeToLive = (port: DynamoTablesPort) => async (input: { TableName: string; TimeToLiveSpecification?: { Enabled?: boolean; AttributeName?: string } }) => {
  const spec = input.TimeToLiveSpecification;
  if (!spec) throw invalid("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
  const name = spec.AttributeName;
  if (typeof name !== 'string' || name.length < 1 || name.length > 255) {
    throw invalid(`1 validation error detected: Value '${String(name)}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length ${typeof name === 'string' && name.length > 255 ? 'less than or equal to 255' : 'greater than or equal to 1'}`);
  }
  const current = ttlOf(port, input.TableName);
  if (spec.Enabled) {
    if (current === name) throw invalid('TimeToLive is already enabled');
    if (current !== undefined) throw invalid(`TimeToLive is active on a different AttributeName: current AttributeName is ${current}`);
    await port.setTimeToLive(input.TableName, name);
  } else {
    if (current === undefined) throw invalid('TimeToLive is already disabled');
    await port.setTimeToLive(input.TableName, undefined);
  }
  return { TimeToLiveSpecification: { Enabled: !!spec.Enabled, AttributeName: name } };
};

export const describeTimeToLive = (port: DynamoTablesPort) => (input: { TableName: string }) => {
  const current = ttlOf(port, input.TableName);
  return { TimeToLiveDescription: current === undefined ? { TimeToLiveStatus: 'DISABLED' } : { TimeToLiveStatus: 'ENABLED', AttributeName: current } };
};
