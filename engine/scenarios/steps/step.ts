/**
 * The shape every scenario step has. One file per step under `engine/scenarios/steps/`, each exporting a
 * `StepDefinition`, registered in one table (`steps/index.ts`). The runner validates a step's arguments against its
 * `schema` when the scenario loads (errors as `file:line:col`), refuses steps whose `needs` the target lacks before the
 * run starts, interpolates `${name}` variables into the arguments, and calls `run(ctx, args)`.
 *
 *   export const publishStep: StepDefinition<PublishArgs> = {
 *     name: 'publish',
 *     summary: 'Publishes one message on a topic.',
 *     schema: { type: 'object', required: ['topic'], properties: { … }, additionalProperties: false },
 *     async run(ctx, args) { const c = await ctx.mqtt(); await c.publishAsync(args.topic, …); return passed(); },
 *   };
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from '../../core/index.js';
import type { DeviceClock, Fleet, FleetDevice } from '../../devices/index.js';
import type { Target, TargetCapabilities } from '../targets/target.js';

/** A JSON Schema (draft-07, as ajv compiles it) for a step's arguments. */
export type JsonSchema = Record<string, unknown>;

/** How one step ended. A step that cannot run at all (bad input found late, target error) throws an `EngineError`. */
export type StepOutcome = StepPassed | StepFailed;

export interface StepPassed {
  status: 'passed';
  /** One line shown beside the step in reports ("3 messages matched in 412 ms"). */
  note?: string;
  /**
   * The messages the step published or matched (at most 5, newest last): sent live with the `step.finished` event so
   * a timeline can show them; not part of the result (reports and their determinism stay as they are).
   */
  messages?: SeenMessage[];
}

export interface StepFailed {
  status: 'failed';
  /** One sentence: what did not hold. */
  message: string;
  /** What the step expected (shown beside `seen`). */
  expected?: unknown;
  /** The last messages actually seen on the step's filter, newest last. */
  seen?: SeenMessage[];
}

export const passed = (note?: string, messages?: SeenMessage[]): StepPassed => ({
  status: 'passed', ...(note === undefined ? {} : { note }), ...(messages?.length ? { messages } : {}),
});
export const failed = (message: string, more: Omit<StepFailed, 'status' | 'message'> = {}): StepFailed => ({ status: 'failed', message, ...more });

