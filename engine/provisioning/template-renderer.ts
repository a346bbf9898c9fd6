/**
 * The provisioning template renderer [DG:provision-template]: a template body's `Parameters` (with their defaults and
 * constraints), `Mappings`, `Conditions`, intrinsic functions and `Resources` of type `AWS::IoT::Thing`,
 * `AWS::IoT::Certificate` and `AWS::IoT::Policy` become a plan of what to create (`RenderedTemplate`), plus the
 * `DeviceConfiguration` returned to the device. Pure: nothing here touches the registry or the certificates.
 *
 * `parseTemplate` is the check CreateProvisioningTemplate, RegisterCACertificate and StartThingRegistrationTask make
 * on a body; `renderTemplate` applies parameter values (RegisterThing, JITP, bulk registration, fleet provisioning).
 *
 * LIMITATIONS: AWS does not publish its renderer's messages; the messages here name the template section and value
 * at fault in AWS's style (InvalidRequestException). `Fn::GetAtt` and `Ref` to a resource's logical ID are refused
 * (AWS's templates use them for neither). `BillingGroup` and `PackageVersions` are accepted and ignored (no billing
 * groups or software packages here).
 */
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import { EngineError } from '../core/index.js';

export type JsonLike = string | number | boolean | null | JsonLike[] | { [k: string]: JsonLike };

/** A body that does not parse or does not validate: AWS's InvalidRequestException. */
export const invalidTemplate = (message: string) => new EngineError('InvalidInput', message, { reason: 'invalidTemplate' });
/** Parameter values a template cannot render with. */
export const invalidParameters = (message: string) => new EngineError('InvalidInput', message, { reason: 'invalidParameters' });

