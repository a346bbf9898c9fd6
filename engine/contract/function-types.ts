/** Local Lambda functions as the UI shows them: configuration, code, invocations and their logs. */
import type { JsonValue } from './shadow-types.js';

export interface FunctionSummary {
  name: string;
  arn: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  /** Seconds. */
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
  codeSize: number;
  codeSha256: string;
  lastModified: number;
  /** `api`: created with CreateFunction (a zip); `folder`: a file in `<dataDir>/functions`. */
  source: 'api' | 'folder';
}

/** A new function from one handler file (`functions.create`). */
export interface FunctionCreateInput {
  name: string;
  runtime: string;
  /** `index.handler`: the module (file name without extension) and its export. */
  handler: string;
  /** The handler file's text. */
  code: string;
  /** The file's name in the package; by default the handler's module with `.js` (Node.js) or `.py` (Python). */
  fileName?: string;
  /** An IAM role ARN; by default `arn:aws:iam::000000000000:role/lambda-local`. */
  role?: string;
  description?: string;
  /** Seconds (1–900, default 3). */
  timeout?: number;
  /** MB (128–10240, default 128). */
  memorySize?: number;
  environment?: Record<string, string>;
}

/**
 * A function's new configuration (`functions.update`, as UpdateFunctionConfiguration): only the members given change;
 * `environment` replaces all the variables (`{}` removes them).
 */
export interface FunctionUpdateInput {
  description?: string;
  /** Seconds (1–900). */
  timeout?: number;
  /** MB (128–10240). */
  memorySize?: number;
  environment?: Record<string, string>;
  role?: string;
}

/** One file of a function's deployment package. */
export interface FunctionFile {
  path: string;
  size: number;
  /** UTF-8 text (at most 512 KiB), or null for a binary or larger file. */
  text: string | null;
}

export interface FunctionDetail extends FunctionSummary {
  /** Every entry of the deployment package, in zip order; the handler's file first. */
  files: FunctionFile[];
  /** The package's path of the handler's file, when found. */
  handlerFile: string | null;
}

export interface FunctionInvokeResult {
  ok: boolean;
  requestId: string;
  durationMs: number;
  /** The function's return value (ok). */
  result?: JsonValue;
  /** Lambda's error document (`errorType`, `errorMessage`, `trace`) when it failed, and why. */
  error?: { kind: string; errorType: string; errorMessage: string; trace?: string[] };
  /** The invocation's log: START, the function's output, END, REPORT. */
  log: string;
}

/** One event of a function's log group (`/aws/lambda/<name>`). */
export interface FunctionLogEvent {
  time: number;
  stream: string;
  message: string;
  /** The invocation it belongs to (from its START/END/REPORT line or the runtime's prefix), when known. */
  requestId: string | null;
}

/** A function's recent invocations, from its log group, newest first. */
export interface FunctionInvocation {
  requestId: string;
  start: number;
  stream: string;
  /** From the REPORT line. */
  durationMs: number | null;
  /** The invocation ended with an error line (`ERROR`, `Task timed out`, `Runtime exited`). */
  failed: boolean;
  lines: FunctionLogEvent[];
}
