/**
 * Firehose's S3 destination, as CreateDeliveryStream and UpdateDestination take it and DescribeDeliveryStream shows
 * it, mapped to and from the sink delivery stream's options: bucket ARN, `Prefix` and `ErrorOutputPrefix` (with
 * expressions), buffering hints, and the `ProcessingConfiguration` whose Lambda processor transforms records and whose
 * AppendDelimiterToRecord processor puts a newline after each (without it records are concatenated as sent).
 */
import type { JsonObject, JsonValue, SinkInfo } from '../../../contract/index.js';
import { serviceError } from '../protocols/index.js';
import { prefixProblem } from '../../../sinks/index.js';

export interface S3Destination {
  RoleARN?: string; BucketARN?: string; Prefix?: string; ErrorOutputPrefix?: string; CompressionFormat?: string;
  BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
  ProcessingConfiguration?: ProcessingConfiguration;
}

interface ProcessingConfiguration {
  Enabled?: boolean;
  Processors?: Array<{ Type: string; Parameters?: Array<{ ParameterName: string; ParameterValue: string }> }>;
}

const PROCESSOR_TYPES = ['RecordDeAggregation', 'Decompression', 'CloudWatchLogProcessing', 'Lambda', 'MetadataExtraction', 'AppendDelimiterToRecord'];
const PARAMETER_NAMES = ['LambdaArn', 'NumberOfRetries', 'MetadataExtractionQuery', 'JsonParsingEngine', 'RoleArn', 'BufferSizeInMBs', 'BufferIntervalInSeconds',
  'SubRecordType', 'Delimiter', 'CompressionFormat', 'DataMessageExtraction'];