export const RESOURCE_TYPES = ['AWS::IoT::Thing', 'AWS::IoT::Certificate', 'AWS::IoT::Policy'] as const;
const PARAMETER_TYPES = ['String', 'Number', 'List<Number>', 'CommaDelimitedList'];
const OVERRIDES = ['DO_NOTHING', 'REPLACE', 'FAIL', 'MERGE'] as const;
export type Override = (typeof OVERRIDES)[number];
/** Functions AWS lists for provisioning templates. */
const FUNCTIONS = ['Ref', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::FindInMap', 'Fn::Sub', 'Fn::Base64', 'Fn::If', 'Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not'];

export interface ParameterSpec {
  Type: string;
  Default?: JsonLike;
  AllowedValues?: JsonLike[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
}

export interface Template {
  parameters: Record<string, ParameterSpec>;
  mappings: Record<string, Record<string, Record<string, JsonLike>>>;
  conditions: Record<string, JsonLike>;
  resources: Record<string, { Type: string; Properties: Record<string, JsonLike>; OverrideSettings?: Record<string, JsonLike>; Condition?: string }>;
  deviceConfiguration?: JsonLike;
}

export interface ThingPlan {
  logicalId: string;
  thingName: string;
  thingTypeName?: string;
  thingGroups?: string[];
  attributes?: Record<string, string>;
  overrides: { AttributePayload: Override; ThingTypeName: Override; ThingGroups: Override };
}

export interface CertificatePlan {
  logicalId: string;
  certificateId?: string;
  certificateSigningRequest?: string;
  certificatePem?: string;
  caCertificatePem?: string;
  status?: 'ACTIVE' | 'INACTIVE';
  /** What happens to an existing certificate's different status (`OverrideSettings.Status`): REPLACE by default. */
  statusOverride: Exclude<Override, 'MERGE'>;
}

export interface PolicyPlan {
  logicalId: string;
  /** The policy's name: the given one, or the SHA-256 of the document when only a document is given (as AWS names it). */
  policyName: string;
  /** A policy to create (or reuse when one of that name has the same document); absent: an existing policy by name. */
  policyDocument?: string;
}

export interface RenderedTemplate {
  thing?: ThingPlan;
  certificate?: CertificatePlan;
  policies: PolicyPlan[];
  deviceConfiguration: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, JsonLike> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a template body (what CreateProvisioningTemplate checks). */
export function parseTemplate(body: unknown): Template {
  if (typeof body !== 'string' || !body.trim()) throw invalidTemplate('The template body is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw invalidTemplate('The template body is not valid JSON');
  }
  if (!isObject(doc)) throw invalidTemplate('The template body must be a JSON object');
  for (const key of Object.keys(doc)) {
    if (!['Parameters', 'Mappings', 'Conditions', 'Resources', 'DeviceConfiguration', 'AWSTemplateFormatVersion', 'Description', 'Version'].includes(key)) {
      throw invalidTemplate(`Unrecognized template section: ${key}`);
    }
  }
  const section = (name: string): Record<string, JsonLike> => {
    const v = doc[name];
    if (v === undefined) return {};
    if (!isObject(v)) throw invalidTemplate(`The ${name} section must be a JSON object`);
    return v;
  };
  const parameters: Template['parameters'] = {};
  for (const [name, spec] of Object.entries(section('Parameters'))) {
    if (!isObject(spec)) throw invalidTemplate(`Parameter ${name} must be a JSON object`);
    if (typeof spec.Type !== 'string' || !PARAMETER_TYPES.includes(spec.Type)) {
      throw invalidTemplate(`Parameter ${name} has an invalid Type ${JSON.stringify(spec.Type ?? null)}: valid types are ${PARAMETER_TYPES.join(', ')}`);
    }
    if (spec.AllowedValues !== undefined && !Array.isArray(spec.AllowedValues)) throw invalidTemplate(`AllowedValues of parameter ${name} must be a list`);
    for (const k of ['MinLength', 'MaxLength', 'MinValue', 'MaxValue'] as const) {
      if (spec[k] !== undefined && typeof spec[k] !== 'number') throw invalidTemplate(`${k} of parameter ${name} must be a number`);
    }
    if (spec.AllowedPattern !== undefined) {
      if (typeof spec.AllowedPattern !== 'string') throw invalidTemplate(`AllowedPattern of parameter ${name} must be a string`);
      try {
        RE2JS.compile(spec.AllowedPattern);
      } catch {
        throw invalidTemplate(`AllowedPattern of parameter ${name} is not a valid regular expression`);
      }
    }
    parameters[name] = spec as unknown as ParameterSpec;
  }
  const mappings: Template['mappings'] = {};
  for (const [name, map] of Object.entries(section('Mappings'))) {
    if (!isObject(map) || !Object.values(map).every(isObject)) throw invalidTemplate(`Mapping ${name} must be a two-level map of keys to values`);
    mappings[name] = map as Template['mappings'][string];
  }
  const conditions = section('Conditions');
  const rawResources = section('Resources');
  if (!Object.keys(rawResources).length) throw invalidTemplate('The template has no Resources');
  const resources: Template['resources'] = {};
  const count: Record<string, number> = {};
  for (const [id, r] of Object.entries(rawResources)) {
    if (!isObject(r)) throw invalidTemplate(`Resource ${id} must be a JSON object`);
    if (typeof r.Type !== 'string' || !(RESOURCE_TYPES as readonly string[]).includes(r.Type)) {
      throw invalidTemplate(`Resource ${id} has an unsupported Type ${JSON.stringify(r.Type ?? null)}: supported types are ${RESOURCE_TYPES.join(', ')}`);
    }
    if (r.Properties !== undefined && !isObject(r.Properties)) throw invalidTemplate(`Properties of resource ${id} must be a JSON object`);
    if (r.Condition !== undefined && (typeof r.Condition !== 'string' || !(r.Condition in conditions))) {
      throw invalidTemplate(`Resource ${id} names an undefined condition ${JSON.stringify(r.Condition)}`);
    }
    if (r.OverrideSettings !== undefined) {
      // A thing's attributes, type and groups, a certificate's status (AWS's fleet-provisioning sample template).
      const settable = r.Type === 'AWS::IoT::Thing' ? ['AttributePayload', 'ThingTypeName', 'ThingGroups'] : r.Type === 'AWS::IoT::Certificate' ? ['Status'] : [];
      if (!settable.length || !isObject(r.OverrideSettings)) throw invalidTemplate(`OverrideSettings of resource ${id} are allowed only on an AWS::IoT::Thing or an AWS::IoT::Certificate, as an object`);
      for (const [k, v] of Object.entries(r.OverrideSettings)) {
        if (!settable.includes(k)) throw invalidTemplate(`OverrideSettings of resource ${id}: unknown property ${k}`);
        if (!(OVERRIDES as readonly JsonLike[]).includes(v) || ((k === 'ThingTypeName' || k === 'Status') && v === 'MERGE')) {
          throw invalidTemplate(`OverrideSettings of resource ${id}: ${k} cannot be ${JSON.stringify(v)}`);
        }
      }
    }
    if (r.Type !== 'AWS::IoT::Policy' && (count[r.Type] = (count[r.Type] ?? 0) + 1) > 1) throw invalidTemplate(`The template declares more than one ${r.Type} resource`);
    resources[id] = { Type: r.Type, Properties: (r.Properties ?? {}) as Record<string, JsonLike>, ...(isObject(r.OverrideSettings) && { OverrideSettings: r.OverrideSettings }), ...(typeof r.Condition === 'string' && { Condition: r.Condition }) };
  }
  const template: Template = { parameters, mappings, conditions, resources, deviceConfiguration: doc.DeviceConfiguration };
  checkFunctions(template);
  return template;
}

/** Names of functions and Refs are checked at parse time, so a template with a typo is refused when it is created. */
function checkFunctions(t: Template): void {
  const known = (name: string) => name in t.parameters || PSEUDO_PARAMETERS.includes(name);
  const walk = (v: JsonLike, where: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, where));
    if (!isObject(v)) return;
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      const fn = keys[0];
      if (!FUNCTIONS.includes(fn)) throw invalidTemplate(`${where}: unsupported function ${fn}`);
      if (fn === 'Ref' && (typeof v.Ref !== 'string' || !known(v.Ref))) throw invalidTemplate(`${where}: Ref to an undeclared parameter ${JSON.stringify(v.Ref)}`);
    }
    for (const [k, x] of Object.entries(v)) walk(x, where === 'Conditions' ? `Conditions.${k}` : where);
  };
  for (const [id, r] of Object.entries(t.resources)) walk(r.Properties, `Resource ${id}`);
  walk(t.conditions, 'Conditions');
  if (t.deviceConfiguration !== undefined) walk(t.deviceConfiguration, 'DeviceConfiguration');
}

