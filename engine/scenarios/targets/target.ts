import type { Disposable, ThingbenchApi, ThingbenchEvents } from '../../contract/index.js';
import type { Engine } from '../../engine-types.js';

/**
 * Where a scenario, a fleet, a recording or a replay runs. Four kinds behind one interface:
 * - `local`: a Thingbench engine in this process, started for the run with a fresh data directory (or a given one);
 * - `thingbench`: another Thingbench (a trainer's machine), reached over mutual TLS for MQTT and SigV4 for its APIs;
 * - `aws`: AWS IoT Core (its ATS endpoint, a device certificate, AWS credentials and a region for provisioning);
 * - `mqtt`: any MQTT broker, publish and subscribe only.
 */
export type TargetKind = 'local' | 'thingbench' | 'aws' | 'mqtt';

/** What a target can do; a scenario step that needs more is refused, in one sentence, before the run starts. */
export interface TargetCapabilities {
  /** Device Shadow topics and APIs. */
  shadows: boolean;
  /** Registry, security and rules through the AWS IoT control plane (the AWS SDK v3 IoT client). */
  controlPlane: boolean;
  /** Reading what rules delivered to sinks (notifications, queues, streams, tables, logs). */
  sinks: boolean;
  /** Stopping and starting the engine behind the target (the `engine-restart` fault). */
  engineRestart: boolean;
}

/** PEM text, never file names: a target resolves its files when it opens. */
export interface TargetTls {
  cert?: string;
  key?: string;
  ca?: string;
  /** The name the server certificate is checked against, when it differs from the URL's host. */
  servername?: string;
}

/** An MQTT endpoint for devices and test clients. */
export interface TargetMqtt {
  /** mqtt://, mqtts://, ws:// or wss:// */
  url: string;
  tls?: TargetTls;
  /** MQTT username and password (a plain broker's login); mqtt.js also takes them in the URL. */
  username?: string;
  password?: string;
}

/** AWS credentials as the AWS SDK v3 takes them. */
export interface TargetAwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What an AWS SDK v3 client needs to reach the target's AWS-shaped APIs (IoT control plane, IoT data plane, …). */
export interface TargetAws {
  /** `endpoint` of the SDK client config: the engine's HTTP API, or AWS's regional endpoint for the control plane. */
  endpoint?: string;
  /** The IoT data plane endpoint (`https://<prefix>-ats.iot.<region>.amazonaws.com` at AWS). */
  dataEndpoint?: string;
  region: string;
  /**
   * Keys, or a provider the SDK calls when it signs (an `aws` target: the standard AWS credential chain for the
   * profile's name, resolved lazily and refreshed by the SDK). Both are what an SDK v3 client's `credentials` takes.
   */
  credentials: TargetAwsCredentials | (() => Promise<TargetAwsCredentials>);
  /** The shared-config profile the credentials and region came from (`aws` targets), for messages. */
  profile?: string;
  /** Extra CA to trust for the endpoints (a remote Thingbench's own CA). */
  ca?: string;
}

/** An open target: endpoints resolved, credentials loaded, a local engine started. `close()` releases what opening took. */
export interface Target {
  readonly name: string;
  readonly kind: TargetKind;
  readonly capabilities: TargetCapabilities;
  /** The MQTT endpoint for a transport; throws a one-sentence `EngineError('InvalidInput')` when the target lacks it. */
  mqtt(transport?: 'mqtt' | 'mqtts' | 'ws'): TargetMqtt;
  /** The CoAP or HTTPS device endpoint (devices that only ask; local targets); throws `EngineError('InvalidInput')` without one. */
  asking?(transport: 'coap' | 'https'): { url: string; ca?: string };
  /** AWS SDK v3 client settings; undefined for `mqtt` targets. */
  readonly aws?: TargetAws;
  /** The engine contract, for targets that run in this process (`local`): sinks, captures, shadows without a network hop. */
  readonly api?: ThingbenchApi;
  /** The engine contract's push events (`sinks.recorded`, `shadow.updated`, …) for targets with `api`. */
  readonly events?: { on<N extends keyof ThingbenchEvents>(name: N, cb: (data: ThingbenchEvents[N]) => void): Disposable };
  /** The engine itself (`local`): its live capture keeps each publisher's client id. A restart makes a new one. */
  readonly engine?: Engine;
  /** Restarts the engine on its data directory and ports (local targets). */
  restartEngine?(): Promise<void>;
  close(): Promise<void>;
}
