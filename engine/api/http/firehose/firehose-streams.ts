/**
 * Firehose's delivery stream operations over the sink delivery streams: CreateDeliveryStream (DirectPut into S3),
 * DescribeDeliveryStream, ListDeliveryStreams, UpdateDestination and DeleteDeliveryStream, so a delivery stream
 * created here is the one a rule's `firehose` action writes to and the UI shows.
 */
import type { JsonObject, JsonValue, SinkInfo, SinkKind, SinkOptions } from '../../../contract/index.js';
import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';
import { tagProblem, type SinkTags } from '../../../sinks/index.js';
import { asTagMap, firehoseTagRefusal } from './firehose-tags.js';
import { DESTINATION_ID, describeDestination, destinationOptions, invalidArgument, validation, type S3Destination } from './firehose-destination.js';

export { invalidArgument, validation } from './firehose-destination.js';

export interface FirehosePort {
  create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo>;
  delete(kind: SinkKind, name: string): Promise<void>;
  list(kind?: SinkKind): SinkInfo[];
  firehose: {
    put(stream: string, data: Buffer): Promise<{ recordId: string }>;
    /** UpdateDestination: `null` removes an option. */
    setOptions(stream: string, patch: Record<string, JsonValue | undefined>): Promise<void>;
  };
  /** The tags the engine keeps on delivery streams. */
  tags?: Pick<SinkTags, 'get' | 'tag' | 'untag'>;
  /** `--require-roles`: whether Firehose can assume a destination's role; none: any role is taken. */
  roleAssumable?: (roleArn: string) => boolean;
}

/** Firehose's refusal of a destination role it cannot assume (`--require-roles`). */
function checkRole(port: FirehosePort, role: string | undefined): void {
  if (role !== undefined && port.roleAssumable && !port.roleAssumable(role)) throw invalidArgument(`Firehose is unable to assume role ${role}. Please check the role provided.`);
}

const OTHER_DESTINATIONS = [
  'RedshiftDestinationConfiguration', 'ElasticsearchDestinationConfiguration', 'AmazonopensearchserviceDestinationConfiguration',
  'SplunkDestinationConfiguration', 'HttpEndpointDestinationConfiguration', 'AmazonOpenSearchServerlessDestinationConfiguration',
  'MSKSourceConfiguration', 'SnowflakeDestinationConfiguration', 'IcebergDestinationConfiguration', 'DatabaseSourceConfiguration',
];
const OTHER_UPDATES = [
  'RedshiftDestinationUpdate', 'ElasticsearchDestinationUpdate', 'AmazonopensearchserviceDestinationUpdate', 'SplunkDestinationUpdate',
  'HttpEndpointDestinationUpdate', 'AmazonOpenSearchServerlessDestinationUpdate', 'SnowflakeDestinationUpdate', 'IcebergDestinationUpdate',
];

/** Firehose's texts (as AWS words them: not in the API reference, but in its answers). */
const ONE_DESTINATION = 'Exactly one destination configuration is supported for a Firehose';
export const deliveryStreamNotFound = (name: string) => serviceError('ResourceNotFoundException', `Firehose ${name} under account ${LOCAL_ACCOUNT_ID} not found.`);

