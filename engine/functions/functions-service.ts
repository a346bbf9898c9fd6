/**
 * Local Lambda: functions from `<dataDir>/functions/` files and from the Lambda API's zips, one invocation state
 * machine (`Invocation`), a Node.js worker runtime and a Python runtime, each invocation's log written to
 * `/aws/lambda/<name>` (START, the function's output, END, REPORT). Built in `engine.ts` and given to the rules
 * (the `lambda` action), the sinks (Kinesis consumers, Firehose transforms) and the Lambda edge.
 *
 * LIMITATIONS:
 * - One warm instance per Node.js function (invocations wait their turn, at most `maxQueue`, then `Busy`); Python
 *   functions run one process per invocation, in parallel, always cold.
 * - Only `$LATEST`: no versions, aliases, layers, container images, provisioned or reserved concurrency.
 * - `Event` invocations run once: no retries, no destinations or dead-letter queue.
 * - Resource policies and function URLs' `AWS_IAM` are stored; IAM does not decide who may invoke.
 * - Event source mappings: SQS queues, Kinesis streams and DynamoDB streams (event-source-mappings.ts, its own LIMITATIONS).
 * - The function's `console` also goes to the engine log; `Max Memory Used` is the worker's V8 heap (Node.js) or
 *   the process's peak RSS (Python).
 */
import path from 'node:path';
import { EngineError, systemClock, type Clock, type Logger, type Service } from '../core/index.js';
import { FolderFunctions } from './folder-functions.js';
import { FunctionCatalog } from './function-catalog.js';
import { FunctionAttachments } from './function-attachments.js';
import type { FunctionCredentials } from './function-env.js';
import { invocationLogEvents, logGroupOf, logTail, type FunctionLogSink } from './function-logs.js';
import { checkSettings, functionArn, notFound, resolveFunctionName, type FunctionConfig, type FunctionSettings } from './function-model.js';
import type { FunctionSdkHost, FunctionSpec } from './function-spec.js';
import { Invocation, failedBeforeRun, type FunctionResult } from './invocation.js';
import { NodeRuntime, type InvokeExtra } from './node-runtime.js';
import { PythonRuntime } from './python-runtime.js';
import { zipOneFile } from './zip-package.js';
import { EventSourceMappings, type MappingQueues, type MappingStreams } from './event-source-mappings.js';
import fs from 'node:fs';

/** Credentials are issued again when they have less than this left. */
const CREDENTIALS_MARGIN_MS = 3_600_000;

export interface FunctionsServiceOptions {
  dataDir: string;
  logger: Logger;
  sdk: FunctionSdkHost;
  /** Where each invocation's log goes (the CloudWatch Logs groups); none: the engine log only. */
  logs?: FunctionLogSink;
  clock?: Clock;
  /** Invocations waiting per Node.js function before `Busy`. */
  maxQueue?: number;
  /** The engine's HTTP endpoint once it listens: functions get it as `AWS_ENDPOINT_URL`. */
  endpoint?: () => string | undefined;
  /** Issues a function's execution-role credentials (the engine's STS); none: local placeholders. */
  credentials?: (functionName: string, roleArn: string | undefined) => FunctionCredentials;
  /**
   * `--require-roles`: whether Lambda can assume an execution role (the engine's IAM); a role it cannot is refused
   * by CreateFunction and UpdateFunctionConfiguration, as Lambda does. None: any role is taken.
   */
  roleAssumable?: (roleArn: string) => boolean;
  /** The SQS queues event source mappings poll (a thunk: the sinks are made after the functions). */
  queues?: () => MappingQueues | undefined;
  /** The Kinesis streams, tables' change feeds, queues and topics stream event source mappings use (a thunk, as `queues`). */
  streams?: () => MappingStreams | undefined;
}

export interface InvokeOptions extends InvokeExtra {
  /** Also return the last 4 KB of the invocation's log (Invoke's `LogType: Tail`). */
  tail?: boolean;
}

export type InvokeOutcome = FunctionResult & { logTail?: string };

/** One function's billed use: invocations and GB-seconds. */
export interface FunctionUsage {
  name: string;
  invocations: number;
  gbSeconds: number;
}

