/**
 * The device model: what a virtual device is, as read from a model file (YAML) by `loadDeviceModel`.
 *
 * Everything here is plain data, already validated against `schemas/device-model.schema.json` and the semantic
 * checks in `semantic-checks.ts`. Durations are milliseconds (the file may say `5s`, `250ms`, `2m`, `1h`).
 *
 * Templates (thing name, client id, topics, attribute values, will payload) are strings in which `{expr}` is replaced
 * by the value of a small expression (`expression.ts`): `turbine-{pad(index + 1, 3)}`, `{farm}/sprinkler-{id}`.
 * A template's scope is the device's `DeviceContext` (index, seed, thingName, clientId, attributes, vars); topic
 * templates also see the message's field values. `{{` and `}}` stand for literal braces.
 */

/** A string with `{expr}` placeholders; see the module comment. */
export type Template = string;

/** A small safe expression (arithmetic, comparisons, `&&`/`||`/`!`, `?:`, a few math functions); see `expression.ts`. */
export type Expression = string;

export interface DeviceModel {
  /** Model name (`wind-turbine`); unique among the models a user has. */
  name: string;
  description?: string;
  identity: Identity;
  /**
   * Per-device variables, each a template evaluated in order once per device; later ones and every other template
   * see earlier ones by name (`id: "{pad(index + 1, 3)}"` then a topic `turbines/ev-gen/{id}`).
   */
  vars: Record<string, Template>;
  protocol: Protocol;
  will?: Will;
  telemetry: Telemetry[];
  shadow?: ShadowBehaviour;
  /** How the device runs AWS IoT Jobs (download, verify, apply, report); no job behaviour when omitted. */
  jobs?: JobBehaviour;
  commands: Command[];
  /** How the device answers AWS IoT Commands; it does not subscribe to them when omitted. */
  awsCommands?: AwsCommandsBehaviour;
  stateMachine?: StateMachine;
}

export interface Identity {
  /** Thing name template; default `{model}-{index}`. */
  thingName: Template;
  /** MQTT client id template; default `{thingName}` (AWS IoT policies usually expect the thing name). */
  clientId: Template;
  /** Thing type name to create the thing with (`LightBulb`). */
  thingType?: string;
  /** Thing attributes, each value a template (`wattage: "{40 + index % 3 * 20}"`). */
  attributes: Record<string, Template>;
  certificate: CertificateChoice;
  /**
   * With `certificate: provision`: the name of an existing policy to attach, or a policy document (created as
   * `thingbench-<model>`). Default: a least-privilege policy over `${iot:Connection.Thing.ThingName}`.
   */
  policy?: string | { Version?: string; Statement: unknown[] };
}

/** none: no client certificate; existing: the certificate with this id; provision: create one at start. */
export type CertificateChoice = { mode: 'none' } | { mode: 'existing'; id: string } | { mode: 'provision' };

export type Transport = 'mqtt' | 'mqtts' | 'ws' | 'coap' | 'https';

export interface Protocol {
  /**
   * mqtt: plain TCP; mqtts: TLS with the client certificate (mutual TLS); ws: MQTT over WebSocket; coap: CoAP requests
   * with the thing's device token; https: HTTPS requests with the client certificate (both only ask, see AskingDevice).
   */
  transport: Transport;
  /** MQTT protocol version: 4 (3.1.1) or 5. Default 4. */
  version: 4 | 5;
  /** Keep-alive in seconds (0 disables). Default 60. */
  keepAlive: number;
  /** true: clean session / clean start; false: persistent session. Default true. */
  cleanSession: boolean;
  /** MQTT 5 session expiry interval in seconds, when `cleanSession` is false. */
  sessionExpiry?: number;
  reconnect: Reconnect;
  /** How many publishes to hold while offline and send on reconnect (oldest dropped first). 0 = drop. Default 100. */
  offlineBuffer: number;
  /** coap: confirmable requests (default true). */
  confirmable?: boolean;
  /** coap, https: how long a telemetry request waits in its response for a command (`hono-ttd`); no asking when unset. */
  ttdMs?: number;
}

/** Exponential back-off: delay n = min(max, min * factor^n), then ± jitter × delay. */
export interface Reconnect {
  enabled: boolean;
  minMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: fraction of the delay drawn at random (seeded) around it. */
  jitter: number;
}

export interface Will {
  topic: Template;
  /** A string template, or an object whose string leaves are templates (sent as JSON). */
  payload: unknown;
  qos: 0 | 1;
  retain: boolean;
  /** MQTT 5 will delay interval in seconds. */
  delay?: number;
}

