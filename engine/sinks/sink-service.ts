/**
 * The local sinks rule actions write to: queues (SQS-like), notification topics (SNS-like), streams (Kinesis-like),
 * delivery streams (Firehose-like), tables (DynamoDB-like) and CloudWatch-like metrics, logs and alarms. Everything
 * is kept in the storage layer (so it survives restarts) with bounded retention, and readable through the contract.
 *
 * Targets are created explicitly (`sinks.create` in the contract, or `create()` here), because AWS does not
 * auto-create queues, topics, streams, tables, log groups or alarms: an action naming a missing target fails and
 * goes to the rule's errorAction. Metric namespaces are the exception, created on first use as on AWS.
 *
 * The AWS-compatible HTTP APIs over these sinks live in api/http/<service>/ (SNS, SQS, CloudWatch Logs, …).
 *
 * LIMITATIONS: no IAM (roleArn is accepted and ignored); see each sink's file for its own.
 */
import { SinkTags } from './sink-tags.js';
import type { JsonObject, SinkInfo, SinkKind, SinkNotified, SinkOptions, SinkRecord, SinkRecordQuery, SinkRecorded } from '../contract/index.js';
import { EngineError, TypedEmitter, silentLogger, type Clock, type Disposable, type Logger, type Service } from '../core/index.js';
import type { Statement, Store } from '../storage/index.js';
import { CloudWatchSink } from './cloudwatch.js';
import { MetricAlarms } from './metrics/metric-alarms.js';
import { FirehoseSink } from './firehose.js';
import { LogSink } from './logs/log-sink.js';
import { NotifySink } from './notify.js';
import { QueueSink } from './queue.js';
import { defaultSinkLimits, IdAllocator, RecordLog, type FunctionRunner, type ObjectPort, type SinkContext, type SinkLimits, type Target } from './sink-context.js';
import { arnOf, checkName, normalizeOptions, REGION } from './sink-options.js';
import { StreamSink } from './stream.js';
import { DynamoItems } from './dynamodb/index.js';
import { TableSink } from './table.js';

export interface SinkEvents {
  /** New records, batched every 250 ms (at most 500 per batch; the rest are counted in the log). */
  recorded: SinkRecorded[];
  /** A desktop subscription of a notification topic fired (at once, not batched). */
  notified: SinkNotified;
}

const BATCH_MS = 250;
const BATCH_MAX = 500;

export interface SinkServiceOptions {
  dataDir: string;
  logger?: Logger;
  limits?: Partial<SinkLimits>;
  /** MQTT subscriptions of notification topics publish through this (the broker's `publish`). */
  publish?: SinkContext['publish'];
  /** Webhook hosts allowed besides loopback. */
  webhookHosts?: string[];
  /** Runs Kinesis consumers and Firehose transforms (the lambda runner); without it they wait, with a log line. */
  functions?: FunctionRunner;
  /**
   * The engine's HTTP API base URL once it listens (`http://127.0.0.1:4566`): SNS's SubscribeURL, UnsubscribeURL and
   * SigningCertURL point there. Without it they have AWS's form.
   */
  publicUrl?: () => string | undefined;
  /** How often expired items of tables with time to live are deleted (default 30 s). */
  ttlSweepMs?: number;
  /** The local S3 that Firehose delivers into. */
  objects?: ObjectPort;
  /** The longest the alarm timer sleeps, ms (default a minute; a test with a fake clock makes it short). */
  alarmCheckMs?: number;
}

