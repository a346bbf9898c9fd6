import type { Disposable } from './service.js';

type Listener<T> = (data: T) => void;

/** A small typed event emitter: `events.on('name', cb)` returns a Disposable. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): Disposable {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return { dispose: () => void set.delete(listener as Listener<never>) };
  }

  emit<K extends keyof Events>(name: K, data: Events[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) (listener as Listener<Events[K]>)(data);
  }

  /** True when someone listens; lets hot paths skip building event payloads. */
  has(name: keyof Events): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }
}
