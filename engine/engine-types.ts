import type { EngineInfo, ThingbenchApi, ThingbenchEvents } from './contract/index.js';
import type { TypedEmitter } from './core/index.js';
import type { EngineConfig } from './config.js';

/** A composed engine: what every host (CLI, browser-mode server, Electron) drives. */
export interface Engine {
  readonly config: EngineConfig;
  /** The contract implementation that `host/rpc-server.ts` dispatches to. */
  readonly api: ThingbenchApi;
  /** Push events for the UI (`broker.messages` batches every 100 ms, `logs.appended`). */
  readonly events: TypedEmitter<ThingbenchEvents>;
  /** Binds listeners and starts every service; resolves with the real endpoints (port 0 → the chosen port). */
  start(): Promise<EngineInfo>;
  /** Disconnects clients, flushes state, closes listeners; safe to call twice. */
  stop(): Promise<void>;
  info(): EngineInfo;
}