export class SinkService implements Service {
  readonly name = 'sinks';
  readonly events = new TypedEmitter<SinkEvents>();
  readonly queues: QueueSink;
  readonly topics: NotifySink;
  readonly streams: StreamSink;
  readonly firehose: FirehoseSink;
  readonly tables: TableSink;
  /** Tags of tables, streams and delivery streams. */
  readonly tags: SinkTags;
  /** DynamoDB's item operations on the same tables. */
  readonly dynamodb: DynamoItems;
  readonly cloudwatch: CloudWatchSink;
  /** PutMetricAlarm's threshold alarms over the metrics, kept as the `alarm` targets. */
  readonly alarms: MetricAlarms;
  /** CloudWatch Logs: groups, streams, events (the Logs API's domain and the port function logs write through). */
  readonly logs: LogSink;
  private readonly targets = new Map<string, Target>();
  private readonly ctx: SinkContext;
  private started = false;
  private batch: SinkRecorded[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly appendListeners = new Set<(kind: 'stream' | 'table', name: string) => void>();
  private ttlTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private readonly ttlSweepMs: number;

  constructor(private readonly store: Store, private readonly clock: Clock, opts: SinkServiceOptions) {
    const limits = { ...defaultSinkLimits, ...opts.limits };
    this.ttlSweepMs = opts.ttlSweepMs ?? 30_000;
    const ids = new IdAllocator(store);
    this.ctx = {
      store, clock, limits, ids,
      logger: opts.logger ?? silentLogger,
      dataDir: opts.dataDir,
      functions: opts.functions,
      objects: opts.objects,
      publish: opts.publish,
      webhookHosts: opts.webhookHosts ?? [],
      log: undefined as unknown as RecordLog, // needs the store's tables: made in start()
      target: (kind, name) => this.target(kind, name),
      stateStatement: (t) => ({ sql: 'UPDATE sink_targets SET state = ? WHERE kind = ? AND name = ?', params: [JSON.stringify(t.state), t.kind, t.name] }),
      recorded: (kind, name, id, traceId, time) => this.recorded({ kind, name, id, traceId, time }),
      notified: (n) => this.events.emit('notified', n),
      appended: (kind, name) => {
        for (const listener of this.appendListeners) {
          try {
            listener(kind, name);
          } catch (e) {
            this.ctx.logger.log('warn', 'sinks', `a reader of ${kind} ${name} failed on new records: ${(e as Error).message}`);
          }
        }
      },
    };
    this.queues = new QueueSink(this.ctx);
    this.topics = new NotifySink(this.ctx, {
      create: async (name) => {
        await this.create('notify', name);
        return this.target('notify', name);
      },
      delete: (name) => this.delete('notify', name),
      list: () => [...this.targets.values()].filter((t) => t.kind === 'notify'),
      find: (name) => this.targets.get(`notify\0${name}`),
    }, this.queues, () => ({ base: opts.publicUrl?.() ?? `https://sns.${REGION}.amazonaws.com` }));
    this.streams = new StreamSink(this.ctx);
    this.firehose = new FirehoseSink(this.ctx);
    this.tables = new TableSink(this.ctx);
    this.tags = new SinkTags(this.ctx);
    this.dynamodb = new DynamoItems(this.tables);
    this.logs = new LogSink(this.ctx, {
      create: (name) => this.create('log', name),
      remove: (name) => this.delete('log', name),
      find: (name) => this.targets.get(`log\0${name}`),
      all: () => [...this.targets.values()].filter((t) => t.kind === 'log'),
    });
    this.cloudwatch = new CloudWatchSink(this.ctx, async (ns) => {
      if (!this.targets.has(`metric\0${ns}`)) await this.create('metric', ns);
    }, this.logs);
    this.alarms = new MetricAlarms(this.cloudwatch, {
      create: async (name) => { await this.create('alarm', name); },
      remove: (name) => this.delete('alarm', name),
      names: () => [...this.targets.values()].filter((t) => t.kind === 'alarm').map((t) => t.name).sort(),
      state: (name) => this.target('alarm', name).state,
      save: (name) => this.store.write([this.ctx.stateStatement(this.target('alarm', name))]),
      publish: async (topic, message, subject) => { await this.topics.publish(topic, message, { subject }); },
      warn: (message) => this.ctx.logger.log('warn', 'sinks.alarms', message),
    }, () => this.clock.now(), { checkMs: opts.alarmCheckMs });
  }

  async start(): Promise<void> {
    this.ctx.log = new RecordLog(this.store, this.ctx.ids, this.ctx.limits.records);
    const rows = this.store.all<{ kind: SinkKind; name: string; options: string; state: string | null; created: number }>(
      'SELECT kind, name, options, state, created FROM sink_targets');
    for (const r of rows) {
      this.targets.set(`${r.kind}\0${r.name}`, { kind: r.kind, name: r.name, options: JSON.parse(r.options), state: r.state ? JSON.parse(r.state) : {}, created: r.created });
    }
    this.logs.start();
    this.started = true;
    this.queues.start();
    const all = [...this.targets.values()];
    this.streams.resume(all.filter((t) => t.kind === 'stream'));
    this.firehose.resume(all.filter((t) => t.kind === 'firehose'));
    this.alarms.start();
    await this.tables.backfillKeyOrder();
    await this.tables.resumeIndexBuilds(all.filter((t) => t.kind === 'table').map((t) => t.name));
    this.ttlTimer = setInterval(() => void this.sweepExpired().catch((e: Error) => this.ctx.logger.log('warn', 'sinks.tables', `time-to-live sweep failed: ${e.message}`)), this.ttlSweepMs);
    this.ttlTimer.unref();
  }

  /**
   * Deletes the expired items of every table with time to live (on the engine's clock), as the sweep that runs every
   * `ttlSweepMs` does; resolves with the number deleted. Sweeps never overlap.
   */
  sweepExpired(): Promise<number> {
    this.sweeping ??= this.tables.sweepExpired([...this.targets.values()].filter((t) => t.kind === 'table').map((t) => t.name))
      .finally(() => { this.sweeping = undefined; });
    return this.sweeping;
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.batchTimer);
    clearInterval(this.ttlTimer);
    await this.sweeping?.catch(() => 0);
    this.batchTimer = undefined;
    this.alarms.stop();
    this.queues.stop();
    this.topics.stop();
    await this.firehose.stop();
  }

