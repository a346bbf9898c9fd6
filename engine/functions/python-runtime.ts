/**
 * The Python 3 runtime: the `python3` on the engine's PATH, one process per invocation (cold every time; one log
 * stream per function, as one instance), its address space capped at the function's memory size. The result is
 * taken once the process has exited, so everything it printed is in the invocation's log first.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { Invocation } from './invocation.js';
import type { FunctionSpec } from './function-spec.js';
import { functionEnvironment, pythonInterpreter } from './function-env.js';
import { applyRuntimeMessage, lambdaContext, logStreamName, type RuntimeHost, type RuntimeMessage } from './runtime-protocol.js';
import type { InvokeExtra } from './node-runtime.js';
import { PYTHON_SOURCE } from './worker-source.js';

export class PythonRuntime {
  private readonly streams = new Map<string, string>();
  private readonly running = new Set<Invocation>();

  constructor(private readonly host: RuntimeHost) {}

  run(inv: Invocation, spec: FunctionSpec, extra: InvokeExtra): void {
    const python = pythonInterpreter();
    if (!python) {
      inv.fail('NotFound', { errorType: 'Runtime.InvalidRuntime', errorMessage: `python3 is not available to run ${spec.handler}` });
      return;
    }
    let stream = this.streams.get(spec.name);
    if (!stream) this.streams.set(spec.name, stream = logStreamName(Date.now(), randomBytes(16).toString('hex')));
    inv.logStream = stream;
    const env = functionEnvironment({ name: spec.name, handler: spec.handler, memoryMb: spec.memoryMb, executionEnv: python.executionEnv, taskRoot: spec.taskRoot, variables: spec.variables, logStream: stream, endpoint: this.host.endpoint?.(), credentials: this.host.credentials?.(spec.name) });
    const child = spawn(python.path, ['-u', '-c', PYTHON_SOURCE, spec.file, spec.moduleName, spec.exportName ?? '', String(spec.memoryMb), spec.taskRoot],
      { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], cwd: spec.taskRoot, env });
    inv.start();
    this.running.add(inv);
    let result: RuntimeMessage | null = null;
    inv.onSettled(() => {
      this.running.delete(inv);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const output = (s: NodeJS.ReadableStream | null, level: 'info' | 'warn') => {
      let pending = '';
      s?.on('data', (d: Buffer) => {
        pending += d.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim()) applyRuntimeMessage(inv, { type: 'log', text: line }, this.host, () => undefined);
        }
      });
      s?.on('end', () => { if (pending.trim()) applyRuntimeMessage(inv, { type: 'log', text: pending }, this.host, () => undefined); });
      void level;
    };
    output(child.stdout, 'info');
    output(child.stderr, 'warn');
    child.stdin.on('error', () => {});
    let buf = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let m: RuntimeMessage;
        try { m = JSON.parse(line) as RuntimeMessage; } catch { continue; }
        if (m.type === 'result') result = m;
        else applyRuntimeMessage(inv, m, this.host, (_id, r) => child.stdin.write(JSON.stringify(r) + '\n'));
      }
    });
    child.on('error', (e) => inv.fail('Crashed', { errorType: 'Runtime.ExitError', errorMessage: e.message }));
    child.on('close', (code, signal) => {
      if (result) {
        if (result.type === 'result' && !result.ok && result.error?.stackTrace) {
          inv.log(`[ERROR] ${result.error.errorType}: ${result.error.errorMessage}\nTraceback (most recent call last):\n${result.error.stackTrace.join('')}`.trimEnd());
        }
        applyRuntimeMessage(inv, result, this.host, () => undefined);
      } else {
        inv.fail('Crashed', { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${inv.requestId} Error: Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}` });
      }
    });
    child.stdin.write(JSON.stringify({ event: inv.event ?? null, deadline: inv.deadline, context: lambdaContext(inv, spec.memoryMb, stream, extra, true) }) + '\n');
  }

  dispose(): void {
    for (const inv of [...this.running]) inv.fail('Crashed', { errorType: 'Runtime.ExitError', errorMessage: 'the engine is stopping' });
  }
}