/** A message a test client received, as reports show it. */
export interface SeenMessage {
  topic: string;
  /** The payload as UTF-8 text (binary payloads as `base64:…`). */
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Run time (ms since the run started, on the run's clock) when it arrived. */
  at: number;
}

/** A step as written in a scenario file: its name and its (not yet interpolated) arguments. */
export interface StepCall {
  step: string;
  args: unknown;
  /** The step's position in its file, for messages (`scenario.yaml:12:5`). */
  where?: string;
  /** A label the scenario gave the step (`name:`), shown in reports instead of the step name. */
  label?: string;
}

/** The run's variables: scenario `variables`, `--var` values, values steps `capture`d. */
export interface Variables {
  get(name: string): unknown;
  has(name: string): boolean;
  set(name: string, value: unknown): void;
  /**
   * Replaces `${name}` (and `${name.path[0]}`) in every string of `value`, deeply. A string that is exactly one
   * `${…}` becomes the variable's value with its type; elsewhere values are inserted as text (objects as JSON).
   * An unknown variable throws `EngineError('InvalidInput')` naming it.
   */
  interpolate<T>(value: T): T;
}

/**
 * The run's time. Against a deterministic run the device schedules run on a `VirtualClock` that moves only when the
 * runner advances it (during `wait`, `expect … within`, `absent`); otherwise on real timers.
 */
export interface RunClock {
  /** True in deterministic mode. */
  readonly virtual: boolean;
  /** Milliseconds since the run started. */
  elapsed(): number;
  /** The clock devices are started on (give it to `VirtualDevice`/`Fleet` options). */
  readonly devices: DeviceClock;
  /**
   * Lets `ms` of run time pass: real time, or in deterministic mode the virtual clock advanced timer by timer, with
   * the network settled after each firing. Rejects with the run's abort reason when the run is aborted.
   */
  sleep(ms: number): Promise<void>;
  /**
   * Calls `probe` now and again whenever `changed` signals (and, in deterministic mode, after every virtual timer
   * firing) until it returns a value or `ms` of run time has passed; resolves with that value, or undefined when the
   * window ended first. Rejects with the run's abort reason when the run is aborted.
   */
  waitFor<T>(ms: number, probe: () => T | undefined | Promise<T | undefined>, changed?: (wake: () => void) => { dispose(): void }): Promise<T | undefined>;
}

/** Options for a test client opened on the target. */
export interface ClientOptions {
  /** Default: `tb-run-<seed>-<n>`. Replaying a recording opens clients with the original publishers' ids. */
  clientId?: string;
  transport?: 'mqtt' | 'mqtts' | 'ws';
  protocolVersion?: 4 | 5;
  clean?: boolean;
  /**
   * A device's own certificate (PEM; `cert` may hold the chain up to its CA) and key: the client connects over mutual
   * TLS (the target's mqtts endpoint) with them instead of the target's.
   */
  certificate?: { cert: string; key: string };
}

/**
 * A virtual device or fleet the scenario declared under `devices:`, by name. `devices`: run in this process (one
 * device, or every fleet in deterministic mode, on the run's clock); `fleet`: a `Fleet` in a worker thread.
 */
export type RunningDevice =
  | { kind: 'devices'; name: string; devices: FleetDevice[] }
  | { kind: 'fleet'; name: string; fleet: Fleet };

export interface DeviceRegistry {
  /** Throws `EngineError('NotFound')` naming the device when the scenario declares none by that name. */
  get(name: string): RunningDevice;
  /** Declared names (started or not). */
  names(): string[];
  /** Starts a declared device or fleet (the `start` step); stopping is registered on the cleanup stack. */
  start(name: string): Promise<RunningDevice>;
  /** Stops a started device or fleet (the `stop` step); a no-op when it is not running. */
  stop(name: string): Promise<void>;
  /** True while started. */
  running(name: string): boolean;
}

/**
 * A subscription the runner keeps for the whole run on one topic filter, with every message received on it since it
 * opened. Expectations read it through a cursor: an `expect` looks at messages after the cursor and moves it past what
 * it matched, so a message is matched once; `absent` looks past the cursor up to the end of its window.
 */
export interface Inbox {
  readonly filter: string;
  /** Messages after the cursor. */
  pending(): SeenMessage[];
  /** Moves the cursor past `message` (and everything before it). */
  consume(message: SeenMessage): void;
  /** Resolves on the next message received (any), or when `signal` aborts. */
  next(signal?: AbortSignal): Promise<SeenMessage | undefined>;
  /** The last `n` messages received, consumed or not, newest last (what a failure report shows). */
  recent(n?: number): SeenMessage[];
  /**
   * Resolves once every message published to the broker before this call that matches the filter has arrived: the
   * runner publishes a marker on a reserved topic through the same connection path and waits for it.
   */
  settle(): Promise<void>;
}

export interface MessageWatch {
  /** The inbox for `filter`; subscribes now if the scenario did not already subscribe at its start. */
  inbox(filter: string, qos?: 0 | 1): Promise<Inbox>;
  /**
   * Resolves once the watch connection is up with its subscriptions and delivery has caught up (a marker message went
   * through the broker and came back): after an engine restart, before the next expectation.
   */
  settle(): Promise<void>;
}

/** Progress and step events (the `pretty`/`json`/`junit` reporters and the contract's `scenarios.step` read these). */
export interface StepLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  /** A progress line for long steps ("12/50 messages"), shown live on a terminal. */
  progress(message: string, done?: number, total?: number): void;
}

export interface CleanupStack {
  /**
   * Registers an undo action. The runner runs them last-in first-out when the run ends: after success, failure, a
   * timeout or an abort (Ctrl-C). A failing cleanup is reported and the others still run.
   */
  push(description: string, fn: () => Promise<void>): void;
  /**
   * Runs every action registered so far now, last-in first-out (the `cleanup` step), telling `report` about each;
   * resolves with the failures, one sentence each. What is pushed afterwards is undone at the end of the run.
   */
  unwind?(report: (description: string, error?: string) => void): Promise<string[]>;
}