export interface Telemetry {
  /** Optional label, used in logs and by state-machine `publish` actions. */
  name?: string;
  /** Topic template; sees the device context and this message's field values. */
  topic: Template;
  /** Publish every `intervalMs` (first one at start + `offsetMs`), or on `schedule`. Exactly one is set. */
  intervalMs?: number;
  /** Cron-like schedule, six fields `sec min hour dom mon dow` or five (`min hour dom mon dow`); see `schedule.ts`. */
  schedule?: string;
  /** Delay before the first publish (also spreads a fleet: `"{index * 100}ms"` is not allowed, use `spread`). */
  offsetMs: number;
  /** Spread a fleet's first publishes uniformly (seeded) over this many ms. */
  spreadMs: number;
  qos: 0 | 1;
  retain: boolean;
  /** Publish only when this expression is true (scope: device context plus `shadow` = reported state, `state`). */
  when?: Expression;
  /** Publish only while the state machine is in one of these states. */
  inStates?: string[];
  /** The JSON payload's fields, in order. */
  fields: Record<string, FieldSpec>;
}

// ---------------------------------------------------------------------------------------------------------------
// Field generators. Each is seeded from (seed, device index, field path) and gets time `t` as an input.

/** Options every generator accepts. */
export interface FieldCommon {
  /** Compute once per device (first sample) and keep that value. */
  static?: boolean;
  /** Decimal places for numeric results (rounding half away from zero). */
  precision?: number;
}

export type FieldSpec =
  | ConstantField | CounterField | UuidField | IdField | PickField | IntField | FloatField | BoolField
  | TimestampField | WalkField | WaveField | RampField | DecayField | StepField | SpikeField | AnomalyField
  | GeoField | RouteField | ObjectField | ArrayField | ExprField | ThingNameField | AttributeField | ReplayField;

export type GeneratorName = FieldSpec['gen'];

/** A literal in the file (`unit: celsius`) is read as `{ gen: constant, value: celsius }`. */
export interface ConstantField extends FieldCommon { gen: 'constant'; value: unknown }
export interface CounterField extends FieldCommon { gen: 'counter'; start: number; step: number; wrapAt?: number }
export interface UuidField extends FieldCommon { gen: 'uuid' }
/** A random id of `length` characters from `alphabet`, after `prefix`. */
export interface IdField extends FieldCommon { gen: 'id'; prefix: string; length: number; alphabet: string }
export interface PickField extends FieldCommon { gen: 'pick'; values: unknown[]; weights?: number[] }
export interface IntField extends FieldCommon { gen: 'int'; min: number; max: number }
export interface FloatField extends FieldCommon { gen: 'float'; min: number; max: number }
export interface BoolField extends FieldCommon { gen: 'bool'; probability: number }
export interface TimestampField extends FieldCommon { gen: 'timestamp'; format: 'epoch-ms' | 'epoch-s' | 'iso' }
/** Starts at `start` (default mid-range), moves by a uniform step in ±`step`, reflected at the bounds. */
export interface WalkField extends FieldCommon { gen: 'walk'; min: number; max: number; step: number; start?: number }
/**
 * offset + amplitude × wave((elapsed / period) + phase), wave in [-1, 1]; phase is a fraction of a period and
 * `phaseSpread` adds a seeded per-device phase in [0, phaseSpread).
 */
export interface WaveField extends FieldCommon {
  gen: 'sine' | 'square' | 'triangle' | 'sawtooth';
  periodMs: number; amplitude: number; offset: number; phase: number; phaseSpread: number;
}
/** Linear from `from` to `to` over `durationMs`, then holds (or starts again when `repeat`). */
export interface RampField extends FieldCommon { gen: 'ramp'; from: number; to: number; durationMs: number; repeat: boolean }
/** to + (from − to) × 2^(−elapsed / halfLife). */
export interface DecayField extends FieldCommon { gen: 'decay'; from: number; to: number; halfLifeMs: number }
/** Holds a level for `everyMs`, then moves to the next of `values` (in order, or at random when `order: random`). */
export interface StepField extends FieldCommon { gen: 'step'; values: unknown[]; everyMs: number; order: 'cycle' | 'random' }
/** `base` plus, with `probability` per sample, `magnitude` (up, down, or either sign). */
export interface SpikeField extends FieldCommon {
  gen: 'spike'; base: FieldSpec; probability: number; magnitude: number; direction: 'up' | 'down' | 'both';
}
/** `base`, replaced with `value` with `probability` per sample (a stuck sensor, a null, an out-of-range reading). */
export interface AnomalyField extends FieldCommon { gen: 'anomaly'; base: FieldSpec; probability: number; value: unknown }
export interface LatLon { lat: number; lon: number }
/** A uniform random point within `radiusM` metres of `center`: `{ lat, lon }`. */
export interface GeoField extends FieldCommon { gen: 'geo'; center: LatLon; radiusM: number }
/** The position after moving along `points` at `speedMps` for the elapsed time: `{ lat, lon }`. */
export interface RouteField extends FieldCommon { gen: 'route'; points: LatLon[]; speedMps: number; loop: boolean }
export interface ObjectField extends FieldCommon { gen: 'object'; fields: Record<string, FieldSpec> }
export interface ArrayField extends FieldCommon { gen: 'array'; items: FieldSpec; minLength: number; maxLength: number }
/** Scope: the message's other top-level fields, `deviceIndex`, `index`, `seed`, `t`, `elapsed`, `thingName`, `attributes`, vars. */
export interface ExprField extends FieldCommon { gen: 'expr'; expr: Expression }
export interface ThingNameField extends FieldCommon { gen: 'thingName' }
export interface AttributeField extends FieldCommon { gen: 'attribute'; name: string }
/**
 * One row per sample from a CSV (with a header line) or JSON-lines file, path relative to the model file;
 * `column` picks one value (omit it for the whole row); each device starts `stride × index` rows in.
 */
