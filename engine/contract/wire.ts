import type { ThingbenchEvents } from './api.js';
import type { WireBatch } from './batch-wire.js';

/** Error codes as they cross the wire (same set as the engine's EngineError). */
export type WireErrorCode =
  | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'InvalidInput' | 'Unauthorized'
  | 'Forbidden' | 'TooLarge' | 'Throttled' | 'Unavailable' | 'Internal';

export interface WireError {
  code: WireErrorCode;
  message: string;
  details?: object;
}

/** Events' data as it crosses the wire: as the contract types it, but `broker.messages` packed (`packBatch`). */
export type WireEvents = Omit<ThingbenchEvents, 'broker.messages'> & { 'broker.messages': WireBatch };

export type WireMessage =
  | { kind: 'call'; id: number; method: string; args: unknown[] }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { [N in keyof WireEvents]: { kind: 'event'; name: N; data: WireEvents[N] } }[keyof WireEvents];

export interface Disposable {
  dispose(): void;
}

/** Carries wire messages; never inspects `method` or `name`. Electron: IPC channel `tb:rpc`; browser: WebSocket `/rpc`. */
export interface Transport {
  send(msg: WireMessage): void;
  onMessage(cb: (msg: WireMessage) => void): Disposable;
}

/** The preload exposes this as `window.thingbench` in Electron. */
export interface PreloadBridge {
  send(msg: WireMessage): void;
  onMessage(cb: (msg: WireMessage) => void): () => void;
}