  /**
   * Calls `listener` (synchronously, in process) each time a stream gets records or a table with a stream gets
   * changes, once they are durable: Lambda's stream event sources read on this instead of polling.
   */
  onAppend(listener: (kind: 'stream' | 'table', name: string) => void): Disposable {
    this.appendListeners.add(listener);
    return { dispose: () => void this.appendListeners.delete(listener) };
  }

  /** Creates a target; an existing one is returned unchanged (options given again are not applied). */
  async create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo> {
    this.ready();
    checkName(kind, name);
    const existing = this.targets.get(`${kind}\0${name}`);
    if (existing) return this.info(existing);
    const normalized = normalizeOptions(kind, options ?? {});
    const target: Target = { kind, name, options: normalized, state: kind === 'table' ? this.tables.initialState(name) : {}, created: this.clock.now() };
    const statements: Statement[] = [{
      sql: 'INSERT INTO sink_targets (kind, name, options, state, created) VALUES (?, ?, ?, ?, ?)',
      params: [kind, name, JSON.stringify(normalized), JSON.stringify(target.state), target.created],
    }];
    if (kind === 'table') statements.push(...this.tables.viewStatements(target));
    this.targets.set(`${kind}\0${name}`, target);
    try {
      await this.store.write(statements);
    } catch (e) {
      this.targets.delete(`${kind}\0${name}`);
      throw e;
    }
    this.ctx.logger.log('info', 'sinks', `created ${kind} ${name}`, { arn: arnOf(kind, name) });
    return this.info(target);
  }

  /** Deletes a target with its records (a table's view too; objects a delivery stream already delivered stay in S3). */
  async delete(kind: SinkKind, name: string): Promise<void> {
    this.ready();
    const target = this.target(kind, name);
    const statements: Statement[] = [{ sql: 'DELETE FROM sink_targets WHERE kind = ? AND name = ?', params: [kind, name] }, ...this.ctx.log.clear(kind, name)];
    if (kind === 'queue') statements.push(...this.queues.clear(name));
    if (kind === 'stream') statements.push(...this.streams.clear(name));
    if (kind === 'firehose') statements.push(...this.firehose.clear(name));
    if (kind === 'table') statements.push(...this.tables.dropStatements(target));
    if (kind === 'log') statements.push(...this.logs.clear(name));
    this.targets.delete(`${kind}\0${name}`);
    await this.store.write(statements);
    this.ctx.logger.log('info', 'sinks', `deleted ${kind} ${name}`);
  }

  list(kind?: SinkKind): SinkInfo[] {
    this.ready();
    return [...this.targets.values()]
      .filter((t) => kind === undefined || t.kind === kind)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
      .map((t) => this.info(t));
  }

  /** Kept records of a target, newest first (see `SinkRecord`); NotFound for a missing target. */
  records(kind: SinkKind, name: string, query?: SinkRecordQuery): SinkRecord[] {
    this.target(kind, name);
    switch (kind) {
      case 'queue': return this.queues.records(name, query);
      case 'stream': return this.streams.records(name, query);
      case 'table': return this.tables.records(name, query);
      case 'firehose': return this.firehose.records(name, query);
      case 'log': return this.logs.records(name, query);
      default: return this.ctx.log.records(kind, name, query);
    }
  }

  /** The target or NotFound, with AWS's wording for each kind. */
  target(kind: SinkKind, name: string): Target {
    this.ready();
    const t = this.targets.get(`${kind}\0${name}`);
    if (!t) throw new EngineError('NotFound', `${notFoundText[kind]} ${name} does not exist (create it with sinks.create("${kind}", "${name}"))`, { kind, name });
    return t;
  }

  private info(t: Target): SinkInfo {
    const count = t.kind === 'queue' ? this.queues.count(t.name)
      : t.kind === 'stream' ? this.streams.count(t.name)
        : t.kind === 'table' ? this.tables.count(t.name)
          : t.kind === 'log' ? this.logs.count(t.name)
          : this.ctx.log.count(t.kind, t.name);
    const sql = t.kind === 'table' ? { sql: `SELECT * FROM "${(t.state as { view: string }).view}"` } : {};
    return { kind: t.kind, name: t.name, arn: arnOf(t.kind, t.name), options: t.options as JsonObject, count, createdAt: t.created, ...sql };
  }

  private recorded(r: SinkRecorded): void {
    if (!this.events.has('recorded')) return;
    if (this.batch.length < BATCH_MAX) this.batch.push(r);
    this.batchTimer ??= setTimeout(() => {
      this.batchTimer = undefined;
      this.events.emit('recorded', this.batch.splice(0));
    }, BATCH_MS);
  }

  private ready(): void {
    if (!this.started) throw new EngineError('Unavailable', 'the sink service is not started');
  }
}

const notFoundText: Record<SinkKind, string> = {
  queue: 'queue', notify: 'topic', stream: 'stream', firehose: 'delivery stream', table: 'table', metric: 'namespace', log: 'log group', alarm: 'alarm',
};
