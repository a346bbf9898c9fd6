/**
 * The environment a local function runs with: the variables Lambda documents for a function ("Defined runtime
 * environment variables") plus the function's own configured ones, and nothing of the engine's own environment,
 * which may hold the user's real AWS credentials. The Python interpreter is found here, on the engine's PATH, so
 * the function's process needs no inherited PATH to start.
 *
 * The engine adds two variables Lambda does not set: `AWS_ENDPOINT_URL` (the engine's HTTP endpoint), so an AWS SDK
 * client made in the function as on AWS (`new DynamoDBClient({})`) calls the engine's AWS APIs, and
 * `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED`, which keeps the SDK's Node-version notice out of its log.
 *
 * LIMITATIONS: Lambda-only paths (`AWS_LAMBDA_RUNTIME_API`, `LAMBDA_RUNTIME_DIR`, `NODE_PATH`, `PYTHONPATH`,
 * `LD_LIBRARY_PATH`) and the X-Ray variables are not set. The credentials are temporary credentials of the function's
 * execution role that the engine issues and accepts (without an issuer, local placeholders: either way an SDK inside
 * the function never falls back to the user's own credential files). A JavaScript worker shares the
 * engine's process, so its time zone is the engine's whatever `TZ` says, and `/proc/self/environ` still shows the
 * environment the engine was started with; Python functions run in a process of their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { LOCAL_REGION as REGION } from '../core/index.js';

/** Variables Lambda reserves: a function's configuration cannot set them. */
export const RESERVED_VARIABLES = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

/** Lambda's own PATH for its managed runtimes. */
const LAMBDA_PATH = '/usr/local/bin:/usr/bin/:/bin:/opt/bin';

export interface FunctionEnvInput {
  name: string;
  memoryMb: number;
  /** `AWS_EXECUTION_ENV`, e.g. `AWS_Lambda_nodejs20.x`. */
  executionEnv: string;
  /** The directory holding the function's code (`LAMBDA_TASK_ROOT`). */
  taskRoot: string;
  /** The function's configured variables (reserved names already removed). */
  variables?: Record<string, string>;
  /** The handler setting (`index.handler`); `<name>.handler` for a folder function. */
  handler?: string;
  /** The instance's log stream. */
  logStream?: string;
  /** The engine's HTTP endpoint (`AWS_ENDPOINT_URL`: the AWS SDKs in the function call the engine's AWS APIs). */
  endpoint?: string;
  /** The execution role's temporary credentials. */
  credentials?: FunctionCredentials;
}

/** Temporary credentials a function runs with (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). */
export interface FunctionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms. */
  expiration: number;
}

/** The whole environment of one function: Lambda's documented set, then the function's own variables. */
export function functionEnvironment(f: FunctionEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    LANG: 'en_US.UTF-8', PATH: LAMBDA_PATH, TZ: ':UTC',
    // Not a Lambda variable: it points the AWS SDKs (v3, boto3) and the CLI at the engine; a function's own wins.
    ...(f.endpoint ? { AWS_ENDPOINT_URL: f.endpoint } : {}),
    // Not a Lambda variable either: the engine's SDK copy would log its "needs Node 22 from 2027" notice at ERROR level
    // in every function's log on Node 20 (Lambda's bundled SDK does not); a function's own setting wins.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...f.variables,
    _HANDLER: f.handler ?? `${f.name}.handler`,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: f.executionEnv,
    AWS_LAMBDA_FUNCTION_NAME: f.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(f.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${f.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: f.logStream ?? `local/${f.name}`,
    AWS_ACCESS_KEY_ID: f.credentials?.accessKeyId ?? 'ASIALOCALFUNCTION000',
    AWS_SECRET_ACCESS_KEY: f.credentials?.secretAccessKey ?? 'thingbench-local-function-placeholder',
    AWS_SESSION_TOKEN: f.credentials?.sessionToken ?? 'thingbench-local-function-placeholder',
    LAMBDA_TASK_ROOT: f.taskRoot,
  };
  // Windows: Python cannot initialise its random source without SystemRoot (a path, not a secret).
  if (process.platform === 'win32' && process.env.SystemRoot) env.SystemRoot = process.env.SystemRoot;
  return env;
}

/** `AWS_EXECUTION_ENV` of the JavaScript runtime (the Node version the engine runs on). */
export const nodeExecutionEnv = () => `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`;

/**
 * A function's configured variables (`"environment": { "variables": { … } }` in `<name>.config.json`, Lambda's
 * `Environment.Variables`): string values under names Lambda allows and does not reserve; the rest is reported.
 */
export function configuredVariables(raw: unknown, report: (problem: string) => void): Record<string, string> {
  const vars = (raw as { variables?: unknown } | undefined)?.variables;
  if (vars === undefined) return {};
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) {
    report('environment.variables must be an object of strings');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(k)) report(`environment variable name ${JSON.stringify(k)} is not allowed (letters, digits and _, starting with a letter)`);
    else if (RESERVED_VARIABLES.has(k)) report(`environment variable ${k} is reserved by Lambda and cannot be set`);
    else if (typeof v !== 'string') report(`environment variable ${k} must be a string`);
    else out[k] = v;
  }
  return out;
}

export interface Interpreter {
  /** Absolute path. */
  path: string;
  /** `AWS_EXECUTION_ENV`, e.g. `AWS_Lambda_python3.11`. */
  executionEnv: string;
}

let python: Interpreter | null | undefined;

/** The `python3` on the engine's PATH as an absolute path, with its version; `null` when there is none. */
export function pythonInterpreter(): Interpreter | null {
  if (python !== undefined) return python;
  python = null;
  const names = process.platform === 'win32' ? ['python3.exe', 'python.exe'] : ['python3'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d))) {
    for (const n of names) {
      const file = path.join(dir, n);
      try {
        fs.accessSync(file, fs.constants.X_OK);
      } catch {
        continue;
      }
      const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 5000, env: process.platform === 'win32' ? { SystemRoot: process.env.SystemRoot ?? '' } : {} });
      const m = /Python (3)\.(\d+)/.exec(`${r.stdout}${r.stderr}`);
      if (r.status === 0 && m) return (python = { path: file, executionEnv: `AWS_Lambda_python${m[1]}.${m[2]}` });
    }
  }
  return python;
}