export class FunctionsService implements Service {
  readonly name = 'functions';
  readonly folder: FolderFunctions;
  readonly attachments: FunctionAttachments;
  readonly mappings: EventSourceMappings;
  private readonly catalog: FunctionCatalog;
  private readonly node: NodeRuntime;
  private readonly python: PythonRuntime;
  private stopped = false;
  private readonly credentials = new Map<string, FunctionCredentials & { role: string | undefined }>();

  constructor(private readonly opts: FunctionsServiceOptions) {
    const clock = opts.clock ?? systemClock;
    const root = path.join(opts.dataDir, 'lambda');
    this.folder = new FolderFunctions(path.join(opts.dataDir, 'functions'), opts.logger);
    this.catalog = new FunctionCatalog(root, clock);
    this.attachments = new FunctionAttachments(root, clock);
    const host = { sdk: opts.sdk, logger: opts.logger, endpoint: opts.endpoint, credentials: (name: string) => this.credentialsOf(name) };
    this.node = new NodeRuntime(host, opts.maxQueue);
    this.python = new PythonRuntime(host);
    this.mappings = new EventSourceMappings(root, {
      clock, logger: opts.logger, queues: () => opts.queues?.(), streams: () => opts.streams?.(),
      invoke: (name, event) => this.invoke(name, event), role: (name) => (this.catalog.has(name) ? this.catalog.get(name).role : undefined),
    });
  }

  async start(): Promise<void> {
    this.catalog.open();
    this.attachments.open();
    this.mappings.open();
    this.mappings.start();
  }

  async stop(): Promise<void> {
    // The mappings' batches in flight finish (and checkpoint) before the runtimes go.
    await this.mappings.stop();
    this.stopped = true;
    this.node.dispose();
    this.python.dispose();
  }

  /** A function's credentials, issued again when they have less than an hour left (Lambda refreshes them likewise). */
  private credentialsOf(name: string): FunctionCredentials | undefined {
    if (!this.opts.credentials) return undefined;
    const now = (this.opts.clock ?? systemClock).now();
    const role = this.catalog.has(name) ? this.catalog.get(name).role : undefined;
    const held = this.credentials.get(name);
    // A changed execution role (UpdateFunctionConfiguration) gets its own credentials at once.
    if (held && held.role === role && held.expiration - now > CREDENTIALS_MARGIN_MS) return held;
    const fresh = { ...this.opts.credentials(name, role), role };
    this.credentials.set(name, fresh);
    return fresh;
  }

  // ── invoking ──────────────────────────────────────────────────────────────

  /** A function ARN (full or partial) or name → the name; throws InvalidInput (the rules' `functionArn` check). */
  resolveName(ref: string): string {
    try {
      return resolveFunctionName(ref);
    } catch {
      throw new EngineError('InvalidInput', `Invalid function ARN or name: ${ref}`);
    }
  }