/** Resolved parameter values: strings, numbers, or lists for the list types. */
type Values = Map<string, JsonLike>;

function resolveParameters(t: Template, given: Record<string, string>): Values {
  const values: Values = new Map();
  for (const [name, spec] of Object.entries(t.parameters)) {
    let raw: JsonLike | undefined = given[name];
    if (raw === undefined || raw === null) raw = spec.Default;
    if (raw === undefined || raw === null) continue; // reported when referenced: a parameter no resource uses may be absent
    const text = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join(',') : String(raw);
    values.set(name, checkValue(name, spec, text));
  }
  return values;
}

function checkValue(name: string, spec: ParameterSpec, text: string): JsonLike {
  const bad = (why: string) => invalidParameters(`Parameter ${name} ${why}`);
  if (spec.AllowedValues && !spec.AllowedValues.map(String).includes(text)) throw bad(`must be one of ${spec.AllowedValues.map(String).join(', ')}`);
  // Linear-time matching: a template's pattern is never run with backtracking on a value a device sends.
  if (spec.AllowedPattern && !RE2JS.compile(spec.AllowedPattern).matches(text)) throw bad(`does not match the pattern ${spec.AllowedPattern}`);
  if (spec.MinLength !== undefined && text.length < spec.MinLength) throw bad(`must be at least ${spec.MinLength} characters`);
  if (spec.MaxLength !== undefined && text.length > spec.MaxLength) throw bad(`must be at most ${spec.MaxLength} characters`);
  const number = (s: string) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw bad(`must be a number: ${s}`);
    if (spec.MinValue !== undefined && n < spec.MinValue) throw bad(`must be at least ${spec.MinValue}`);
    if (spec.MaxValue !== undefined && n > spec.MaxValue) throw bad(`must be at most ${spec.MaxValue}`);
    return s;
  };
  if (spec.Type === 'Number') return number(text);
  if (spec.Type === 'List<Number>') return text.split(',').map((s) => number(s.trim()));
  if (spec.Type === 'CommaDelimitedList') return text.split(',');
  return text;
}

