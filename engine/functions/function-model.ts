/**
 * Lambda's function settings and their checks, with Lambda's error texts: names, runtimes, handlers, timeout,
 * memory, role ARNs, environment variables. Problems are `EngineError('InvalidInput')` with `details.reason`
 * `validation` (Lambda's ValidationException, a model constraint) or none (InvalidParameterValueException).
 */
import type { FunctionSummary } from '../contract/index.js';
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../core/index.js';
import { RESERVED_VARIABLES, pythonInterpreter } from './function-env.js';

/** A function's configuration: what the contract shows (`FunctionSummary`, less its ARN) and Lambda's revision id. */
export interface FunctionConfig extends Omit<FunctionSummary, 'arn'> {
  revisionId: string;
}

export interface FunctionSettings {
  runtime?: string;
  handler?: string;
  role?: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, string>;
}

export const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const ARN = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const NODE_RUNTIMES = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x'];
const PYTHON_RUNTIME = /^python3\.(\d+)$/;
const KNOWN_RUNTIMES = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs16.x', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13',
  'java8.al2', 'java11', 'java17', 'java21', 'dotnet8', 'ruby3.2', 'ruby3.3', 'provided.al2', 'provided.al2023'];

export const functionArn = (name: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}`;

/** Lambda's ValidationException text for one member. */
export function validation(value: unknown, member: string, constraint: string): EngineError {
  return new EngineError('InvalidInput', `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`, { reason: 'validation' });
}

export const notFound = (name: string) => new EngineError('NotFound', `Function not found: ${functionArn(name)}`);

/** A function name, full or partial ARN (`[arn:aws:lambda:region:]account:function:name[:qualifier]`) → the name. */
export function resolveFunctionName(ref: string, member = 'functionName'): string {
  const m = ARN.exec(ref);
  if (!m) throw validation(ref, member, 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?');
  if (m[2] && m[2] !== '$LATEST') throw new EngineError('NotFound', `Function not found: ${functionArn(m[1])}:${m[2]}`);
  return m[1];
}

export function languageOf(runtime: string): 'node' | 'python' {
  return runtime.startsWith('python') ? 'python' : 'node';
}

/** Refuses a runtime this engine cannot run (Node.js: the engine's own Node; Python 3: the `python3` on PATH). */
export function checkRuntime(runtime: string): void {
  if (NODE_RUNTIMES.includes(runtime)) return;
  if (PYTHON_RUNTIME.test(runtime)) {
    if (!pythonInterpreter()) throw new EngineError('InvalidInput', `The runtime parameter of ${runtime} is not installed here: no python3 on the engine's PATH. Install Python 3 or use a nodejs runtime.`);
    return;
  }
  if (!KNOWN_RUNTIMES.includes(runtime) && !/^(nodejs|python|java|dotnet|ruby|provided)/.test(runtime)) {
    throw validation(runtime, 'runtime', `Member must satisfy enum value set: [${KNOWN_RUNTIMES.join(', ')}]`);
  }
  throw new EngineError('InvalidInput',
    `The runtime parameter of ${runtime} is not supported by the local Lambda. Supported runtimes: ${NODE_RUNTIMES.join(', ')}, python3.x.`);
}

/** `index.handler` → module `index`, export `handler`; Lambda's pattern `[^\s]+`, at most 128 characters. */
export function parseHandler(handler: string): { module: string; exportName: string } {
  if (typeof handler !== 'string' || handler.length > 128 || !/^[^\s]+$/.test(handler)) throw validation(handler, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+');
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) throw new EngineError('InvalidInput', `Bad handler ${handler}: a handler is <file>.<function>, e.g. index.handler or lambda_function.lambda_handler`);
  return { module: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

/** The files a handler's module may be, relative to the code root, in Lambda's order. */
export function handlerFiles(runtime: string, handler: string): string[] {
  const { module } = parseHandler(handler);
  if (languageOf(runtime) === 'python') return [`${module.replace(/\./g, '/')}.py`];
  return ['.js', '.mjs', '.cjs'].map((ext) => `${module}${ext}`);
}

/** Checks the settings given to CreateFunction or UpdateFunctionConfiguration. */
export function checkSettings(s: FunctionSettings): void {
  if (s.runtime !== undefined) checkRuntime(s.runtime);
  if (s.handler !== undefined) parseHandler(s.handler);
  if (s.role !== undefined && !ROLE.test(s.role)) throw validation(s.role, 'role', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+');
  if (s.description !== undefined && s.description.length > 256) throw validation(s.description, 'description', 'Member must have length less than or equal to 256');
  if (s.timeout !== undefined) {
    if (!Number.isInteger(s.timeout) || s.timeout < 1) throw validation(s.timeout, 'timeout', 'Member must have value greater than or equal to 1');
    if (s.timeout > 900) throw validation(s.timeout, 'timeout', 'Member must have value less than or equal to 900');
  }
  if (s.memorySize !== undefined) {
    if (!Number.isInteger(s.memorySize) || s.memorySize < 128) throw validation(s.memorySize, 'memorySize', 'Member must have value greater than or equal to 128');
    if (s.memorySize > 10240) throw validation(s.memorySize, 'memorySize', 'Member must have value less than or equal to 10240');
  }
  if (s.environment !== undefined) {
    const reserved = Object.keys(s.environment).filter((k) => RESERVED_VARIABLES.has(k));
    if (reserved.length) {
      throw new EngineError('InvalidInput', `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`);
    }
    for (const [k, v] of Object.entries(s.environment)) {
      if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(k)) throw validation(k, 'environment.variables', 'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+');
      if (typeof v !== 'string') throw validation(v, `environment.variables.${k}`, 'Member must be a string');
    }
    const size = Object.entries(s.environment).reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (size > 4096) throw new EngineError('InvalidInput', `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(s.environment)}`);
  }
}
