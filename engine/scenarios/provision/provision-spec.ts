/**
 * What a `provision` step creates: registry, security and rule resources through the AWS IoT control plane, and, on a
 * local target, the pipeline pieces AWS provisions through other services (sinks, functions). Plain JSON data, so a
 * scenario file and the JSON Schema describe it.
 */
import { sinkKinds, type JsonObject, type SinkKind } from '../../contract/index.js';

/**
 * What to do when a resource of that name already exists on the target: fail; reuse it as it is; or update it to
 * this definition (a rule replaced, a policy's new default version, a function rewritten) where it is a definition,
 * reusing what carries identity or data (things, thing types and groups, sinks), as a lab's `solve` does.
 */
export type IfExists = 'fail' | 'reuse' | 'update';

export interface ThingTypeSpec {
  name: string;
  description?: string;
  searchableAttributes?: string[];
  ifExists?: IfExists;
}

export interface ThingGroupSpec {
  name: string;
  description?: string;
  parent?: string;
  attributes?: Record<string, string>;
  ifExists?: IfExists;
}

export interface PolicySpec {
  name: string;
  /** The policy document, as an object or as JSON text. */
  document: JsonObject | string;
  ifExists?: IfExists;
}

export interface CertificateSpec {
  /** The name the run's variables know it by (`${<name>.certificateArn}`, `${<name>.certificatePem}`, …). */
  name: string;
  /** Policies attached to the certificate (AttachPolicy). */
  policies?: string[];
  /** CreateKeysAndCertificate's `setAsActive` (default true). */
  active?: boolean;
}

export interface ThingSpec {
  name: string;
  type?: string;
  attributes?: Record<string, string>;
  /** Static thing groups the thing is added to. */
  groups?: string[];
  /** Principals attached to the thing: names of certificates of this step, or certificate ARNs. */
  principals?: string[];
  ifExists?: IfExists;
}

/** A topic rule; `actions`, `errorAction` are AWS's (`{ lambda: { functionArn } }`, `{ sns: { … } }`, …). */
export interface RuleSpec {
  name: string;
  sql: string;
  actions: JsonObject[];
  errorAction?: JsonObject;
  awsIotSqlVersion?: string;
  description?: string;
  disabled?: boolean;
  ifExists?: IfExists;
}

/** A local sink (`sinks.create`): a queue, notification topic, stream, delivery stream, table, log group or alarm. */
export interface SinkSpec {
  kind: SinkKind;
  name: string;
  options?: JsonObject;
  ifExists?: IfExists;
}

export const functionExtensions = ['js', 'mjs', 'ts', 'py'] as const;
export type FunctionExtension = (typeof functionExtensions)[number];

/** A local function (`<dataDir>/functions/<name>.<ext>`), from a file beside the scenario or inline code. */
export interface FunctionSpec {
  name: string;
  /** A path relative to the scenario file; its extension picks the runtime. */
  file?: string;
  /** Inline source; `runtime` picks the extension (default js). */
  code?: string;
  runtime?: FunctionExtension;
  /** Lambda's settings: seconds, MB, environment variables. */
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, string>;
  ifExists?: IfExists;
}

export interface ProvisionSpec {
  /** The default for every resource that does not say (default `fail`). */
  ifExists?: IfExists;
  thingTypes?: ThingTypeSpec[];
  thingGroups?: ThingGroupSpec[];
  policies?: PolicySpec[];
  certificates?: CertificateSpec[];
  things?: ThingSpec[];
  sinks?: SinkSpec[];
  functions?: FunctionSpec[];
  rules?: RuleSpec[];
}

const NAME = '^[a-zA-Z0-9:_-]{1,128}$';
const ifExists = {
  enum: ['fail', 'reuse', 'update'],
  description: 'fail (default): a resource of that name on the target is an error; reuse: use it and leave it there; update: bring a rule, policy or function to this definition (things, types, groups and sinks are reused)',
};
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const obj = (required: string[], properties: Record<string, unknown>, description?: string) => ({
  type: 'object', additionalProperties: false, required, properties, ...(description ? { description } : {}),
});
const list = (items: object) => ({ type: 'array', items });

/** JSON Schema of the `provision` step's arguments. */
export const provisionSchema = obj([], {
  ifExists,
  thingTypes: list(obj(['name'], {
    name: { type: 'string', pattern: NAME }, description: { type: 'string' }, searchableAttributes: list({ type: 'string' }), ifExists,
  })),
  thingGroups: list(obj(['name'], {
    name: { type: 'string', pattern: NAME }, description: { type: 'string' }, parent: { type: 'string' }, attributes: stringMap, ifExists,
  })),
  policies: list(obj(['name', 'document'], {
    name: { type: 'string', pattern: '^[\\w+=,.@-]{1,128}$' }, document: { type: ['object', 'string'] }, ifExists,
  })),
  certificates: list(obj(['name'], {
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' }, policies: list({ type: 'string' }), active: { type: 'boolean' },
  }, 'a new certificate and key pair (CreateKeysAndCertificate); its PEMs and ARN become variables named after it')),
  things: list(obj(['name'], {
    name: { type: 'string', pattern: NAME }, type: { type: 'string' }, attributes: stringMap, groups: list({ type: 'string' }),
    principals: list({ type: 'string' }), ifExists,
  })),
  sinks: list(obj(['kind', 'name'], { kind: { enum: [...sinkKinds] }, name: { type: 'string', minLength: 1 }, options: { type: 'object' }, ifExists },
    'local targets only: a queue, notification topic, stream, delivery stream, table, log group or alarm')),
  functions: list(obj(['name'], {
    name: { type: 'string', pattern: '^[a-zA-Z0-9-_]{1,64}$' }, file: { type: 'string' }, code: { type: 'string' },
    runtime: { enum: [...functionExtensions] }, timeout: { type: 'number', exclusiveMinimum: 0, maximum: 900 },
    memorySize: { type: 'integer', minimum: 16, maximum: 10240 }, environment: stringMap, ifExists,
  }, 'local targets only: a function the lambda action and stream consumers run')),
  rules: list(obj(['name', 'sql', 'actions'], {
    name: { type: 'string', pattern: '^[a-zA-Z0-9_]{1,128}$' }, sql: { type: 'string' }, actions: list({ type: 'object' }),
    errorAction: { type: 'object' }, awsIotSqlVersion: { type: 'string' }, description: { type: 'string' }, disabled: { type: 'boolean' }, ifExists,
  })),
}, 'creates resources on the target through the AWS IoT control plane; everything created is deleted at the end of the run');
