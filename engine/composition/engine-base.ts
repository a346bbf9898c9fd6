import type { ThingbenchEvents } from '../contract/index.js';
import type { Clock, Logger, TypedEmitter, WebGuard } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { EngineConfig } from '../config.js';
import type { LogBuffer } from '../log-buffer.js';

export interface EngineOptions {
  clock?: Clock;
  /** Where log lines go besides the UI's log view (the CLI passes stderr). */
  logger?: Logger;
  /** Test hooks: shorter broker timeouts. */
  broker?: { connectTimeoutMs?: number; drainTimeoutMs?: number };
  /** Test hook: the longest the CloudWatch alarm timer sleeps (ms), so a fake clock moved forward is noticed soon. */
  alarmCheckMs?: number;
}

/** What every area of the composition is built from: the config, the clock, the store, the log and the UI's events. */
export interface EngineBase {
  readonly config: EngineConfig;
  readonly opts: EngineOptions;
  readonly clock: Clock;
  readonly events: TypedEmitter<ThingbenchEvents>;
  readonly logs: LogBuffer;
  readonly store: Store;
  /** Host and Origin admission shared by the HTTP API and the MQTT-over-WebSocket listeners (ARCHITECTURE §6a). */
  readonly guard: WebGuard;
  /** `--require-roles`: Lambda, Firehose and AWS IoT refuse a role of the engine's account they could not assume. */
  readonly requireRoles: boolean;
  /** The HTTP API's base URL once it listens (`http://127.0.0.1:8080`): SNS links, presigned URLs, AWS_ENDPOINT_URL. */
  httpUrl(): string | undefined;
}