/** Names a template may Ref without declaring them: AWS supplies their values (the certificate's for JITP and fleet provisioning). */
export const PSEUDO_PARAMETERS = [
  'AWS::NoValue', 'AWS::AccountId', 'AWS::Region', 'AWS::IoT::Certificate::Id', 'AWS::IoT::Certificate::CommonName', 'AWS::IoT::Certificate::Country',
  'AWS::IoT::Certificate::Organization', 'AWS::IoT::Certificate::OrganizationalUnit', 'AWS::IoT::Certificate::DistinguishedNameQualifier',
  'AWS::IoT::Certificate::StateName', 'AWS::IoT::Certificate::SerialNumber',
];

const NO_VALUE = Symbol('NoValue');
type Evaluated = JsonLike | typeof NO_VALUE;

class Renderer {
  private readonly conditionCache = new Map<string, boolean>();
  private readonly evaluating = new Set<string>();

  constructor(private readonly t: Template, private readonly values: Values, private readonly pseudo: Record<string, string>) {}

  condition(name: string): boolean {
    const hit = this.conditionCache.get(name);
    if (hit !== undefined) return hit;
    if (!(name in this.t.conditions)) throw invalidTemplate(`Undefined condition ${name}`);
    if (this.evaluating.has(name)) throw invalidTemplate(`Condition ${name} refers to itself`);
    this.evaluating.add(name);
    const v = this.bool(this.t.conditions[name], `Conditions.${name}`);
    this.evaluating.delete(name);
    this.conditionCache.set(name, v);
    return v;
  }

  private bool(expr: JsonLike, where: string): boolean {
    if (isObject(expr) && Object.keys(expr).length === 1 && typeof expr.Condition === 'string') return this.condition(expr.Condition);
    const v = this.eval(expr, where);
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw invalidTemplate(`${where}: a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or a Condition, not ${JSON.stringify(v === NO_VALUE ? null : v)}`);
  }