export function checkDeliveryStreamName(name: string, member = 'deliveryStreamName'): void {
  if (name.length < 1 || name.length > 64) throw validation(`1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must have length ${name.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 64'}`);
  if (!/^[a-zA-Z0-9_.-]+$/.test(name)) throw validation(`1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
}

export function findDeliveryStream(port: FirehosePort, name: string): SinkInfo {
  checkDeliveryStreamName(name);
  const info = port.list('firehose').find((s) => s.name === name);
  if (!info) throw deliveryStreamNotFound(name);
  return info;
}

function describe(info: SinkInfo) {
  return {
    DeliveryStreamName: info.name,
    DeliveryStreamARN: info.arn,
    DeliveryStreamStatus: 'ACTIVE',
    DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
    DeliveryStreamType: 'DirectPut',
    VersionId: String((info.options as { versionId?: number }).versionId ?? 1),
    CreateTimestamp: new Date(info.createdAt),
    Destinations: [describeDestination(info)],
    HasMoreDestinations: false,
  };
}

export function deliveryStreamOperations(port: FirehosePort): Record<string, OperationHandler> {
  return {
    CreateDeliveryStream: async (input: { DeliveryStreamName: string; DeliveryStreamType?: string; S3DestinationConfiguration?: S3Destination; ExtendedS3DestinationConfiguration?: S3Destination; Tags?: Array<{ Key: string; Value?: string }> } & Record<string, unknown>) => {
      const name = input.DeliveryStreamName;
      checkDeliveryStreamName(name);
      const tags = asTagMap(input.Tags);
      const tagRefusal = tagProblem({}, tags);
      if (tagRefusal) throw firehoseTagRefusal(name)(tagRefusal);
      const type = input.DeliveryStreamType ?? 'DirectPut';
      if (type !== 'DirectPut') throw invalidArgument(`DeliveryStreamType ${type} is not supported by Thingbench: only DirectPut delivery streams are`);
      const other = OTHER_DESTINATIONS.find((k) => input[k] !== undefined);
      if (other) throw invalidArgument(`${other} is not supported by Thingbench: only S3 destinations (ExtendedS3DestinationConfiguration, S3DestinationConfiguration) are`);
      const extended = input.ExtendedS3DestinationConfiguration;
      const dest = extended ?? input.S3DestinationConfiguration;
      if (!dest || (input.S3DestinationConfiguration && extended)) throw invalidArgument(ONE_DESTINATION);
      const options = destinationOptions({ ...dest, ProcessingConfiguration: extended?.ProcessingConfiguration },
        extended ? 'extendedS3DestinationConfiguration' : 's3DestinationConfiguration');
      if (port.list('firehose').some((s) => s.name === name)) throw serviceError('ResourceInUseException', `Firehose ${name} under accountId ${LOCAL_ACCOUNT_ID} already exists`);
      checkRole(port, dest.RoleARN);
      const info = await port.create('firehose', name, Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null)) as JsonObject);
      if (Object.keys(tags).length) await port.tags?.tag('firehose', name, tags);
      return { DeliveryStreamARN: info.arn };
    },
    DescribeDeliveryStream: (input: { DeliveryStreamName: string }) => ({ DeliveryStreamDescription: describe(findDeliveryStream(port, input.DeliveryStreamName)) }),
    ListDeliveryStreams: (input: { Limit?: number; DeliveryStreamType?: string; ExclusiveStartDeliveryStreamName?: string }) => {
      const limit = input.Limit ?? 10;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw validation(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`);
      const after = input.ExclusiveStartDeliveryStreamName;
      const all = input.DeliveryStreamType !== undefined && input.DeliveryStreamType !== 'DirectPut' ? []
        : port.list('firehose').map((s) => s.name).filter((n) => after === undefined || n > after).sort();
      return { DeliveryStreamNames: all.slice(0, limit), HasMoreDeliveryStreams: all.length > limit };
    },
    UpdateDestination: async (input: {
      DeliveryStreamName: string; CurrentDeliveryStreamVersionId: string; DestinationId: string;
      ExtendedS3DestinationUpdate?: S3Destination; S3DestinationUpdate?: S3Destination;
    } & Record<string, unknown>) => {
      const info = findDeliveryStream(port, input.DeliveryStreamName);
      const version = (info.options as { versionId?: number }).versionId ?? 1;
      const other = OTHER_UPDATES.find((k) => input[k] !== undefined);
      if (other) throw invalidArgument(`${other} is not supported by Thingbench: only S3 destinations (ExtendedS3DestinationUpdate, S3DestinationUpdate) are`);
      const extended = input.ExtendedS3DestinationUpdate;
      const update = extended ?? input.S3DestinationUpdate;
      if (!update || (input.S3DestinationUpdate && extended)) throw invalidArgument(ONE_DESTINATION);
      if (input.CurrentDeliveryStreamVersionId !== String(version)) {
        throw serviceError('ConcurrentModificationException', `Cannot update firehose: ${input.DeliveryStreamName} since the current version id: ${version} and specified version id: ${input.CurrentDeliveryStreamVersionId} do not match`);
      }
      if (input.DestinationId !== DESTINATION_ID) throw invalidArgument(`Destination Id ${input.DestinationId} not found`);
      checkRole(port, update.RoleARN);
      const patch = destinationOptions({ ...update, ProcessingConfiguration: extended?.ProcessingConfiguration },
        extended ? 'extendedS3DestinationUpdate' : 's3DestinationUpdate', info.options as JsonObject);
      await port.firehose.setOptions(input.DeliveryStreamName, { ...patch, versionId: version + 1 });
      return {};
    },
    DeleteDeliveryStream: async (input: { DeliveryStreamName: string }) => {
      findDeliveryStream(port, input.DeliveryStreamName);
      await port.delete('firehose', input.DeliveryStreamName);
      return {};
    },
  };
}
