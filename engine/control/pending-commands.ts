/**
 * The commands that wait for an answer, per thing: those not yet handed to their device (queued for its next request
 * with a `hono-ttd`), those handed over, and the devices' requests waiting for one. Bounded per thing; no timers of
 * its own except each asking request's wait.
 */
import { EngineError } from '../core/index.js';

export type Via = 'mqtt' | 'https' | 'coap';

/** A command as an asking device receives it. */
export interface PendingCommand {
  requestId: string;
  name: string;
  payload: Buffer;
  contentType?: string;
  /** A one-way command: no answer is expected, so the device is not told its request id (Hono's one-way commands). */
  oneWay?: true;
}

/** A device's answer. */
export interface DeviceAnswer {
  status: number;
  payload: Buffer;
  contentType?: string;
}

export interface PendingEntry extends PendingCommand {
  thing: string;
  sentAt: number;
  deadline: number;
  /** How it reached the device; unset while queued. */
  via?: Via;
  answer(a: DeviceAnswer): void;
  /** A one-way command was handed to its device (it is then forgotten). */
  handed?(via: Via): void;
}

type Asker = (e: PendingEntry) => void;

export class PendingCommands {
  private readonly byId = new Map<string, PendingEntry>();
  private readonly queued = new Map<string, PendingEntry[]>();
  private readonly askers = new Map<string, Asker[]>();
  private readonly perThing = new Map<string, number>();

  constructor(private readonly maxPerThing: number) {}

  /** Adds a command: handed to `via` at once (MQTT), else to a waiting request of the thing's, else queued. */
  add(entry: PendingEntry, via?: Via): void {
    const n = this.perThing.get(entry.thing) ?? 0;
    if (n >= this.maxPerThing) throw new EngineError('Throttled', `Thing ${entry.thing} already has ${n} commands waiting for an answer (at most ${this.maxPerThing})`);
    this.perThing.set(entry.thing, n + 1);
    this.byId.set(entry.requestId, entry);
    if (via) {
      entry.via = via;
      return;
    }
    const asker = this.askers.get(entry.thing)?.shift();
    if (asker) asker(entry);
    else push(this.queued, entry.thing, entry);
  }

  has(requestId: string): boolean {
    return this.byId.has(requestId);
  }

  get(requestId: string): PendingEntry | undefined {
    return this.byId.get(requestId);
  }

  /** Forgets a command (answered, timed out); returns it when it was still there. */
  remove(requestId: string): PendingEntry | undefined {
    const e = this.byId.get(requestId);
    if (!e) return undefined;
    this.byId.delete(requestId);
    const left = (this.perThing.get(e.thing) ?? 1) - 1;
    if (left > 0) this.perThing.set(e.thing, left);
    else this.perThing.delete(e.thing);
    const q = this.queued.get(e.thing);
    const at = q?.indexOf(e) ?? -1;
    if (q && at >= 0) {
      q.splice(at, 1);
      if (!q.length) this.queued.delete(e.thing);
    }
    return e;
  }

  /** The oldest queued command of the thing, now handed over; undefined when none. */
  take(thing: string): PendingEntry | undefined {
    const q = this.queued.get(thing);
    const e = q?.shift();
    if (q && !q.length) this.queued.delete(thing);
    return e;
  }

  /** Waits up to `ms` for a command of the thing; undefined on timeout or abort. */
  ask(thing: string, ms: number, signal?: AbortSignal): Promise<PendingEntry | undefined> {
    const now = this.take(thing);
    if (now || ms <= 0 || signal?.aborted) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (e: PendingEntry | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', quit);
        const list = this.askers.get(thing);
        const at = list?.indexOf(asker) ?? -1;
        if (list && at >= 0) list.splice(at, 1);
        if (list && !list.length) this.askers.delete(thing);
        resolve(e);
      };
      const asker: Asker = (e) => done(e);
      const quit = () => done(undefined);
      const timer = setTimeout(quit, ms);
      signal?.addEventListener('abort', quit, { once: true });
      push(this.askers, thing, asker);
    });
  }

  /** Requests waiting for a command, per thing (for the UI's pending list). */
  asking(thing: string): number {
    return this.askers.get(thing)?.length ?? 0;
  }

  list(): PendingEntry[] {
    return [...this.byId.values()];
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