export interface ReplayField extends FieldCommon { gen: 'replay'; file: string; column?: string; loop: boolean; stride: number }

// ---------------------------------------------------------------------------------------------------------------
// Behaviours

export interface ShadowBehaviour {
  /** Named shadow; omit for the classic shadow. */
  name?: string;
  /** The reported state at start; string leaves are templates. */
  initial: Record<string, unknown>;
  /** Publish the reported state after each CONNACK. Default true. */
  reportOnConnect: boolean;
  /** Set `reported.connected` true on connect (and false in the will, when the model has none of its own). */
  markConnected: boolean;
  onDelta: DeltaBehaviour;
}

/**
 * apply: report the delta's keys after `delayMs`; refuse: report nothing (the delta stays);
 * partial: apply only the keys in `keys`, leave the rest.
 */
export interface DeltaBehaviour { action: 'apply' | 'refuse' | 'partial'; delayMs: number; keys?: string[] }

/**
 * The device side of AWS IoT Jobs: the device listens on `notify-next`, takes the next execution with `start-next`,
 * downloads the files its document names (HTTP(S) URLs, presigned local-S3 URLs, MQTT streams), verifies their
 * signatures, reports progress in `statusDetails`, applies after `applyDelayMs`, then reports SUCCEEDED (and its
 * shadow's `report`) or FAILED with `failureProbability`; a document it does not understand is REJECTED.
 */
export interface JobBehaviour {
  /** Document `operation` values the device runs (an AWS OTA `afr_ota` document counts as `firmware-update`). */
  operations: string[];
  /** Time between the download and the outcome, on the device clock. */
  applyDelayMs: number;
  /** Chance that applying fails (FAILED); seeded per (fleet seed, device index, job id, execution number). */
  failureProbability: number;
  /** IN_PROGRESS updates while downloading (at evenly spaced fractions of the bytes); 0 reports only the steps. */
  progressReports: number;
  /** REJECT documents whose files carry no signature. */
  requireSignature: boolean;
  /** Block size of MQTT stream downloads (256 B to 128 KB). */
  blockSizeBytes: number;
  /** Largest file the device downloads (FAILED beyond it). */
  maxFileBytes: number;
  /** A download (one file) that takes longer fails. */
  downloadTimeoutMs: number;
  /** Reported shadow state on success; string leaves are templates that also see `document`, `jobId` and `shadow`. */
  report: Record<string, unknown>;
}

/**
 * The device side of AWS IoT Commands: requests on `$aws/commands/things/{thing}/executions/+/request[/format]` are
 * answered on `…/response/json`: REJECTED when their `operation` is not one of `operations` (or by `rejectProbability`),
 * else IN_PROGRESS and, after `delayMs`, FAILED (`failureProbability`) or SUCCEEDED with `result`.
 */
export interface AwsCommandsBehaviour {
  /** Request `operation`/`action` values the device runs; undefined: any. */
  operations?: string[];
  inProgress: boolean;
  delayMs: number;
  failureProbability: number;
  rejectProbability: number;
  /** Result of a success; string leaves are templates that also see `request` and `executionId`. */
  result: Record<string, unknown>;
}

export interface Command {
  name: string;
  /** Topic filter the device subscribes to (template); MQTT devices only (checked). */
  requestTopic?: Template;
  /** Topic of the reply (template; also sees `request` = the request payload). MQTT 5 response topic wins when set. */
  replyTopic?: Template;
  /**
   * How a reply finds its request: `payload`: copy the request's `correlateField` (default `requestId`) into the
   * reply; `mqtt5`: echo the correlation data property; `none`.
   */
  correlation: 'payload' | 'mqtt5' | 'none';
  correlateField: string;
  /** Reply payload fields (generators; expressions also see `request`). */
  reply: Record<string, FieldSpec>;
  delayMs: number;
}

export interface StateMachine {
  initial: string;
  states: string[];
  transitions: Transition[];
}

export interface Transition {
  from: string | '*';
  to: string;
  on: TransitionTrigger;
  /** Guard; scope: device context, `shadow`, `state`, and for message/delta triggers `message` / `delta`. */
  when?: Expression;
  /** Telemetry names to publish once on taking the transition. */
  publish?: string[];
}

export type TransitionTrigger =
  | { kind: 'message'; topic: Template }
  | { kind: 'delta'; key?: string }
  | { kind: 'timer'; afterMs: number };

/** Per-device values every template and expression sees. */
export interface DeviceContext {
  /** 0-based position of the device in its fleet. */
  index: number;
  seed: number;
  model: string;
  thingName: string;
  clientId: string;
  attributes: Record<string, string>;
  vars: Record<string, string>;
}