/** What a step sees while it runs. */
export interface StepContext {
  /** The open target (local engine, another Thingbench, AWS IoT Core, any MQTT broker). */
  readonly target: Target;
  readonly vars: Variables;
  /** The run's seed: fixes every generator, id and jitter. */
  readonly seed: number;
  readonly clock: RunClock;
  /** Aborted on Ctrl-C, on a run timeout, or when the caller aborts `runScenario`. */
  readonly signal: AbortSignal;
  /**
   * Opens an MQTT client on the target (connected, CONNACK received); the runner closes it when the run ends. It
   * reconnects (and resubscribes) by itself after the connection is lost, as after an engine restart. The same
   * options give the same client for the whole run (no options: the run's default client).
   */
  mqtt(opts?: ClientOptions): Promise<MqttClient>;
  readonly devices: DeviceRegistry;
  readonly messages: MessageWatch;
  readonly cleanup: CleanupStack;
  /** What `provision` makes stays on the target after the run (a lab's start and solution): nothing is undone. */
  readonly keepResources?: boolean;
  /**
   * Tags put on what `provision` and `aws` create, where the AWS API takes tags at creation (a lab's
   * `thingbench:lab` and `thingbench:attendee`).
   */
  readonly tags?: Record<string, string>;
  /**
   * What the step creates may exist already and is brought to the step's definition (a lab's solve): `provision`
   * defaults to `ifExists: update`, `aws` converges the Create calls it knows (`steps/aws-converge.ts`).
   */
  readonly converge?: boolean;
  readonly log: StepLog;
  /** The engine logger, for details that do not belong in reports. */
  readonly logger: Logger;
  /** Resolves a path written in the scenario relative to the scenario file's directory. */
  resolvePath(path: string): string;
  /** A deterministic id for things the run creates: `<prefix>-<seed>-<n>` (same seed, same ids). */
  uniqueId(prefix: string): string;
  /**
   * Runs nested steps (for `repeat` and `include`) with the same context, reporting each as a child of the current
   * step; `vars` adds variables for their duration. Resolves with the first failure, or passed.
   */
  runSteps(steps: StepCall[], opts?: { vars?: Record<string, unknown>; label?: string; baseDir?: string }): Promise<StepOutcome>;
  /** A scenario file an `include` step names (loaded and checked with the scenario), by its path as written. */
  included(path: string): IncludedScenario;
}

/** What `include` runs: another scenario file's steps, with its variables as defaults. */
export interface IncludedScenario {
  file: string;
  variables: Record<string, unknown>;
  steps: StepCall[];
}

export interface StepDefinition<Args = unknown> {
  /** The key written in a scenario file (`publish`, `shadow.update`, `sink.expect`). */
  name: string;
  /** One sentence for `--help` and the README. */
  summary: string;
  /** JSON Schema of the arguments; composed into `schemas/scenario.schema.json`. */
  schema: JsonSchema;
  /** Target capabilities the step needs; the run is refused before it starts when the target lacks one. */
  needs?: Array<keyof TargetCapabilities>;
  /**
   * Argument keys the runner does not interpolate before `run` (nested steps of `repeat`/`include`, which are
   * interpolated when they run).
   */
  rawArgs?: string[];
  /**
   * Topic filters the step will read, from its (not yet interpolated) arguments: the runner subscribes to every one
   * without a `${…}` at scenario start, so a message caused by an earlier step is never missed.
   */
  filters?(args: Args): string[];
  /**
   * Argument keys holding nested step lists (`repeat`'s `steps`): the loader checks them like top-level steps and hands
   * them to `run` as `StepCall[]`; they are never interpolated before `run`.
   */
  stepLists?: string[];
  /** Scenario files the step includes (relative to the scenario file): loaded and checked with the scenario. */
  includes?(args: Args): string[];
  /** Names of declared devices the step refers to (checked when the scenario loads). */
  deviceRefs?(args: Args): string[];
  /** Checks the schema cannot express; each string is one problem at the step's position. */
  check?(args: Args): string[];
  /**
   * What the target cannot do for these (not yet interpolated) arguments beyond `needs`, one sentence each (a
   * `provision` with sinks on a target that is not local): the run is refused before it starts, like `needs`.
   */
  refuse?(args: Args, target: Target): string[];
  run(ctx: StepContext, args: Args): Promise<StepOutcome>;
}

/** A registered step with its arguments typed loosely (the registry holds steps of every argument type). */
export type AnyStepDefinition = StepDefinition<any>;

/** `defineStep` keeps a step's argument type while registering it in the common table. */
export const defineStep = <Args>(def: StepDefinition<Args>): StepDefinition<Args> => def;
