/**
 * Where a rule action writes, as a pipeline node: the local sink, function or topic its parameters name (a
 * substitution template such as `${topic(2)}` stays as written: the node stands for every target it resolves to).
 */
import type { PipelineNode, SinkKind } from '../contract/index.js';

export type TargetNode = Pick<PipelineNode, 'id' | 'kind' | 'label'> & { sink?: { kind: SinkKind; name: string }; templated: boolean };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const lastOf = (s: string, sep: string) => s.replace(/\/+$/, '').split(sep).pop() ?? s;
const templated = (s: string) => s.includes('${');

/** The sink kind and name each sink action's parameters name. */
const sinkTargets: Record<string, (p: Record<string, unknown>) => [SinkKind, string | undefined]> = {
  sqs: (p) => ['queue', str(p.queueUrl) && lastOf(str(p.queueUrl)!, '/')],
  sns: (p) => ['notify', str(p.targetArn) && lastOf(str(p.targetArn)!, ':')],
  kinesis: (p) => ['stream', str(p.streamName)],
  firehose: (p) => ['firehose', str(p.deliveryStreamName)],
  dynamoDB: (p) => ['table', str(p.tableName)],
  dynamoDBv2: (p) => ['table', str((p.putItem as Record<string, unknown> | undefined)?.tableName)],
  cloudwatchLogs: (p) => ['log', str(p.logGroupName)],
  cloudwatchMetric: (p) => ['metric', str(p.metricNamespace)],
  cloudwatchAlarm: (p) => ['alarm', str(p.alarmName)],
};

export function sinkNodeId(kind: SinkKind, name: string): string {
  return `sink:${kind}:${name}`;
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` (or a bare name) → the function's name. */
export function functionName(arn: string): string {
  const m = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arn);
  return m ? m[1] : arn;
}

export function actionTarget(kind: string, params: Record<string, unknown>): TargetNode {
  if (kind === 'republish') {
    const topic = str(params.topic) ?? '';
    return { id: `topic:${topic}`, kind: 'topic', label: topic, templated: templated(topic) };
  }
  if (kind === 'lambda') {
    const name = functionName(str(params.functionArn) ?? '');
    return { id: `function:${name}`, kind: 'function', label: name, templated: templated(name) };
  }
  if (kind === 's3') {
    const bucket = str(params.bucketName) ?? '';
    return { id: `bucket:${bucket}`, kind: 'bucket', label: bucket, templated: templated(bucket) };
  }
  const sink = sinkTargets[kind]?.(params);
  if (sink?.[1] !== undefined) {
    const [sinkKind, name] = sink as [SinkKind, string];
    return { id: sinkNodeId(sinkKind, name), kind: sinkKind, label: name, sink: { kind: sinkKind, name }, templated: templated(name) };
  }
  return { id: `external:${kind}`, kind: 'external', label: kind, templated: false };
}
