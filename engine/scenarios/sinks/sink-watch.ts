/**
 * Reads what rules delivered to a sink of the target, for `sink.expect`: records newer than the run's cursor for that
 * sink (a record is matched once; a table is a state, so every item it holds is looked at), woken by the target's
 * `sinks.recorded` events, or polled when the target has none.
 */
import { EngineError } from '../../core/index.js';
import type { SinkKind, SinkRecord, ThingbenchApi } from '../../contract/index.js';
import type { Target } from '../targets/target.js';

const POLL_MS = 250;
const PAGE = 1000;

/** Per run: the cursor of each sink (the last record id a `sink.expect` consumed, or the first it may see). */
export class SinkCursors {
  private readonly cursors = new Map<string, number>();
  constructor(
    /** Records older than this (the engine's epoch ms) were there before the run. */
    readonly since: number,
  ) {}

  get(kind: SinkKind, name: string): number {
    return this.cursors.get(`${kind}\0${name}`) ?? 0;
  }

  consume(kind: SinkKind, name: string, id: number): void {
    if (kind !== 'table' && id > this.get(kind, name)) this.cursors.set(`${kind}\0${name}`, id);
  }
}

function sinksApi(target: Target): ThingbenchApi['sinks'] {
  if (!target.api) throw new EngineError('InvalidInput', `sink.expect: the target '${target.name}' (${target.kind}) does not let Thingbench read its sinks`);
  return target.api.sinks;
}

/** The records a predicate may match, oldest first: up to 1,000 new ones since the cursor (for a table: items). */
export async function candidateRecords(target: Target, kind: SinkKind, name: string, cursors: SinkCursors): Promise<SinkRecord[]> {
  const sinks = sinksApi(target);
  const after = kind === 'table' ? 0 : cursors.get(kind, name);
  // The contract reads newest first: past 1,000 new records, the oldest are not looked at.
  const out = await sinks.records(kind, name, { after, limit: PAGE });
  return out.filter((r) => kind === 'table' || r.time >= cursors.since).reverse();
}

/** Calls `wake` when the target records into the sink (or every 250 ms without events); dispose to stop. */
export function onSinkChange(target: Target, kind: SinkKind, name: string, wake: () => void): { dispose(): void } {
  if (target.events) {
    return target.events.on('sinks.recorded', (batch) => {
      if (batch.some((r) => r.kind === kind && r.name === name)) wake();
    });
  }
  const timer = setInterval(wake, POLL_MS);
  return { dispose: () => clearInterval(timer) };
}

/** NotFound in one sentence when the sink does not exist on the target. */
export async function requireSink(target: Target, kind: SinkKind, name: string): Promise<void> {
  const list = await sinksApi(target).list(kind);
  if (!list.some((s) => s.name === name)) {
    const names = list.map((s) => s.name);
    throw new EngineError('NotFound', `sink.expect: the target '${target.name}' has no ${kind} sink named '${name}'${names.length ? ` (it has ${names.join(', ')})` : ''}`);
  }
}

/**
 * Calls `probe` now and on every `changed` wake-up until it gives a value or `ms` of real time has passed. Sinks are
 * filled by the engine's rules and functions, which run on real time even when the run's devices are on a virtual
 * clock: in deterministic mode `sink.expect` gives them this grace after its virtual window.
 */
export async function waitRealTime<T>(ms: number, probe: () => Promise<T | undefined>, changed: (wake: () => void) => { dispose(): void }, signal: AbortSignal): Promise<T | undefined> {
  const end = Date.now() + ms;
  let wake: () => void = () => undefined;
  const sub = changed(() => wake());
  try {
    for (;;) {
      signal.throwIfAborted();
      const v = await probe();
      if (v !== undefined) return v;
      const left = end - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, POLL_MS));
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    sub.dispose();
  }
}
