/**
 * Local functions for the `lambda` action: `<dataDir>/functions/<name>.js|.mjs|.ts` run in a worker thread (one warm
 * worker per function, invocations one at a time like a single Lambda instance), `<name>.py` in a `python3`
 * subprocess per invocation. Each invocation has the function's timeout (default 3 s) and memory cap (default
 * 128 MB), both configurable in `<name>.config.json` as `{ "timeout": seconds, "memorySize": MB }`, like Lambda's
 * settings, and its own environment variables as `{ "environment": { "variables": { … } } }`. A function sees
 * only the environment Lambda documents (function-env.ts), never the engine's. A function that throws, times out
 * or exceeds its memory is stopped (the worker is terminated and replaced on the next call) and the invocation
 * fails with the reason.
 *
 * LIMITATIONS: no concurrency per function (a queue of at most `maxQueue` waiting invocations, then `Busy`); the
 * SDK offers publish, shadows, notify and reading a table item; `console` output goes to the engine log.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { EngineError, type Logger } from '../../core/index.js';
import type { FunctionErrorKind, FunctionInvoker, FunctionResult } from '../actions/action.js';
import { ACCOUNT_ID, REGION } from '../rule-model.js';
import { PYTHON_SOURCE, WORKER_SOURCE } from './worker-source.js';
import { configuredVariables, functionEnvironment, nodeExecutionEnv, pythonInterpreter } from './function-env.js';

/** What the local SDK inside functions reaches. */
export interface FunctionSdkHost {
  publish(msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }): Promise<void>;
  getShadow(thing: string, name: string | null): unknown;
  updateShadow(thing: string, document: unknown, name: string | null): Promise<unknown>;
  notify(functionName: string, message: string, subject: string | null): void;
  /** A local table's item by its key (DynamoDB's GetItem, plain JSON), or null when there is none. */
  getItem(table: string, key: Record<string, unknown>): unknown;
}

export interface FunctionRunnerOptions {
  dir: string;
  host: FunctionSdkHost;
  logger: Logger;
  defaultTimeoutMs?: number;
  defaultMemoryMb?: number;
  maxQueue?: number;
}

const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const EXTENSIONS = ['.js', '.mjs', '.ts', '.py'];

export const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

export function hasPython(): boolean {
  return pythonInterpreter() !== null;
}

interface FunctionConfig { timeoutMs: number; memoryMb: number; variables: Record<string, string> }

interface Job { event: unknown; traceId?: string; ruleName?: string; resolve: (r: FunctionResult) => void }

export class FunctionRunner implements FunctionInvoker {
  private readonly workers = new Map<string, FunctionWorker>();
  private readonly tsxApi: string;
  private disposed = false;

  constructor(private readonly opts: FunctionRunnerOptions) {
    this.tsxApi = import.meta.resolve('tsx/esm/api');
  }

  resolveName(functionArn: string): string {
    const m = ARN.exec(functionArn);
    const name = m ? m[1] : functionArn;
    if (!FUNCTION_NAME.test(name)) throw new EngineError('InvalidInput', `Invalid function ARN or name: ${functionArn}`);
    return name;
  }

  /** The function's file, or null when none exists. */
  locate(name: string): string | null {
    for (const ext of EXTENSIONS) {
      const file = path.join(this.opts.dir, name + ext);
      if (fs.existsSync(file)) return file;
    }
    return null;
  }

  private config(name: string): FunctionConfig {
    let timeoutMs = this.opts.defaultTimeoutMs ?? 3000;
    let memoryMb = this.opts.defaultMemoryMb ?? 128;
    let variables: Record<string, string> = {};
    try {
      const c = JSON.parse(fs.readFileSync(path.join(this.opts.dir, `${name}.config.json`), 'utf8')) as { timeout?: unknown; memorySize?: unknown; environment?: unknown };
      if (typeof c.timeout === 'number' && c.timeout > 0 && c.timeout <= 900) timeoutMs = c.timeout * 1000;
      if (typeof c.memorySize === 'number' && c.memorySize >= 16 && c.memorySize <= 10240) memoryMb = c.memorySize;
      variables = configuredVariables(c.environment, (problem) => this.opts.logger.log('warn', 'functions', `${name}.config.json: ${problem}`));
    } catch { /* no config: defaults */ }
    return { timeoutMs, memoryMb, variables };
  }