const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:function:([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
export const DESTINATION_ID = 'destinationId-000000000001';

export const invalidArgument = (message: string) => serviceError('InvalidArgumentException', message);
export const validation = (message: string) => serviceError('ValidationException', message, { status: 400 });
const enumProblem = (value: string, path: string, allowed: string[]) =>
  validation(`1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`);

/**
 * The sink options a destination sets. `current` holds the options being updated (UpdateDestination: fields left
 * out keep their values); `member` is the request's member name for validation messages.
 */
export function destinationOptions(dest: S3Destination, member: string, current?: JsonObject): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (dest.BucketARN !== undefined || !current) {
    const arn = dest.BucketARN ?? '';
    // The model's constraints (a ValidationException, as AWS answers), then a bucket name S3 would take.
    if (arn.length < 1 || arn.length > 2048) {
      throw validation(`1 validation error detected: Value '${arn}' at '${member}.bucketARN' failed to satisfy constraint: Member must have length ${arn.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 2048'}`);
    }
    if (!/^arn:.*:s3:::[\w.-]{1,255}$/.test(arn)) {
      throw validation(`1 validation error detected: Value '${arn}' at '${member}.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\\w\\.\\-]{1,255}`);
    }
    const bucket = /^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(arn)?.[1];
    if (!bucket) throw invalidArgument(`BucketARN ${arn} does not name a valid S3 bucket.`);
    out.bucket = bucket;
  }
  if (dest.CompressionFormat !== undefined && dest.CompressionFormat !== 'UNCOMPRESSED') {
    throw invalidArgument(`CompressionFormat ${dest.CompressionFormat} is not supported by Thingbench: only UNCOMPRESSED is`);
  }
  if (dest.BufferingHints || !current) {
    const size = dest.BufferingHints?.SizeInMBs ?? 5, interval = dest.BufferingHints?.IntervalInSeconds ?? 300;
    const hints = `${member}.bufferingHints`;
    if (!Number.isInteger(size) || size < 1 || size > 128) throw validation(`1 validation error detected: Value '${size}' at '${hints}.sizeInMBs' failed to satisfy constraint: Member must have value ${size < 1 ? 'greater than or equal to 1' : 'less than or equal to 128'}`);
    if (!Number.isInteger(interval) || interval < 0 || interval > 900) throw validation(`1 validation error detected: Value '${interval}' at '${hints}.intervalInSeconds' failed to satisfy constraint: Member must have value ${interval < 0 ? 'greater than or equal to 0' : 'less than or equal to 900'}`);
    out.bufferSizeBytes = size * 1024 * 1024;
    out.bufferIntervalSeconds = interval;
  }
  if (dest.Prefix !== undefined) out.prefix = dest.Prefix === '' ? null : dest.Prefix;
  if (dest.ErrorOutputPrefix !== undefined) out.errorOutputPrefix = dest.ErrorOutputPrefix === '' ? null : dest.ErrorOutputPrefix;
  const prefix = 'prefix' in out ? out.prefix : current?.prefix;
  const errorPrefix = 'errorOutputPrefix' in out ? out.errorOutputPrefix : current?.errorOutputPrefix;
  const problem = prefixProblem((prefix ?? undefined) as string | undefined, (errorPrefix ?? undefined) as string | undefined);
  if (problem) throw invalidArgument(problem);
  // Firehose concatenates records as sent unless an AppendDelimiterToRecord processor adds a newline to each.
  if (!current) Object.assign(out, { appendNewline: false, appendDelimiter: false });
  if (dest.ProcessingConfiguration) Object.assign(out, processingOptions(dest.ProcessingConfiguration, `${member}.processingConfiguration`));
  return out;
}

/** ProcessingConfiguration → the Lambda processor's options (all cleared when it is disabled or has no Lambda processor). */
function processingOptions(pc: ProcessingConfiguration, path: string): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { processingConfiguration: pc as unknown as JsonObject, transform: null, transformArn: null, transformRetries: null, transformBatchBytes: null };
  const processors = pc.Processors ?? [];
  processors.forEach((p, i) => {
    if (!PROCESSOR_TYPES.includes(p.Type)) throw enumProblem(p.Type, `${path}.processors.${i + 1}.member.type`, PROCESSOR_TYPES);
    (p.Parameters ?? []).forEach((param, j) => {
      const at = `${path}.processors.${i + 1}.member.parameters.${j + 1}.member`;
      if (!PARAMETER_NAMES.includes(param.ParameterName)) throw enumProblem(param.ParameterName, `${at}.parameterName`, PARAMETER_NAMES);
      if (param.ParameterValue.length < 1 || param.ParameterValue.length > 5120) {
        throw validation(`1 validation error detected: Value '${param.ParameterValue}' at '${at}.parameterValue' failed to satisfy constraint: Member must have length ${param.ParameterValue.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 5120'}`);
      }
    });
    if (p.Type !== 'Lambda' && p.Type !== 'AppendDelimiterToRecord') {
      throw invalidArgument(`Processor type ${p.Type} is not supported by Thingbench: only Lambda and AppendDelimiterToRecord are`);
    }
  });
  out.appendNewline = false;
  out.appendDelimiter = pc.Enabled === true && processors.some((p) => p.Type === 'AppendDelimiterToRecord');
  const lambdas = processors.filter((p) => p.Type === 'Lambda');
  if (lambdas.length > 1) throw invalidArgument('Only one processor of type Lambda can be specified.');
  if (pc.Enabled !== true || !lambdas.length) return out;
  const params = new Map<string, string>();
  for (const param of lambdas[0].Parameters ?? []) {
    if (params.has(param.ParameterName)) throw invalidArgument(`Processor parameter ${param.ParameterName} is specified more than once.`);
    if (!['LambdaArn', 'NumberOfRetries', 'BufferSizeInMBs', 'BufferIntervalInSeconds', 'RoleArn'].includes(param.ParameterName)) {
      throw invalidArgument(`Processor parameter ${param.ParameterName} is not valid for processor type Lambda.`);
    }
    params.set(param.ParameterName, param.ParameterValue);
  }
  const arn = params.get('LambdaArn');
  if (arn === undefined) throw invalidArgument('The LambdaArn processor parameter is required for processor type Lambda.');
  const m = LAMBDA_ARN.exec(arn);
  if (!m) throw invalidArgument(`LambdaArn ${arn} is not a valid Lambda function ARN.`);
  if (m[2] && m[2] !== '$LATEST') throw invalidArgument(`LambdaArn ${arn} names a version or alias: the local Lambda runs only $LATEST.`);
  const retries = number(params.get('NumberOfRetries') ?? '3', 'NumberOfRetries', 0, 300, true);
  const sizeMb = number(params.get('BufferSizeInMBs') ?? '1', 'BufferSizeInMBs', 0.2, 3, false);
  number(params.get('BufferIntervalInSeconds') ?? '60', 'BufferIntervalInSeconds', 60, 900, true);
  return { ...out, transform: m[1], transformArn: arn, transformRetries: retries, transformBatchBytes: Math.round(sizeMb * 1024 * 1024) };
}

function number(text: string, name: string, min: number, max: number, integer: boolean): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw invalidArgument(`Processor parameter ${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, not ${text}.`);
  }
  return n;
}

/** The destination as DescribeDeliveryStream shows it. */
export function describeDestination(info: SinkInfo) {
  const o = info.options as {
    bucket?: string; prefix?: string; errorOutputPrefix?: string; bufferSizeBytes: number; bufferIntervalSeconds: number; processingConfiguration?: JsonObject;
  };
  const s3 = {
    BucketARN: `arn:aws:s3:::${o.bucket ?? 'thingbench-firehose'}`,
    Prefix: o.prefix ?? (o.bucket === undefined ? `${info.name}/` : undefined),
    ErrorOutputPrefix: o.errorOutputPrefix,
    BufferingHints: { SizeInMBs: Math.max(1, Math.round(o.bufferSizeBytes / (1024 * 1024))), IntervalInSeconds: o.bufferIntervalSeconds },
    CompressionFormat: 'UNCOMPRESSED',
    EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
  };
  return {
    DestinationId: DESTINATION_ID,
    S3DestinationDescription: s3,
    ExtendedS3DestinationDescription: { ...s3, ...(o.processingConfiguration ? { ProcessingConfiguration: o.processingConfiguration } : {}), S3BackupMode: 'Disabled' },
  };
}
