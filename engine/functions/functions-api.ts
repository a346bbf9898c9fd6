/**
 * The UI contract's `functions` area over the service: configuration, the deployment package's files, invoking with
 * a test event (the log of that invocation returned with it) and recent invocations read back from the function's
 * log group through a narrow port.
 */
import path from 'node:path';
import type { FunctionCreateInput, FunctionUpdateInput, FunctionDetail, FunctionFile, FunctionInvocation, FunctionInvokeResult, FunctionLogEvent, FunctionSummary, JsonValue, ThingbenchApi } from '../contract/index.js';
import { LOCAL_ACCOUNT_ID } from '../core/index.js';
import { functionArn, handlerFiles, resolveFunctionName, validation, type FunctionConfig } from './function-model.js';
import { logGroupOf } from './function-logs.js';
import type { FunctionsService } from './functions-service.js';
import { readPackage, zipOneFile } from './zip-package.js';

/** Reads a log group's newest events (none when the group does not exist yet). */
export type FunctionLogReader = (group: string, limit: number) => Array<{ time: number; stream: string; message: string }>;

const TEXT_MAX = 512 * 1024;
/** The role a function made in the UI runs as when none is given (any role ARN will do locally). */
const DEFAULT_ROLE = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/lambda-local`;
/** Log events read back per call for recent invocations. */
const LOG_EVENTS = 1000;
const REQUEST_LINE = /^(?:START|END|REPORT) RequestId: ([0-9a-f-]{36})/;
const PREFIXED = /^\S+\t([0-9a-f-]{36})\t/;
const TIMED_OUT = /^\S+ ([0-9a-f-]{36}) Task timed out/;

export function functionsApi(functions: FunctionsService, readLog: FunctionLogReader): ThingbenchApi['functions'] {
  return {
    list: async () => functions.list().map(summaryOf),
    get: async (name) => detailOf(functions.get(name), functions.code(name)),
    invoke: async (name, event) => {
      const r = await functions.invoke(name, event ?? {}, { tail: true });
      const log = r.logTail ? Buffer.from(r.logTail, 'base64').toString('utf8') : '';
      const out: FunctionInvokeResult = r.ok
        ? { ok: true, requestId: r.requestId, durationMs: r.durationMs, result: (r.result ?? null) as JsonValue, log }
        : {
          ok: false, requestId: r.requestId, durationMs: r.durationMs, log,
          error: { kind: r.kind, errorType: r.errorBody.errorType, errorMessage: r.errorBody.errorMessage, ...(r.errorBody.trace ? { trace: r.errorBody.trace } : r.errorBody.stackTrace ? { trace: r.errorBody.stackTrace } : {}) },
        };
      return out;
    },
    create: async (input) => summaryOf(await functions.create(...createArgs(input))),
    update: async (name, input) => summaryOf(await functions.updateConfiguration(resolveFunctionName(name), settingsOf(input))),
    delete: async (name) => functions.delete(resolveFunctionName(name)),
    invocations: async (name, limit) => {
      functions.get(name); // NotFound for a missing function
      return invocationsOf(readLog(logGroupOf(name), LOG_EVENTS), Math.min(Math.max(limit ?? 20, 1), 100));
    },
  };
}

/** CreateFunction's arguments for a one-file package, with its checks in its order: the name, then the settings. */
function createArgs(input: FunctionCreateInput): Parameters<FunctionsService['create']> {
  const name = resolveFunctionName(input.name);
  const fileName = input.fileName?.trim() || handlerFiles(input.runtime, input.handler)[0];
  if (fileName.startsWith('/') || fileName.split('/').includes('..')) throw validation(fileName, 'fileName', 'Member must be a relative path inside the package');
  const settings = {
    runtime: input.runtime, handler: input.handler, role: input.role?.trim() || DEFAULT_ROLE,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.timeout !== undefined ? { timeout: input.timeout } : {}),
    ...(input.memorySize !== undefined ? { memorySize: input.memorySize } : {}),
    ...(input.environment !== undefined ? { environment: input.environment } : {}),
  };
  return [name, settings, zipOneFile(fileName, Buffer.from(input.code, 'utf8'))];
}

/** UpdateFunctionConfiguration's settings: only the members given. */
function settingsOf(input: FunctionUpdateInput): Parameters<FunctionsService['updateConfiguration']>[1] {
  return {
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.timeout !== undefined ? { timeout: input.timeout } : {}),
    ...(input.memorySize !== undefined ? { memorySize: input.memorySize } : {}),
    ...(input.environment !== undefined ? { environment: input.environment } : {}),
    ...(input.role?.trim() ? { role: input.role.trim() } : {}),
  };
}

function summaryOf(c: FunctionConfig): FunctionSummary {
  return {
    name: c.name, arn: functionArn(c.name), runtime: c.runtime, handler: c.handler, role: c.role, description: c.description, timeout: c.timeout,
    memorySize: c.memorySize, environment: { ...c.environment }, codeSize: c.codeSize, codeSha256: c.codeSha256, lastModified: c.lastModified, source: c.source,
  };
}

function detailOf(c: FunctionConfig, zip: Buffer): FunctionDetail {
  const files: FunctionFile[] = [...readPackage(zip)].map(([p, data]) => ({ path: p, size: data.length, text: textOf(data) }));
  const handlerFile = handlerFileOf(c, files.map((f) => f.path));
  if (handlerFile) files.sort((a, b) => Number(b.path === handlerFile) - Number(a.path === handlerFile));
  return { ...summaryOf(c), files, handlerFile };
}

function textOf(data: Uint8Array): string | null {
  if (data.length > TEXT_MAX) return null;
  const s = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return s.includes('\uFFFD') || /[\u0000-\u0008\u000E-\u001F]/.test(s) ? null : s;
}

/** `src/app.handler` → `src/app.js` (or .mjs, .cjs, .ts, .py: whichever the package has). */
function handlerFileOf(c: FunctionConfig, paths: string[]): string | null {
  const module = c.handler.slice(0, c.handler.lastIndexOf('.') === -1 ? undefined : c.handler.lastIndexOf('.'));
  const exts = c.runtime.startsWith('python') ? ['.py'] : ['.js', '.mjs', '.cjs', '.ts'];
  for (const ext of exts) {
    const want = path.posix.normalize(module + ext);
    if (paths.includes(want)) return want;
  }
  return paths.length === 1 ? paths[0] : null;
}

/** Groups a log group's events (newest first) into invocations by request id, newest first. */
export function invocationsOf(events: Array<{ time: number; stream: string; message: string }>, limit: number): FunctionInvocation[] {
  const byId = new Map<string, FunctionInvocation>();
  const order: string[] = [];
  // Oldest first, so each invocation's lines keep their order; a line without a request id joins the stream's open one.
  const open = new Map<string, string>();
  for (const e of [...events].reverse()) {
    const id = REQUEST_LINE.exec(e.message)?.[1] ?? PREFIXED.exec(e.message)?.[1] ?? TIMED_OUT.exec(e.message)?.[1] ?? open.get(e.stream) ?? null;
    if (e.message.startsWith('START RequestId: ') && id) open.set(e.stream, id);
    const line: FunctionLogEvent = { time: e.time, stream: e.stream, message: e.message, requestId: id };
    if (!id) continue;
    let inv = byId.get(id);
    if (!inv) {
      inv = { requestId: id, start: e.time, stream: e.stream, durationMs: null, failed: false, lines: [] };
      byId.set(id, inv);
      order.push(id);
    }
    inv.lines.push(line);
    if (e.message.startsWith('START RequestId: ')) inv.start = e.time;
    const report = /^REPORT RequestId: \S+\tDuration: ([\d.]+) ms/.exec(e.message);
    if (report) {
      inv.durationMs = Number(report[1]);
      if (open.get(e.stream) === id) open.delete(e.stream);
    }
    if (/\tERROR\t|Task timed out|Runtime exited|"errorType"/.test(e.message)) inv.failed = true;
  }
  // Newest first by start time (an invocation's log is written when it ends, so writes may land out of order).
  const rank = new Map(order.map((id, i) => [id, i]));
  return order.map((id) => byId.get(id)!).sort((a, b) => b.start - a.start || rank.get(b.requestId)! - rank.get(a.requestId)!).slice(0, limit);
}