  invoke(name: string, event: unknown, opts: { traceId?: string; ruleName?: string } = {}): Promise<FunctionResult> {
    if (this.disposed) return Promise.resolve({ ok: false, error: 'the engine is stopping', kind: 'Crashed', durationMs: 0 });
    const file = this.locate(name);
    if (!file) {
      return Promise.resolve({ ok: false, kind: 'NotFound', durationMs: 0, error: `Function not found: ${functionArn(name)} (no ${name}.js, .mjs, .ts or .py in ${this.opts.dir})` });
    }
    const cfg = this.config(name);
    if (file.endsWith('.py')) return this.invokePython(name, file, event, cfg, opts);
    let w = this.workers.get(name);
    if (!w) {
      w = new FunctionWorker(name, this.opts, this.tsxApi);
      this.workers.set(name, w);
    }
    return w.enqueue(file, cfg, { event, ...opts, resolve: () => undefined }, this.opts.maxQueue ?? 1000);
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.workers.values()) w.dispose();
    this.workers.clear();
  }

  private invokePython(name: string, file: string, event: unknown, cfg: FunctionConfig, opts: { traceId?: string; ruleName?: string }): Promise<FunctionResult> {
    const started = Date.now();
    const python = pythonInterpreter();
    if (!python) return Promise.resolve({ ok: false, kind: 'NotFound', durationMs: 0, error: `python3 is not available to run ${path.basename(file)}` });
    return new Promise((resolve) => {
      const env = functionEnvironment({ name, memoryMb: cfg.memoryMb, executionEnv: python.executionEnv, taskRoot: this.opts.dir, variables: cfg.variables });
      const child = spawn(python.path, ['-c', PYTHON_SOURCE, file, String(cfg.memoryMb)], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], cwd: this.opts.dir, env });
      let done = false;
      const finish = (r: FunctionResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
        resolve(r);
      };
      const timer = setTimeout(() => finish({ ok: false, kind: 'Timeout', durationMs: Date.now() - started, error: `Task timed out after ${(cfg.timeoutMs / 1000).toFixed(2)} seconds` }), cfg.timeoutMs);
      const log = (stream: NodeJS.ReadableStream | null, level: 'info' | 'warn') => stream?.on('data', (d: Buffer) => {
        for (const line of d.toString('utf8').split('\n')) if (line.trim()) this.opts.logger.log(level, 'functions', `${name}: ${line}`, opts.traceId ? { traceId: opts.traceId } : undefined);
      });
      log(child.stdout, 'info');
      log(child.stderr, 'warn');
      child.stdin.on('error', () => {});
      const proto = child.stdio[3] as NodeJS.ReadableStream;
      let buf = '';
      proto.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let msg: { type: string; ok?: boolean; value?: unknown; error?: string; kind?: string; op?: string; args?: Record<string, unknown> };
          try { msg = JSON.parse(line) as typeof msg; } catch { continue; }
          if (msg.type === 'result') {
            finish(msg.ok ? { ok: true, result: msg.value, durationMs: Date.now() - started }
              : { ok: false, kind: msg.kind === 'OutOfMemory' ? 'OutOfMemory' : 'Threw', error: msg.error ?? 'error', durationMs: Date.now() - started });
          } else if (msg.type === 'sdk') {
            void sdkCall(this.opts.host, name, msg.op ?? '', msg.args ?? {}).then(
              (value) => child.stdin.write(JSON.stringify({ ok: true, value: value ?? null }) + '\n'),
              (e: Error) => child.stdin.write(JSON.stringify({ ok: false, error: e.message }) + '\n'),
            );
          }
        }
      });
      child.on('error', (e) => finish({ ok: false, kind: 'Crashed', error: e.message, durationMs: Date.now() - started }));
      child.on('exit', (code, signal) => finish({ ok: false, kind: 'Crashed', error: `the function process exited (${signal ?? code}) without a result`, durationMs: Date.now() - started }));
      const deadline = started + cfg.timeoutMs;
      child.stdin.write(JSON.stringify({ event: event ?? null, deadline, context: lambdaContext(name, cfg.memoryMb, opts, true) }) + '\n');
    });
  }
}

function lambdaContext(name: string, memoryMb: number, opts: { traceId?: string; ruleName?: string }, python = false): Record<string, unknown> {
  const requestId = randomUUID();
  const base = {
    functionName: name, functionVersion: '$LATEST', invokedFunctionArn: functionArn(name), memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId, logGroupName: `/aws/lambda/${name}`, logStreamName: `local/${name}`, traceId: opts.traceId ?? null, ruleName: opts.ruleName ?? null,
  };
  if (!python) return base;
  return {
    function_name: name, function_version: '$LATEST', invoked_function_arn: functionArn(name), memory_limit_in_mb: memoryMb,
    aws_request_id: requestId, log_group_name: base.logGroupName, log_stream_name: base.logStreamName, trace_id: base.traceId, rule_name: base.ruleName,
  };
}

/** One local SDK call from a function. */
export async function sdkCall(host: FunctionSdkHost, fn: string, op: string, args: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'publish': {
      if (typeof args.topic !== 'string' || !args.topic) throw new Error('publish needs a topic');
      const p = args.payload;
      const payload = p instanceof Uint8Array ? Buffer.from(p) : typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(JSON.stringify(p ?? null));
      await host.publish({ topic: args.topic, payload, qos: args.qos === 1 ? 1 : 0, retain: false });
      return null;
    }
    case 'getShadow':
      return host.getShadow(String(args.thingName), typeof args.shadowName === 'string' ? args.shadowName : null);
    case 'updateShadow':
      return host.updateShadow(String(args.thingName), args.document, typeof args.shadowName === 'string' ? args.shadowName : null);
    case 'notify':
      host.notify(fn, String(args.message), typeof args.subject === 'string' ? args.subject : null);
      return null;
    case 'getItem': {
      const key = args.key;
      if (typeof args.tableName !== 'string' || !args.tableName) throw new Error('getItem needs a table name');
      if (!key || typeof key !== 'object' || Array.isArray(key)) throw new Error('getItem needs a key object, e.g. { id: "sensor-1" }');
      return host.getItem(args.tableName, key as Record<string, unknown>) ?? null;
    }
    default:
      throw new Error(`unknown SDK call ${op}`);
  }
}

