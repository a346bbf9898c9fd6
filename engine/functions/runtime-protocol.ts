/**
 * The one result protocol both runtimes speak (Node workers by `postMessage`, Python processes by JSON lines on
 * fd 3): `log` lines, `sdk` calls answered by the engine, and one `result` per invocation. This file turns those
 * messages into the invocation's transitions, so a Node and a Python function report alike.
 */
import type { Logger } from '../core/index.js';
import type { FunctionCredentials } from './function-env.js';
import { functionArn } from './function-model.js';
import type { Invocation, LambdaErrorBody } from './invocation.js';
import { sdkCall, type FunctionSdkHost } from './function-spec.js';

export type RuntimeMessage =
  | { type: 'log'; id?: number; text: string }
  | { type: 'sdk'; callId?: number; op: string; args: Record<string, unknown> }
  | { type: 'result'; id?: number; ok: boolean; value?: unknown; error?: LambdaErrorBody; kind?: string; maxMemoryMb?: number | null; initMs?: number | null };

export interface RuntimeHost {
  sdk: FunctionSdkHost;
  logger: Logger;
  /** The engine's HTTP endpoint once it listens (the functions' `AWS_ENDPOINT_URL`). */
  endpoint?: () => string | undefined;
  /** A function's execution-role credentials, fresh for at least the next hour. */
  credentials?: (functionName: string) => FunctionCredentials | undefined;
}

/** Applies one runtime message to its invocation; `answer` sends an SDK call's answer back to the runtime. */
export function applyRuntimeMessage(inv: Invocation, m: RuntimeMessage, host: RuntimeHost, answer: (callId: number | undefined, r: { ok: true; value: unknown } | { ok: false; error: string }) => void): void {
  if (m.type === 'log') {
    inv.log(m.text);
    host.logger.log('info', 'functions', `${inv.functionName}: ${m.text}`);
  } else if (m.type === 'sdk') {
    sdkCall(host.sdk, inv.functionName, m.op, m.args ?? {}).then(
      (value) => answer(m.callId, { ok: true, value: value ?? null }),
      (e: Error) => answer(m.callId, { ok: false, error: e.message }),
    ).catch(() => { /* the runtime is gone */ });
  } else if (m.type === 'result') {
    const usage = { ...(typeof m.maxMemoryMb === 'number' ? { maxMemoryMb: m.maxMemoryMb } : {}), ...(typeof m.initMs === 'number' ? { initDurationMs: m.initMs } : {}) };
    if (m.ok) inv.succeed(m.value ?? null, usage);
    else inv.fail(m.kind === 'OutOfMemory' ? 'OutOfMemory' : 'Threw', m.error ?? { errorType: 'Error', errorMessage: 'error' }, usage);
  }
}

/** Lambda's `context` for one invocation (camelCase for Node, snake_case for Python). */
export function lambdaContext(inv: Invocation, memoryMb: number, logStream: string, extra: { traceId?: string; ruleName?: string; clientContext?: unknown }, python: boolean): Record<string, unknown> {
  const name = inv.functionName;
  const base = {
    functionName: name, functionVersion: '$LATEST', invokedFunctionArn: functionArn(name), memoryLimitInMB: String(memoryMb),
    awsRequestId: inv.requestId, logGroupName: `/aws/lambda/${name}`, logStreamName: logStream, traceId: extra.traceId ?? null, ruleName: extra.ruleName ?? null,
    ...(extra.clientContext !== undefined ? { clientContext: extra.clientContext } : {}),
  };
  if (!python) return base;
  return {
    function_name: name, function_version: '$LATEST', invoked_function_arn: functionArn(name), memory_limit_in_mb: memoryMb,
    aws_request_id: inv.requestId, log_group_name: base.logGroupName, log_stream_name: logStream, trace_id: base.traceId, rule_name: base.ruleName,
    ...(extra.clientContext !== undefined ? { client_context: extra.clientContext } : {}),
  };
}

/** A log stream name as Lambda makes one per instance: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function logStreamName(now: number, instanceId: string): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/[$LATEST]${instanceId}`;
}
