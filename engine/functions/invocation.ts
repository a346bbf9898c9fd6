/**
 * One invocation of a local function, as a state machine: queued → running → succeeded | failed | timedOut.
 * A queued invocation may also fail without running (no such function, too many waiting). Every runtime reports
 * through the same four calls (`start`, `output`, `succeed`, `fail`); the one timeout lives here, so Node and Python
 * functions time out, fail and report alike. Settling twice is ignored (a late result after a timeout is dropped).
 */
import { randomUUID } from 'node:crypto';

export type InvocationState = 'queued' | 'running' | 'succeeded' | 'failed' | 'timedOut';

/** Why an invocation failed; `Threw` covers every error the function's code or module raised. */
export type FunctionErrorKind = 'NotFound' | 'Threw' | 'Timeout' | 'OutOfMemory' | 'Crashed' | 'Busy';

/**
 * Lambda's error document, as the runtime returns it as the payload of a failed invocation: Node.js runtimes send
 * `{ errorType, errorMessage, trace }`, Python runtimes `{ errorMessage, errorType, requestId, stackTrace }`.
 */
export interface LambdaErrorBody {
  errorType: string;
  errorMessage: string;
  trace?: string[];
  stackTrace?: string[];
  requestId?: string;
}

export type FunctionResult =
  | { ok: true; result: unknown; durationMs: number; requestId: string }
  | { ok: false; kind: FunctionErrorKind; error: string; errorBody: LambdaErrorBody; durationMs: number; requestId: string };

/** What the runtime measured, for the REPORT line. */
export interface InvocationUsage { maxMemoryMb?: number; initDurationMs?: number }

export class Invocation {
  readonly requestId = randomUUID();
  state: InvocationState = 'queued';
  /** The function's own output lines (console, print), in order. */
  readonly output: string[] = [];
  startedAt = 0;
  endedAt = 0;
  usage: InvocationUsage = {};
  /** The log stream of the instance that ran it (`YYYY/MM/DD/[$LATEST]<id>`), set by the runtime. */
  logStream = '';
  result: FunctionResult | undefined;
  readonly done: Promise<FunctionResult>;
  private resolveDone!: (r: FunctionResult) => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly settledListeners: Array<(r: FunctionResult) => void> = [];

  constructor(readonly functionName: string, readonly event: unknown, readonly timeoutMs: number, private readonly now: () => number = Date.now) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get deadline(): number {
    return this.startedAt + this.timeoutMs;
  }

  /** queued → running; starts the timeout. */
  start(): void {
    if (this.state !== 'queued') return;
    this.state = 'running';
    this.startedAt = this.now();
    this.timer = setTimeout(() => {
      const seconds = (this.timeoutMs / 1000).toFixed(2);
      this.settle('timedOut', {
        ok: false, kind: 'Timeout', error: `Task timed out after ${seconds} seconds`,
        errorBody: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${this.requestId} Error: Task timed out after ${seconds} seconds` },
        durationMs: this.timeoutMs, requestId: this.requestId,
      });
    }, this.timeoutMs);
  }

  /** One line the function wrote while running. */
  log(line: string): void {
    if (this.state === 'running') this.output.push(line);
  }

  succeed(value: unknown, usage: InvocationUsage = {}): void {
    if (this.state !== 'running') return;
    this.usage = usage;
    this.settle('succeeded', { ok: true, result: value, durationMs: this.elapsed(), requestId: this.requestId });
  }

  fail(kind: FunctionErrorKind, body: LambdaErrorBody, usage: InvocationUsage = {}): void {
    if (this.state !== 'queued' && this.state !== 'running') return;
    this.usage = usage;
    const error = body.errorType && body.errorType !== 'Error' && !body.errorMessage.startsWith(body.errorType)
      ? `${body.errorType}: ${body.errorMessage}` : body.errorMessage;
    this.settle('failed', { ok: false, kind, error, errorBody: body, durationMs: this.state === 'running' ? this.elapsed() : 0, requestId: this.requestId });
  }

  /** Called once, with the result, when the invocation ends (runtimes clean up here: a timed-out worker is stopped). */
  onSettled(fn: (r: FunctionResult) => void): void {
    if (this.result) fn(this.result);
    else this.settledListeners.push(fn);
  }

  get settled(): boolean {
    return this.result !== undefined;
  }

  private elapsed(): number {
    return Math.max(0, this.now() - this.startedAt);
  }

  private settle(state: InvocationState, r: FunctionResult): void {
    if (this.result) return;
    clearTimeout(this.timer);
    this.state = state;
    this.endedAt = this.now();
    this.result = r;
    for (const fn of this.settledListeners.splice(0)) fn(r);
    this.resolveDone(r);
  }
}

/** A failure before the function ran (unknown function, queue full, the engine stopping). */
export function failedBeforeRun(name: string, kind: FunctionErrorKind, body: LambdaErrorBody): Promise<FunctionResult> {
  const inv = new Invocation(name, null, 1);
  inv.fail(kind, body);
  return inv.done;
}