/** One warm worker for one function; invocations run one at a time. */
class FunctionWorker {
  private worker: Worker | null = null;
  private version = '';
  private readonly queue: Array<{ file: string; cfg: FunctionConfig; job: Job; resolve: (r: FunctionResult) => void }> = [];
  private running = false;
  private nextId = 1;

  constructor(private readonly name: string, private readonly opts: FunctionRunnerOptions, private readonly tsxApi: string) {}

  enqueue(file: string, cfg: FunctionConfig, job: Job, maxQueue: number): Promise<FunctionResult> {
    if (this.queue.length >= maxQueue) return Promise.resolve({ ok: false, kind: 'Busy', durationMs: 0, error: `Rate exceeded: ${this.queue.length} invocations of ${this.name} are waiting` });
    return new Promise((resolve) => {
      this.queue.push({ file, cfg, job, resolve });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length) {
      const next = this.queue.shift()!;
      next.resolve(await this.run(next.file, next.cfg, next.job));
    }
    this.running = false;
  }

  private spawn(file: string, cfg: FunctionConfig): Worker {
    const memoryMb = cfg.memoryMb;
    let version = '0';
    try { version = String(fs.statSync(file).mtimeMs); } catch { /* gone: the import fails and reports it */ }
    const key = `${file}@${version}@${memoryMb}@${JSON.stringify(cfg.variables)}`;
    if (this.worker && this.version !== key) {
      void this.worker.terminate();
      this.worker = null;
    }
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, version, tsxApi: this.tsxApi },
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(16, Math.max(4, memoryMb / 8)), stackSizeMb: 4 },
      stdout: true,
      stderr: true,
      // The worker's process.env (and that of any process it starts) is this object only, never the engine's.
      env: functionEnvironment({ name: this.name, memoryMb, executionEnv: nodeExecutionEnv(), taskRoot: this.opts.dir, variables: cfg.variables }),
    });
    const log = (stream: NodeJS.ReadableStream, level: 'info' | 'warn') => stream.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) if (line.trim()) this.opts.logger.log(level, 'functions', `${this.name}: ${line}`);
    });
    log(worker.stdout, 'info');
    log(worker.stderr, 'warn');
    worker.unref();
    this.worker = worker;
    this.version = key;
    return worker;
  }

  private run(file: string, cfg: FunctionConfig, job: Job): Promise<FunctionResult> {
    const started = Date.now();
    const worker = this.spawn(file, cfg);
    const id = this.nextId++;
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: FunctionResult, kill: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (kill) {
          void worker.terminate();
          if (this.worker === worker) this.worker = null;
        }
        resolve(r);
      };
      const fail = (kind: FunctionErrorKind, error: string, kill: boolean) => finish({ ok: false, kind, error, durationMs: Date.now() - started }, kill);
      const timer = setTimeout(() => fail('Timeout', `Task timed out after ${(cfg.timeoutMs / 1000).toFixed(2)} seconds`, true), cfg.timeoutMs);
      const onMessage = (m: { type: string; id?: number; ok?: boolean; value?: unknown; error?: string; callId?: number; op?: string; args?: Record<string, unknown> }) => {
        if (m.type === 'result' && m.id === id) {
          if (m.ok) finish({ ok: true, result: m.value, durationMs: Date.now() - started }, false);
          else fail('Threw', m.error ?? 'error', false);
        } else if (m.type === 'sdk') {
          sdkCall(this.opts.host, this.name, m.op ?? '', m.args ?? {}).then(
            (value) => worker.postMessage({ type: 'sdk-result', callId: m.callId, ok: true, value: value ?? null }),
            (e: Error) => worker.postMessage({ type: 'sdk-result', callId: m.callId, ok: false, error: e.message }),
          ).catch(() => { /* worker gone */ });
        }
      };
      const onError = (e: Error & { code?: string }) => {
        if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') fail('OutOfMemory', `Runtime exited: the function exceeded its memory limit of ${cfg.memoryMb} MB`, true);
        else fail('Threw', `${e.name}: ${e.message}`, true);
      };
      const onExit = (code: number) => fail('Crashed', `Runtime exited with code ${code} before returning a result`, true);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ type: 'invoke', id, event: job.event ?? null, deadline: started + cfg.timeoutMs, context: lambdaContext(this.name, cfg.memoryMb, job) });
    });
  }

  dispose(): void {
    for (const q of this.queue.splice(0)) q.resolve({ ok: false, kind: 'Crashed', error: 'the engine is stopping', durationMs: 0 });
    void this.worker?.terminate();
    this.worker = null;
  }
}
