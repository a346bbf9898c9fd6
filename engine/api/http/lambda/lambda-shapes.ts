/**
 * The Lambda edge's port onto the functions domain, and the AWS shapes it speaks: FunctionConfiguration, request
 * bodies (JSON, with Lambda's InvalidRequestContentException for one that does not parse) and member checks.
 */
import { EngineError } from '../../../core/index.js';
import type {
  EventSourceMapping, FunctionConfig, FunctionSettings, FunctionUrlConfig, InvokeOptions, InvokeOutcome, MappingSettings, PermissionInput, UrlAuthType,
} from '../../../functions/index.js';
import { functionArn } from '../../../functions/index.js';
import type { HttpRequest } from '../http-server.js';
import { lambdaErrors } from './lambda-errors.js';

/** What the Lambda edge needs from the functions domain (FunctionsService satisfies it). */
export interface LambdaOperations {
  resolveName(ref: string): string;
  exists(name: string): boolean;
  get(name: string): FunctionConfig;
  list(): FunctionConfig[];
  tags(name: string): Record<string, string>;
  tag(name: string, tags: Record<string, string>): Promise<void>;
  untag(name: string, keys: string[]): Promise<void>;
  create(name: string, settings: Required<Pick<FunctionSettings, 'runtime' | 'handler' | 'role'>> & FunctionSettings, zip: Buffer): Promise<FunctionConfig>;
  code(name: string): Buffer;
  updateCode(name: string, zip: Buffer, revisionId?: string): Promise<FunctionConfig>;
  updateConfiguration(name: string, settings: FunctionSettings, revisionId?: string): Promise<FunctionConfig>;
  delete(name: string): Promise<void>;
  invoke(name: string, event: unknown, opts?: InvokeOptions): Promise<InvokeOutcome>;
  attachments: {
    addPermission(name: string, p: PermissionInput): Promise<Record<string, unknown>>;
    removePermission(name: string, sid: string): Promise<void>;
    policy(name: string): { policy: string; revisionId: string };
    createUrl(name: string, authType: UrlAuthType, cors: Record<string, unknown> | null, invokeMode?: FunctionUrlConfig['invokeMode']): Promise<FunctionUrlConfig>;
    url(name: string): FunctionUrlConfig;
    updateUrl(name: string, patch: { authType?: UrlAuthType; cors?: Record<string, unknown> | null; invokeMode?: FunctionUrlConfig['invokeMode'] }): Promise<FunctionUrlConfig>;
    deleteUrl(name: string): Promise<void>;
    byUrlId(urlId: string): { name: string; url: FunctionUrlConfig } | null;
  };
  mappings: {
    create(functionName: string, eventSourceArn: string, s: MappingSettings): Promise<EventSourceMapping>;
    get(uuid: string): EventSourceMapping;
    list(filter?: { functionName?: string; eventSourceArn?: string }): EventSourceMapping[];
    update(uuid: string, s: MappingSettings): Promise<EventSourceMapping>;
    delete(uuid: string): Promise<EventSourceMapping>;
  };
}

export const lambdaRoute = { errors: lambdaErrors };

/** The request's JSON body as an object (empty body: `{}`). */
export function jsonBody(req: HttpRequest): Record<string, unknown> {
  if (!req.body.length) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new EngineError('InvalidInput', `Could not parse request body into json: ${(e as Error).message}`, { reason: 'requestContent' });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new EngineError('InvalidInput', 'Could not parse request body into json: the body is not a JSON object', { reason: 'requestContent' });
  return v as Record<string, unknown>;
}

const nullMember = (member: string) => new EngineError('InvalidInput', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`, { reason: 'validation' });
const typeProblem = (member: string, type: string) => new EngineError('InvalidInput', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be ${type}`, { reason: 'validation' });

export function str(o: Record<string, unknown>, key: string, member: string, required: true): string;
export function str(o: Record<string, unknown>, key: string, member: string, required?: false): string | undefined;
export function str(o: Record<string, unknown>, key: string, member: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw nullMember(member);
    return undefined;
  }
  if (typeof v !== 'string') throw typeProblem(member, 'a string');
  return v;
}

export function int(o: Record<string, unknown>, key: string, member: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeProblem(member, 'an integer');
  return v;
}

/** `Environment: { Variables: { … } }` → the variables. */
export function environment(o: Record<string, unknown>): Record<string, string> | undefined {
  const env = o.Environment;
  if (env === undefined || env === null) return undefined;
  if (typeof env !== 'object' || Array.isArray(env)) throw typeProblem('environment', 'a structure');
  const vars = (env as { Variables?: unknown }).Variables;
  if (vars === undefined || vars === null) return {};
  if (typeof vars !== 'object' || Array.isArray(vars)) throw typeProblem('environment.variables', 'a map');
  return vars as Record<string, string>;
}

/** The function named by the path label (`FunctionName`: a name, or a full or partial ARN). */
export function functionName(ops: LambdaOperations, req: HttpRequest): string {
  const q = req.query.get('Qualifier');
  if (q && q !== '$LATEST') throw new EngineError('NotFound', `Function not found: ${functionArn(ops.resolveName(req.params.FunctionName))}:${q}`);
  try {
    return ops.resolveName(req.params.FunctionName);
  } catch {
    throw new EngineError('InvalidInput', `1 validation error detected: Value '${req.params.FunctionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`, { reason: 'validation' });
  }
}

/** Lambda's timestamp form: `2019-08-14T22:26:11.234+0000`. */
export const lambdaTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** FunctionConfiguration as Lambda returns it. */
export function functionConfiguration(c: FunctionConfig): Record<string, unknown> {
  return {
    FunctionName: c.name, FunctionArn: functionArn(c.name), Runtime: c.runtime, Role: c.role, Handler: c.handler, CodeSize: c.codeSize,
    Description: c.description, Timeout: c.timeout, MemorySize: c.memorySize, LastModified: lambdaTime(c.lastModified), CodeSha256: c.codeSha256,
    Version: '$LATEST', ...(Object.keys(c.environment).length ? { Environment: { Variables: c.environment } } : {}),
    TracingConfig: { Mode: 'PassThrough' }, RevisionId: c.revisionId, State: 'Active', LastUpdateStatus: 'Successful', PackageType: 'Zip',
    Architectures: ['x86_64'], EphemeralStorage: { Size: 512 }, SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${c.name}` },
  };
}

/** The engine's own base URL as the client reached it (Code.Location, FunctionUrl). */
export function baseUrl(req: HttpRequest): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}