  /** Evaluates intrinsic functions anywhere in a value; `AWS::NoValue` removes the key or list item that holds it. */
  eval(v: JsonLike, where: string): Evaluated {
    if (Array.isArray(v)) return v.map((x) => this.eval(x, where)).filter((x): x is JsonLike => x !== NO_VALUE);
    if (!isObject(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.fn(keys[0], v[keys[0]], where);
    const out: Record<string, JsonLike> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = this.eval(x, where);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private value(v: JsonLike, where: string): JsonLike {
    const r = this.eval(v, where);
    if (r === NO_VALUE) throw invalidTemplate(`${where}: AWS::NoValue cannot be used here`);
    return r;
  }

  private str(v: JsonLike, where: string, fn: string): string {
    const r = this.value(v, where);
    if (typeof r === 'string') return r;
    if (typeof r === 'number' || typeof r === 'boolean') return String(r);
    throw invalidTemplate(`${where}: ${fn} expects a string, not ${JSON.stringify(r)}`);
  }

  private list(v: JsonLike, where: string, fn: string): JsonLike[] {
    const r = this.value(v, where);
    if (!Array.isArray(r)) throw invalidTemplate(`${where}: ${fn} expects a list, not ${JSON.stringify(r)}`);
    return r;
  }

  private args(arg: JsonLike, n: number, fn: string, where: string): JsonLike[] {
    if (!Array.isArray(arg) || arg.length !== n) throw invalidTemplate(`${where}: ${fn} takes a list of ${n} arguments`);
    return arg;
  }

  private fn(fn: string, arg: JsonLike, where: string): Evaluated {
    switch (fn) {
      case 'Ref': {
        if (typeof arg !== 'string') throw invalidTemplate(`${where}: Ref takes a parameter name`);
        if (arg === 'AWS::NoValue') return NO_VALUE;
        if (arg in this.pseudo && !(arg in this.t.parameters)) return this.pseudo[arg];
        if (!(arg in this.t.parameters)) {
          if (PSEUDO_PARAMETERS.includes(arg)) throw invalidParameters(`Parameter ${arg} is not provided`);
          throw invalidTemplate(`${where}: Ref to an undeclared parameter ${arg}`);
        }
        const v = this.values.get(arg);
        if (v === undefined) throw invalidParameters(`Parameter ${arg} is not provided and has no Default`);
        return v;
      }
      case 'Fn::Join': {
        const [delim, items] = this.args(arg, 2, fn, where);
        if (typeof delim !== 'string') throw invalidTemplate(`${where}: Fn::Join's delimiter must be a string`);
        return this.list(items, where, fn).map((x) => this.str(x, where, fn)).join(delim);
      }
      case 'Fn::Select': {
        const [index, items] = this.args(arg, 2, fn, where);
        const i = Number(this.str(index, where, fn));
        const list = this.list(items, where, fn);
        if (!Number.isInteger(i) || i < 0 || i >= list.length) throw invalidTemplate(`${where}: Fn::Select index ${i} is out of range for a list of ${list.length}`);
        return list[i];
      }
      case 'Fn::Split': {
        const [delim, text] = this.args(arg, 2, fn, where);
        if (typeof delim !== 'string' || !delim) throw invalidTemplate(`${where}: Fn::Split's delimiter must be a non-empty string`);
        return this.str(text, where, fn).split(delim);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = this.args(arg, 3, fn, where).map((x) => this.str(x, where, fn));
        const m = this.t.mappings[map];
        if (!m) throw invalidTemplate(`${where}: Fn::FindInMap names an undefined mapping ${map}`);
        const v = m[top]?.[second];
        if (v === undefined) throw invalidParameters(`Fn::FindInMap: mapping ${map} has no value for [${top}, ${second}]`);
        return v;
      }
      case 'Fn::Sub': {
        let text: JsonLike;
        let vars: Record<string, JsonLike> = {};
        if (Array.isArray(arg)) {
          if (arg.length !== 2 || !isObject(arg[1])) throw invalidTemplate(`${where}: Fn::Sub takes a string or [string, {variables}]`);
          [text] = arg;
          vars = arg[1];
        } else text = arg;
        if (typeof text !== 'string') throw invalidTemplate(`${where}: Fn::Sub takes a string or [string, {variables}]`);
        return text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
          if (bang) return `\${${name}}`; // ${!Literal} stays literal
          if (name in vars) return this.str(vars[name], where, fn);
          return this.str({ Ref: name }, where, fn);
        });
      }
      case 'Fn::Base64':
        return Buffer.from(this.str(arg, where, fn), 'utf8').toString('base64');
      case 'Fn::If': {
        const [cond, yes, no] = this.args(arg, 3, fn, where);
        if (typeof cond !== 'string') throw invalidTemplate(`${where}: Fn::If's first argument must be a condition name`);
        return this.eval(this.condition(cond) ? yes : no, where);
      }
      case 'Fn::Equals': {
        const [a, b] = this.args(arg, 2, fn, where).map((x) => this.value(x, where));
        return JSON.stringify(typeof a === 'number' ? String(a) : a) === JSON.stringify(typeof b === 'number' ? String(b) : b);
      }
      case 'Fn::And':
      case 'Fn::Or': {
        if (!Array.isArray(arg) || arg.length < 2 || arg.length > 10) throw invalidTemplate(`${where}: ${fn} takes from 2 to 10 conditions`);
        const results = arg.map((x) => this.bool(x, where));
        return fn === 'Fn::And' ? results.every(Boolean) : results.some(Boolean);
      }
      case 'Fn::Not': {
        const [x] = this.args(arg, 1, fn, where);
        return !this.bool(x, where);
      }
      default:
        throw invalidTemplate(`${where}: unsupported function ${fn}`);
    }
  }
}

/**
 * Renders a parsed template with parameter values (strings, as RegisterThing and the devices send them). `pseudo`
 * adds values AWS supplies (`AWS::IoT::Certificate::Id`, the certificate's subject fields for JITP) when the template
 * declares them without a value given.
 */
export function renderTemplate(t: Template, given: Record<string, string>, pseudo: Record<string, string> = {}): RenderedTemplate {
  // What AWS supplies wins over what a device sends: a device cannot name another certificate as its own.
  const provided = { ...given, ...Object.fromEntries(Object.entries(pseudo).filter(([k]) => k in t.parameters)) };
  const r = new Renderer(t, resolveParameters(t, provided), pseudo);
  const out: RenderedTemplate = { policies: [], deviceConfiguration: {} };
  for (const [id, res] of Object.entries(t.resources)) {
    if (res.Condition && !r.condition(res.Condition)) continue;
    const where = `Resource ${id}`;
    const props = r.eval(res.Properties, where) as Record<string, JsonLike>;
    const str = (k: string, required = false): string | undefined => {
      const v = props[k];
      if (v === undefined || v === null) {
        if (required) throw invalidTemplate(`${where}: ${k} is required`);
        return undefined;
      }
      if (typeof v !== 'string' && typeof v !== 'number') throw invalidTemplate(`${where}: ${k} must be a string`);
      return String(v);
    };
    if (res.Type === 'AWS::IoT::Thing') {
      const thingName = str('ThingName', true)!;
      const groups = props.ThingGroups;
      if (groups !== undefined && (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string'))) throw invalidTemplate(`${where}: ThingGroups must be a list of group names`);
      const attrs = props.AttributePayload;
      if (attrs !== undefined && !isObject(attrs)) throw invalidTemplate(`${where}: AttributePayload must be an object of names to values`);
      const overrides = (res.OverrideSettings ?? {}) as Record<string, Override>;
      out.thing = {
        logicalId: id, thingName, thingTypeName: str('ThingTypeName'),
        thingGroups: groups as string[] | undefined,
        attributes: attrs && Object.fromEntries(Object.entries(attrs).map(([k, v]) => {
          if (isObject(v) || Array.isArray(v)) throw invalidTemplate(`${where}: attribute ${k} must be a string`);
          return [k, v === null ? '' : String(v)];
        })),
        overrides: { AttributePayload: overrides.AttributePayload ?? 'DO_NOTHING', ThingTypeName: overrides.ThingTypeName ?? 'DO_NOTHING', ThingGroups: overrides.ThingGroups ?? 'DO_NOTHING' },
      };
    } else if (res.Type === 'AWS::IoT::Certificate') {
      const status = str('Status')?.toUpperCase();
      if (status !== undefined && status !== 'ACTIVE' && status !== 'INACTIVE') throw invalidTemplate(`${where}: Status must be ACTIVE or INACTIVE`);
      const plan: CertificatePlan = {
        logicalId: id, certificateId: str('CertificateId'), certificateSigningRequest: str('CertificateSigningRequest'),
        certificatePem: str('CertificatePem'), caCertificatePem: str('CACertificatePem'), status: status as CertificatePlan['status'],
        statusOverride: ((res.OverrideSettings ?? {}) as Record<string, CertificatePlan['statusOverride']>).Status ?? 'REPLACE',
      };
      const ways = [plan.certificateId, plan.certificateSigningRequest, plan.certificatePem].filter((x) => x !== undefined).length;
      if (ways !== 1) throw invalidTemplate(`${where}: give exactly one of CertificateId, CertificateSigningRequest and CertificatePem`);
      out.certificate = plan;
    } else {
      const name = str('PolicyName');
      const doc = props.PolicyDocument;
      if (name === undefined && doc === undefined) throw invalidTemplate(`${where}: give PolicyName, PolicyDocument or both`);
      if (doc !== undefined && doc !== null) {
        const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
        out.policies.push({ logicalId: id, policyName: name ?? createHash('sha256').update(text).digest('hex'), policyDocument: text });
      } else out.policies.push({ logicalId: id, policyName: name! });
    }
  }
  if (t.deviceConfiguration !== undefined) {
    const conf = r.eval(t.deviceConfiguration, 'DeviceConfiguration');
    if (!isObject(conf)) throw invalidTemplate('DeviceConfiguration must be an object of names to values');
    for (const [k, v] of Object.entries(conf)) out.deviceConfiguration[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
