import type { BackoffPolicy } from './backoff.js';
import type { StateMachineSpec } from '../model/index.js';

/**
 * What one running virtual device needs, with every template already expanded for that device. A device model
 * (engine/devices/model) becomes one of these per fleet member; tests and scenarios may also write one directly.
 */
export interface DeviceSpec {
  thingName: string;
  clientId: string;
  connection: DeviceConnection;
  /** Reconnect back-off (default 1 s doubling to 30 s, ± half jitter); false: a lost device stays offline. */
  reconnect?: BackoffPolicy | false;
  /** Messages kept while offline and replayed on reconnect, oldest dropped first (default 100; 0 keeps none). */
  offlineBufferSize?: number;
  will?: { topic: string; payload: string; qos?: 0 | 1; retain?: boolean; /** MQTT 5 Will Delay Interval, seconds. */ delaySec?: number };
  telemetry?: TelemetrySpec[];
  shadow?: ShadowSpec;
  /** Runs AWS IoT Jobs (see `JobsSpec`). */
  jobs?: JobsSpec;
  commands?: CommandBehaviour[];
  /** Answers AWS IoT Commands (see `AwsCommandsSpec`). */
  awsCommands?: AwsCommandsSpec;
  stateMachine?: StateMachineSpec;
  /**
   * CoAP and HTTPS devices (which only ask): how long each telemetry request waits in its response for a command
   * (Eclipse Hono's `hono-ttd`), ms. They do not ask without it.
   */
  commandTtdMs?: number;
}

export interface DeviceConnection {
  /** mqtt://host:port, mqtts://host:port (mutual TLS), ws://host:port/mqtt or wss://…; coap://host:port or https://host:port for a device that only asks. */
  url: string;
  /** A CoAP device's token (the registry's per-thing credential). */
  token?: string;
  /** CoAP: send requests non-confirmable (default confirmable). */
  nonConfirmable?: boolean;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  /** Keep-alive in seconds (default 60; 0 turns it off). */
  keepaliveSec?: number;
  /** Clean session / clean start (default true). */
  clean?: boolean;
  /** MQTT 5 Session Expiry Interval in seconds. */
  sessionExpirySec?: number;
  /** A CONNECT not answered by a CONNACK within this time counts as a failed attempt (default 10 s, device clock). */
  connectTimeoutMs?: number;
  /** Client certificate and CA (PEM) for mqtts:// and wss://. */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string };
  /** MQTT username and password (a plain broker's login). */
  login?: MqttLogin;
}

export interface MqttLogin {
  username: string;
  password?: string;
}

/** What a telemetry payload generator sees. */
export interface TelemetryContext {
  /** The device clock's time in ms. */
  t: number;
  /** 0 for the first message of this telemetry stream, then 1, 2, … */
  seq: number;
  /** The device's current (reported) state. */
  state: Record<string, unknown>;
  /** The state machine's state, when the device has one. */
  machineState?: string;
}

export interface TelemetrySpec {
  /** Names the stream for state-machine transitions that publish it. */
  name?: string;
  /** A topic, or a function of the message's payload (topic templates may name its fields). */
  topic: string | ((payload: unknown) => string);
  /** Publish every `intervalMs`… */
  intervalMs?: number;
  /** …or at the times this gives: the first firing strictly after `t`, undefined for none (a cron-like schedule). */
  nextAt?(t: number): number | undefined;
  /** With `intervalMs`: delay of the first message after start (default: one interval); spreads a fleet. */
  phaseMs?: number;
  qos?: 0 | 1;
  retain?: boolean;
  /** The payload for one message (JSON-encoded unless it returns a Buffer or a string). */
  payload(ctx: TelemetryContext): unknown;
  /** Publishes only while this holds (e.g. a motor that reports while its shadow says `MOTOR: ON`). */
  when?(shadow: Record<string, unknown>, machineState: string | undefined): boolean;
  /** Publishes on schedule only while the state machine is in one of these states. */
  inStates?: string[];
}

export type DeltaAction = 'apply' | 'refuse' | 'partial';

export interface ShadowSpec {
  /** A named shadow (`$aws/things/{thing}/shadow/name/{name}/…`); the classic shadow when omitted. */
  name?: string;
  /** Published as `state.reported` after every connect (Device Advisor: "publish reported state after connect"). */
  reportOnConnect?: boolean;
  /** The state the device starts with. */
  initialState?: Record<string, unknown>;
  /** Adds `connected: true` to the report on connect and reports `connected: false` before a clean stop. */
  markConnected?: boolean;
  /**
   * On `$aws/things/{thing}/shadow/update/delta`: `apply` the change after `delayMs` and report it, `refuse` it (the
   * delta stays), or apply only the `keys` listed (`partial`; the rest of the delta stays).
   */
  onDelta?: { action: DeltaAction; delayMs?: number; keys?: string[] };
}

/** A command request handler: the reply's body (JSON-encoded). */
export type CommandHandler = (request: Record<string, unknown>, ctx: { thingName: string; topic: string; state: Record<string, unknown> }) => unknown;

export interface CommandBehaviour {
  /** The command's name: how a CoAP or HTTPS device finds the behaviour for a command that came by ttd. */
  name?: string;
  /** Topic filter the device subscribes to for requests (wildcards allowed). */
  requestTopic: string;
  /**
   * Where replies go when the request names no MQTT 5 Response Topic and no `replyTopic` field; `{topic}` stands for
   * the request's topic.
   */
  replyTopic?: string | ((request: Record<string, unknown>, topic: string) => string);
  /** Default: `{ status: 'ok', command: request.command }`. */
  handle?: CommandHandler;
  /**
   * The request field copied into the reply when the request came without MQTT 5 Correlation Data (default: both
   * `correlationId` and `clientToken`); null copies none.
   */
  correlateField?: string | null;
  /** Wait this long on the device clock before replying. */
  delayMs?: number;
}

/**
 * The device side of AWS IoT Jobs over MQTT (`$aws/things/{thing}/jobs/…`): take the next execution, download and
 * verify its files, report progress, apply, and end it SUCCEEDED, FAILED or REJECTED (see `device-jobs.ts`).
 */
export interface JobsSpec {
  /** Document `operation` values the device runs; other documents are REJECTED. */
  operations: string[];
  applyDelayMs: number;
  /** IN_PROGRESS updates while downloading (evenly spaced fractions of the bytes). */
  progressReports: number;
  requireSignature: boolean;
  blockSizeBytes: number;
  maxFileBytes: number;
  downloadTimeoutMs: number;
  /** Whether applying execution `executionNumber` of `jobId` fails (seeded, so a run is reproducible). */
  fails(jobId: string, executionNumber: number): boolean;
  /** The reported state after a success (undefined or empty: no report). */
  report?(document: Record<string, unknown>, jobId: string, shadow: Record<string, unknown>): Record<string, unknown> | undefined;
  /** CA (PEM) trusted for https:// downloads besides the system's (the engine's own CA). */
  ca?: string;
}

/** The device side of AWS IoT Commands (see `device-aws-commands.ts`). */
export interface AwsCommandsSpec {
  /** Request `operation`/`action` values the device runs; undefined: any. */
  operations?: string[];
  /** Report IN_PROGRESS when a request arrives. */
  inProgress: boolean;
  /** Time between the request and the outcome, on the device clock. */
  delayMs: number;
  /** The outcome of an execution (seeded, so a run is reproducible). */
  outcome(executionId: string): 'SUCCEEDED' | 'FAILED' | 'REJECTED';
  /** The result values of a success. */
  result?(request: unknown, executionId: string): Record<string, unknown> | undefined;
}
