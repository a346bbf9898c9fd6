/**
 * The Node.js runtime: one warm worker thread per function (an instance, with its own log stream), invocations one
 * at a time like a single Lambda instance, at most `maxQueue` waiting. CommonJS and ES modules load through
 * `import()` (the nearest package.json's `type` decides, as on Lambda), `.ts` through tsx. The worker's heap is
 * capped at the function's memory size; a timeout, a crash or running out of memory stops the worker, and the next
 * invocation starts a new one. A new code or configuration revision replaces the warm worker.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { type Invocation } from './invocation.js';
import type { FunctionSpec } from './function-spec.js';
import { functionEnvironment, nodeExecutionEnv } from './function-env.js';
import { namesAwsSdk, sdkRoot } from './sdk-resolution.js';
import { applyRuntimeMessage, lambdaContext, logStreamName, type RuntimeHost, type RuntimeMessage } from './runtime-protocol.js';
import { WORKER_SOURCE } from './worker-source.js';

export interface InvokeExtra {
  traceId?: string;
  ruleName?: string;
  /** Invoke's `X-Amz-Client-Context`, decoded (`context.clientContext`, `context.client_context`). */
  clientContext?: unknown;
}

export class NodeRuntime {
  private readonly workers = new Map<string, FunctionWorker>();
  private readonly tsxApi = import.meta.resolve('tsx/esm/api');

  constructor(private readonly host: RuntimeHost, private readonly maxQueue = 1000) {}

  run(inv: Invocation, spec: FunctionSpec, extra: InvokeExtra): void {
    let w = this.workers.get(spec.name);
    if (!w) {
      w = new FunctionWorker(spec.name, this.host, this.tsxApi);
      this.workers.set(spec.name, w);
    }
    w.enqueue(inv, spec, extra, this.maxQueue);
  }

  /** Stops a function's warm instance (its code or configuration changed, or it was deleted). */
  retire(name: string): void {
    this.workers.get(name)?.dispose('the function was changed');
    this.workers.delete(name);
  }

  dispose(): void {
    for (const w of this.workers.values()) w.dispose('the engine is stopping');
    this.workers.clear();
  }
}

interface Queued { inv: Invocation; spec: FunctionSpec; extra: InvokeExtra }

class FunctionWorker {
  private worker: Worker | null = null;
  private revision = '';
  private stream = '';
  private current: Invocation | null = null;
  private readonly queue: Queued[] = [];
  private running = false;
  private nextId = 1;
  private credentialsId: string | undefined;

  constructor(private readonly name: string, private readonly host: RuntimeHost, private readonly tsxApi: string) {}

  enqueue(inv: Invocation, spec: FunctionSpec, extra: InvokeExtra, maxQueue: number): void {
    if (this.queue.length >= maxQueue) {
      inv.fail('Busy', { errorType: 'TooManyRequestsException', errorMessage: `Rate exceeded: ${this.queue.length} invocations of ${this.name} are waiting` });
      return;
    }
    this.queue.push({ inv, spec, extra });
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length) {
      const next = this.queue.shift()!;
      this.run(next);
      await next.inv.done;
    }
    this.running = false;
  }

  private spawn(spec: FunctionSpec): Worker {
    const credentials = this.host.credentials?.(this.name);
    // New credentials (the old ones near their end) mean a new execution environment, as on Lambda.
    if (this.worker && (this.revision !== spec.revision || credentials?.accessKeyId !== this.credentialsId)) this.stopWorker();
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: spec.file, version: spec.revision, tsxApi: this.tsxApi, exportName: spec.exportName, moduleLabel: spec.moduleName, handlerLabel: spec.handler, sdkRoot: sdkRoot(), sdkHooks: sdkRoot() !== null && namesAwsSdk(spec.taskRoot) },
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb, maxYoungGenerationSizeMb: Math.min(16, Math.max(4, spec.memoryMb / 8)), stackSizeMb: 4 },
      stdout: true,
      stderr: true,
      // The worker's process.env (and that of any process it starts) is this object only, never the engine's.
      env: functionEnvironment({ name: this.name, handler: spec.handler, memoryMb: spec.memoryMb, executionEnv: nodeExecutionEnv(), taskRoot: spec.taskRoot, variables: spec.variables, logStream: this.stream, endpoint: this.host.endpoint?.(), credentials }),
    });
    this.credentialsId = credentials?.accessKeyId;
    // Output written around console (process.stdout.write) belongs to the invocation running at the time.
    const raw = (stream: NodeJS.ReadableStream, level: 'info' | 'warn') => stream.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.current?.log(line);
        this.host.logger.log(level, 'functions', `${this.name}: ${line}`);
      }
    });
    raw(worker.stdout, 'info');
    raw(worker.stderr, 'warn');
    worker.unref();
    this.worker = worker;
    this.revision = spec.revision;
    return worker;
  }

  private run({ inv, spec, extra }: Queued): void {
    if (!this.worker || this.revision !== spec.revision) this.stream = logStreamName(Date.now(), randomBytes(16).toString('hex'));
    const worker = this.spawn(spec);
    const id = this.nextId++;
    inv.logStream = this.stream;
    this.current = inv;
    inv.start();
    const onMessage = (m: RuntimeMessage) => {
      if (m.type === 'result' && m.id !== id) return;
      // Lambda's Node.js runtime logs a handler's error before the END line: `<time>\t<request id>\tERROR\tInvoke Error \t{…}`.
      if (m.type === 'result' && !m.ok && m.kind !== 'OutOfMemory' && m.error) {
        inv.log(`${new Date().toISOString()}\t${inv.requestId}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: m.error.errorType, errorMessage: m.error.errorMessage, stack: m.error.trace ?? [] })}`);
      }
      applyRuntimeMessage(inv, m, this.host, (callId, r) => worker.postMessage({ type: 'sdk-result', callId, ...r }));
    };
    const onError = (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') inv.fail('OutOfMemory', { errorType: 'Runtime.OutOfMemory', errorMessage: `Runtime exited: the function exceeded its memory limit of ${spec.memoryMb} MB` });
      else inv.fail('Threw', { errorType: e.name || 'Error', errorMessage: e.message, trace: String(e.stack ?? '').split('\n') });
    };
    const onExit = (code: number) => inv.fail('Crashed', { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${inv.requestId} Error: Runtime exited with error: exit status ${code}` });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    inv.onSettled(() => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (this.current === inv) this.current = null;
      // A worker that timed out, crashed or ran out of memory is not reused.
      if (inv.state === 'timedOut' || (inv.result && !inv.result.ok && inv.result.kind !== 'Threw')) {
        if (this.worker === worker) this.stopWorker();
        else void worker.terminate();
      }
    });
    worker.postMessage({ type: 'invoke', id, event: inv.event ?? null, deadline: inv.deadline, context: lambdaContext(inv, spec.memoryMb, this.stream, extra, false) });
  }

  private stopWorker(): void {
    void this.worker?.terminate();
    this.worker = null;
    this.revision = '';
  }

  dispose(reason: string): void {
    for (const q of this.queue.splice(0)) q.inv.fail('Crashed', { errorType: 'Runtime.ExitError', errorMessage: reason });
    this.current?.fail('Crashed', { errorType: 'Runtime.ExitError', errorMessage: reason });
    this.stopWorker();
  }
}
