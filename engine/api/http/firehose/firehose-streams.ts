/**
 * Firehose's delivery stream operations over the sink delivery streams: CreateDeliveryStream (DirectPut into S3),
 * DescribeDeliveryStream, ListDeliveryStreams and DeleteDeliveryStream, so a delivery stream created here is the one
 * a rule's `firehose` action writes to and the UI shows.
 */
import type { SinkInfo, SinkKind, SinkOptions } from '../../../contract/index.js';
import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';

export interface FirehosePort {
  create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo>;
  delete(kind: SinkKind, name: string): Promise<void>;
  list(kind?: SinkKind): SinkInfo[];
  firehose: { put(stream: string, data: Buffer): Promise<{ recordId: string }> };
}

interface S3Destination {
  RoleARN?: string; BucketARN: string; Prefix?: string; ErrorOutputPrefix?: string; CompressionFormat?: string;
  BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
}

const OTHER_DESTINATIONS = [
  'RedshiftDestinationConfiguration', 'ElasticsearchDestinationConfiguration', 'AmazonopensearchserviceDestinationConfiguration',
  'SplunkDestinationConfiguration', 'HttpEndpointDestinationConfiguration', 'AmazonOpenSearchServerlessDestinationConfiguration',
  'MSKSourceConfiguration', 'SnowflakeDestinationConfiguration', 'IcebergDestinationConfiguration', 'DatabaseSourceConfiguration',
];

export const invalidArgument = (message: string) => serviceError('InvalidArgumentException', message);
export const validation = (message: string) => serviceError('ValidationException', message, { status: 400 });
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
  const o = info.options as { bucket?: string; prefix?: string; bufferSizeBytes: number; bufferIntervalSeconds: number };
  const bucket = o.bucket ?? 'thingbench-firehose';
  const s3 = {
    BucketARN: `arn:aws:s3:::${bucket}`,
    Prefix: o.prefix ?? (o.bucket === undefined ? `${info.name}/` : undefined),
    BufferingHints: { SizeInMBs: Math.max(1, Math.round(o.bufferSizeBytes / (1024 * 1024))), IntervalInSeconds: o.bufferIntervalSeconds },
    CompressionFormat: 'UNCOMPRESSED',
    EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
  };
  return {
    DeliveryStreamName: info.name,
    DeliveryStreamARN: info.arn,
    DeliveryStreamStatus: 'ACTIVE',
    DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
    DeliveryStreamType: 'DirectPut',
    VersionId: '1',
    CreateTimestamp: new Date(info.createdAt),
    Destinations: [{ DestinationId: 'destinationId-000000000001', S3DestinationDescription: s3, ExtendedS3DestinationDescription: { ...s3, S3BackupMode: 'Disabled' } }],
    HasMoreDestinations: false,
  };
}

export function deliveryStreamOperations(port: FirehosePort): Record<string, OperationHandler> {
  return {
    CreateDeliveryStream: async (input: { DeliveryStreamName: string; DeliveryStreamType?: string; S3DestinationConfiguration?: S3Destination; ExtendedS3DestinationConfiguration?: S3Destination } & Record<string, unknown>) => {
      const name = input.DeliveryStreamName;
      checkDeliveryStreamName(name);
      const type = input.DeliveryStreamType ?? 'DirectPut';
      if (type !== 'DirectPut') throw invalidArgument(`DeliveryStreamType ${type} is not supported by Thingbench: only DirectPut delivery streams are`);
      const other = OTHER_DESTINATIONS.find((k) => input[k] !== undefined);
      if (other) throw invalidArgument(`${other} is not supported by Thingbench: only S3 destinations (ExtendedS3DestinationConfiguration, S3DestinationConfiguration) are`);
      if (input.S3DestinationConfiguration && input.ExtendedS3DestinationConfiguration) throw invalidArgument('Only one destination configuration can be specified.');
      const dest = input.ExtendedS3DestinationConfiguration ?? input.S3DestinationConfiguration;
      if (!dest) throw invalidArgument('A destination configuration must be specified.');
      const bucket = /^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(dest.BucketARN ?? '')?.[1];
      if (!bucket) throw invalidArgument(`BucketARN ${dest.BucketARN} is not a valid S3 bucket ARN.`);
      if (dest.CompressionFormat !== undefined && dest.CompressionFormat !== 'UNCOMPRESSED') {
        throw invalidArgument(`CompressionFormat ${dest.CompressionFormat} is not supported by Thingbench: only UNCOMPRESSED is`);
      }
      const size = dest.BufferingHints?.SizeInMBs ?? 5, interval = dest.BufferingHints?.IntervalInSeconds ?? 300;
      if (!Number.isInteger(size) || size < 1 || size > 128) throw validation(`1 validation error detected: Value '${size}' at 'bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value ${size < 1 ? 'greater than or equal to 1' : 'less than or equal to 128'}`);
      if (!Number.isInteger(interval) || interval < 0 || interval > 900) throw validation(`1 validation error detected: Value '${interval}' at 'bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value ${interval < 0 ? 'greater than or equal to 0' : 'less than or equal to 900'}`);
      if (port.list('firehose').some((s) => s.name === name)) throw serviceError('ResourceInUseException', `Firehose ${name} under accountId ${LOCAL_ACCOUNT_ID} already exists`);
      const info = await port.create('firehose', name, {
        bucket, ...(dest.Prefix !== undefined ? { prefix: dest.Prefix } : {}), bufferSizeBytes: size * 1024 * 1024, bufferIntervalSeconds: interval,
      });
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
    DeleteDeliveryStream: async (input: { DeliveryStreamName: string }) => {
      findDeliveryStream(port, input.DeliveryStreamName);
      await port.delete('firehose', input.DeliveryStreamName);
      return {};
    },
  };
}
