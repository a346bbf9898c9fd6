import { apiMethods, type ThingbenchApi, type ThingbenchEvents } from './api.js';
import { unpackBatch } from './batch-wire.js';
import type { Disposable, Transport, WireError } from './wire.js';

/** Error raised on the calling side when the engine answers a call with an error. */
export class RpcError extends Error {
  constructor(readonly code: WireError['code'], message: string, readonly details?: object) {
    super(message);
    this.name = 'RpcError';
  }
}

export type ThingbenchClient = ThingbenchApi & {
  on<N extends keyof ThingbenchEvents>(name: N, cb: (data: ThingbenchEvents[N]) => void): Disposable;
  dispose(): void;
};

/** Builds the typed API over any transport; the caller never knows which host answers. */
export function createClient(transport: Transport): ThingbenchClient {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Map<string, Set<(data: never) => void>>();

  const sub = transport.onMessage((msg) => {
    if (msg.kind === 'result' || msg.kind === 'error') {
      const call = pending.get(msg.id);
      if (!call) return;
      pending.delete(msg.id);
      if (msg.kind === 'result') call.resolve(msg.value);
      else call.reject(new RpcError(msg.error.code, msg.error.message, msg.error.details));
    } else if (msg.kind === 'event') {
      const heard = listeners.get(msg.name);
      // A client that never listens to live traffic (a script, a lab check) does not pay for unpacking it.
      if (!heard?.size) return;
      const data = msg.name === 'broker.messages' ? unpackBatch(msg.data) : msg.data;
      heard.forEach((cb) => cb(data as never));
    }
  });

  const call = (method: string, args: unknown[]) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      transport.send({ kind: 'call', id, method, args });
    });

  const api: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const [area, verbs] of Object.entries(apiMethods)) {
    api[area] = {};
    for (const verb of verbs) api[area][verb] = (...args) => call(`${area}.${verb}`, args);
  }

  return Object.assign(api as unknown as ThingbenchApi, {
    on<N extends keyof ThingbenchEvents>(name: N, cb: (data: ThingbenchEvents[N]) => void): Disposable {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(cb as (data: never) => void);
      return { dispose: () => void set.delete(cb as (data: never) => void) };
    },
    dispose() {
      sub.dispose();
      for (const call of pending.values()) call.reject(new RpcError('Unavailable', 'connection closed'));
      pending.clear();
    },
  });
}
