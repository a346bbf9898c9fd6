import type { JsonObject, ThingbenchApi } from '../contract/index.js';
import { EngineError, type Logger } from '../core/index.js';
import type { BrokerService } from '../broker/index.js';
import { controlApi } from '../control/index.js';
import { FunctionsService, type FunctionSdkHost, type FunctionLogSink, type FunctionLogReader, type FunctionResult, type MappingStreams } from '../functions/index.js';
import { RulesService } from '../rules/index.js';
import { SinkService, tableStreamArn, tableStreamRecord, tableStreamShardId } from '../sinks/index.js';
import type { EngineBase } from './engine-base.js';
import type { ControlArea } from './compose-control.js';
import type { FilesArea } from './compose-files.js';
import type { IotArea, ShadowReader } from './compose-iot.js';

/** What runs on the traffic: local functions, the sinks (AWS services the rules' actions reach) and the rules. */
export type ComputeArea = ReturnType<typeof composeCompute>;

export function composeCompute(base: EngineBase, { iam, broker, shadows }: IotArea, { control }: ControlArea, { objects }: FilesArea) {
  const { config, opts, clock, logs, store, requireRoles } = base;
  // Functions and sinks need each other (a function reads a table; a stream consumer is a function): the functions
  // reach the sinks through typed thunks, called only once the engine has started.
  const functions = new FunctionsService({
    dataDir: config.dataDir, logger: logs, clock, sdk: functionSdk(broker, shadows, () => sinks, logs, controlApi(control)), logs: functionLogs(() => sinks), queues: () => sinks.queues,
    streams: () => mappingStreams(sinks),
    endpoint: () => base.httpUrl(),
    credentials: (name, role) => iam.functionCredentials(name, role),
    ...(requireRoles ? { roleAssumable: (role: string) => iam.canAssume(role, 'lambda.amazonaws.com') } : {}),
  });
  const sinks: SinkService = new SinkService(store, clock, {
    dataDir: config.dataDir, logger: logs, objects, publish: (msg) => broker.publish(msg, { origin: 'client' }),
    // Kinesis consumers and Firehose transforms run on the local functions.
    functions: { invoke: async (name: string, event: unknown): Promise<unknown> => functionResult(await functions.invoke(name, event)) },
    webhookHosts: config.sinks?.webhookHosts ?? [], ttlSweepMs: config.sinks?.ttlSweepMs, alarmCheckMs: opts.alarmCheckMs,
    // SNS's SubscribeURL, UnsubscribeURL and SigningCertURL point at the HTTP API once it listens.
    publicUrl: () => base.httpUrl(),
  });
  const rules = new RulesService(store, broker, {
    dataDir: config.dataDir, logger: logs, clock, shadows, functions, actionDeps: { sinks, objects }, captured: (id) => broker.message(id),
    ...(requireRoles ? { roleAssumable: (role: string) => iam.canAssume(role, 'iot.amazonaws.com') } : {}),
  });
  return { functions, sinks, rules };
}

/** What a running function's local SDK reaches: the broker (as the user's code), shadows, notifications, tables. */
function functionSdk(broker: BrokerService, shadows: ShadowReader, sinks: () => SinkService, logger: Logger, control: ThingbenchApi['control']): FunctionSdkHost {
  return {
    publish: (msg) => broker.publish(msg, { origin: 'client' }),
    getShadow: (thing, name) => {
      const doc = shadows.getThingShadow(thing, name);
      if (doc === undefined) throw new Error(`No shadow exists with name: '${name ? `${thing}~${name}` : thing}'`);
      return doc;
    },
    updateShadow: (thing, document, name) => shadows.update(thing, document, name),
    notify: (fn, message, subject) => logger.log('info', 'functions', subject ? `${fn}: ${subject}: ${message}` : `${fn}: ${message}`, { notify: true, function: fn }),
    getItem: (table, key) => sinks().tables.get(table, key as JsonObject) ?? null,
    sendCommand: (input) => control.send(input),
  };
}

/** A function's log group read back for the UI's recent invocations (none yet: no events). */
export function functionLogReader(sinks: SinkService): FunctionLogReader {
  return (group, limit) => {
    if (!sinks.list('log').some((s) => s.name === group)) return [];
    return sinks.logs.records(group, { limit }).map((r) => {
      const d = r.data as { logStream: string; timestamp: number; message: string };
      return { time: d.timestamp, stream: d.logStream, message: d.message };
    });
  };
}

/** Function logs go to the CloudWatch Logs groups `/aws/lambda/<name>`, created on first write as Lambda does. */
function functionLogs(sinks: () => SinkService): FunctionLogSink {
  return {
    write: (group, stream, events) => sinks().logs.append(group, stream, events, { createGroup: true }),
  };
}

/** Kinesis streams and tables' change feeds as Lambda's stream event sources read them, in process; queues and topics for their failed batches. */
function mappingStreams(sinks: SinkService): MappingStreams {
  const streamTable = (arn: string) => sinks.list('table').find((t) => (t.options as { streamViewType?: string }).streamViewType && tableStreamArn(t) === arn);
  return {
    kinesis: {
      shards: (stream) => sinks.streams.shards(stream).map((s) => s.shardId),
      retentionMs: (stream) => (sinks.target('stream', stream).options.retentionHours as number) * 3_600_000,
      iterator: (stream, shard, type, opts) => sinks.streams.iterator(stream, shard, type, opts),
      read: (iterator, limit) => sinks.streams.read(iterator, limit),
    },
    dynamodb: {
      stream: (arn) => {
        const info = streamTable(arn);
        return info ? { table: info.name, shardId: tableStreamShardId(info) } : undefined;
      },
      records: (table, after, limit) => {
        const view = (sinks.target('table', table).options as { streamViewType?: string }).streamViewType;
        if (!view) return [];
        return sinks.tables.changes(table, after, limit).map((c) => ({ seq: c.seq, time: c.time, record: tableStreamRecord(c, view) }));
      },
      latestChange: (table) => sinks.tables.latestChange(table),
    },
    onAppend: (listener) => sinks.onAppend(listener),
    queueExists: (queue) => sinks.queues.has(queue),
    topicExists: (topic) => sinks.list('notify').some((t) => t.name === topic),
    sendMessage: async (queue, body) => { await sinks.queues.send(queue, body); },
    publish: async (topic, message) => { await sinks.topics.publish(topic, message); },
  };
}

/**
 * A local function's result for the sinks, which treat a failed invocation as an error: an EngineError whose
 * `details.reason` says why (`NotFound`, `Busy`, `Threw`, `Timeout`, …), so Firehose can name Lambda's error.
 */
function functionResult(r: FunctionResult): unknown {
  if (!r.ok) {
    const code = r.kind === 'NotFound' ? 'NotFound' : r.kind === 'Busy' ? 'Throttled' : 'Internal';
    throw new EngineError(code, r.error, { reason: r.kind, errorType: r.errorBody.errorType });
  }
  return r.result;
}