  /** Runs a function with an event; resolves with its result or why it failed (never rejects). */
  invoke(name: string, event: unknown, opts: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.stopped) return failedBeforeRun(name, 'Crashed', { errorType: 'ServiceException', errorMessage: 'the engine is stopping' });
    const spec = this.spec(name);
    if (!spec) {
      return failedBeforeRun(name, 'NotFound', {
        errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${functionArn(name)} (no ${name}.js, .mjs, .ts or .py in ${this.folder.dir} and no function created with that name)`,
      });
    }
    const inv = new Invocation(name, event, spec.timeoutMs);
    (spec.language === 'python' ? this.python : this.node).run(inv, spec, opts);
    return inv.done.then((result) => {
      if (inv.state === 'queued') return result; // refused before it ran (Busy): nothing to log
      this.meter(name, result.durationMs, spec.memoryMb);
      const events = invocationLogEvents(inv, spec.memoryMb);
      this.opts.logs?.write(logGroupOf(name), inv.logStream, events).catch((e: Error) => this.opts.logger.log('warn', 'functions', `could not write the log of ${name}: ${e.message}`));
      return opts.tail ? { ...result, logTail: logTail(events) } : result;
    });
  }

  private readonly usageByName = new Map<string, FunctionUsage>();

  /** Lambda bills each request and its duration (rounded up to 1 ms) times the memory configured. */
  private meter(name: string, durationMs: number, memoryMb: number): void {
    let u = this.usageByName.get(name);
    if (!u) {
      u = { name, invocations: 0, gbSeconds: 0 };
      this.usageByName.set(name, u);
    }
    u.invocations++;
    u.gbSeconds += (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
  }

  /** Invocations that ran, and their GB-seconds, per function since the start. */
  usage(): FunctionUsage[] {
    return [...this.usageByName.values()].map((u) => ({ ...u }));
  }

  private spec(name: string): FunctionSpec | null {
    return this.catalog.spec(name) ?? this.folder.spec(name);
  }

  // ── functions ─────────────────────────────────────────────────────────────

  exists(name: string): boolean {
    return this.catalog.has(name) || this.folder.locate(name) !== null;
  }

  get(name: string): FunctionConfig {
    if (this.catalog.has(name)) return this.catalog.get(name);
    const f = this.folder.config(name);
    if (!f) throw notFound(name);
    return f;
  }

  list(): FunctionConfig[] {
    const names = new Set([...this.catalog.names(), ...this.folder.names()]);
    return [...names].sort().map((n) => this.get(n));
  }

  async create(name: string, settings: Required<Pick<FunctionSettings, 'runtime' | 'handler' | 'role'>> & FunctionSettings, zip: Buffer): Promise<FunctionConfig> {
    if (this.exists(name)) throw new EngineError('AlreadyExists', `Function already exist: ${name}`);
    checkSettings(settings);
    this.checkRole(settings.role);
    return this.catalog.create(name, settings, zip);
  }

  /** The deployment package (a folder function's file zipped on the fly). */
  code(name: string): Buffer {
    if (this.catalog.has(name)) return this.catalog.zip(name);
    const file = this.folder.locate(name);
    if (!file) throw notFound(name);
    return zipOneFile(path.basename(file), fs.readFileSync(file));
  }

  async updateCode(name: string, zip: Buffer, revisionId?: string): Promise<FunctionConfig> {
    this.apiOnly(name, 'its code');
    const c = await this.catalog.updateCode(name, zip, revisionId);
    this.node.retire(name);
    return c;
  }

  async updateConfiguration(name: string, settings: FunctionSettings, revisionId?: string): Promise<FunctionConfig> {
    this.apiOnly(name, 'its configuration (in ' + name + '.config.json)');
    checkSettings(settings);
    this.checkRole(settings.role);
    const c = await this.catalog.updateSettings(name, settings, revisionId);
    this.node.retire(name);
    return c;
  }

  /** The function's tags: none for a folder function (the Lambda API tags only the functions it created). */
  tags(name: string): Record<string, string> {
    if (this.catalog.has(name)) return this.catalog.tags(name);
    if (!this.folder.locate(name)) throw notFound(name);
    return {};
  }

  /** Adds or overwrites tags (the caller checked AWS's limits). */
  async tag(name: string, tags: Record<string, string>): Promise<void> {
    this.apiOnly(name, 'it (the Lambda API tags only the functions it created)');
    await this.catalog.setTags(name, { ...this.catalog.tags(name), ...tags });
  }

  /** Removes tag keys; a key the function does not have is ignored. */
  async untag(name: string, keys: string[]): Promise<void> {
    this.apiOnly(name, 'it (the Lambda API tags only the functions it created)');
    const tags = this.catalog.tags(name);
    for (const k of keys) delete tags[k];
    await this.catalog.setTags(name, tags);
  }

  /** Lambda's refusal of an execution role it cannot assume (`--require-roles`). */
  private checkRole(role: string | undefined): void {
    if (role !== undefined && this.opts.roleAssumable && !this.opts.roleAssumable(role)) {
      throw new EngineError('InvalidInput', 'The role defined for the function cannot be assumed by Lambda.');
    }
  }

  async delete(name: string): Promise<void> {
    this.apiOnly(name, 'it (delete its file)');
    this.catalog.delete(name);
    this.node.retire(name);
    await this.attachments.forget(name);
    await this.mappings.forgetFunction(name);
  }

  private apiOnly(name: string, what: string): void {
    if (this.catalog.has(name)) return;
    if (!this.folder.locate(name)) throw notFound(name);
    throw new EngineError('Conflict', `The function ${name} is a file in ${this.folder.dir}: edit ${what} there; the Lambda API changes only the functions it created.`);
  }
}
