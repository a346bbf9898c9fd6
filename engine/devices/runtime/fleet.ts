import { Worker } from 'node:worker_threads';
import { EngineError, TypedEmitter } from '../../core/index.js';
import { parseFaultSpec, type FaultResult, type FaultSpec } from '../faults/index.js';
import type { DeviceLogEntry, FleetMemberPage, FleetMemberQuery } from '../../contract/index.js';
import type { FleetOptions, FleetStatus, FromWorker, ToWorker } from './fleet-messages.js';

/** A worker's answer to a request (fault, members, log), or `gone` when the worker ended first. */
type Answer = Extract<FromWorker, { reqId: number }> | { type: 'gone' };

/**
 * The worker's bootstrap (CommonJS, evaluated): loads the fleet worker and hands it the port. From the sources
 * (`fleet-worker.ts`, tests and the CLI) through tsx; from a compiled build (the desktop app) as plain JavaScript.
 */
const BOOTSTRAP = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const mod = workerData.tsxApi
    ? await (await import(workerData.tsxApi)).tsImport(workerData.entry, workerData.entry)
    : await import(workerData.entry);
  mod.runFleetWorker(parentPort, workerData.options);
})().catch((e) => parentPort.postMessage({ type: 'fatal', message: String((e && e.stack) || e) }));
`;

/** This module runs compiled (`fleet.js`) or from its TypeScript source. */
const COMPILED = import.meta.url.endsWith('.js');

export interface FleetEvents {
  status: FleetStatus;
  error: { message: string };
}

/**
 * N virtual devices from one model, each its own MQTT connection, run in a worker thread so the fleet never shares
 * an event loop with the broker it measures. The parent sees status messages (connections, counters, rates).
 */
export class Fleet {
  readonly events = new TypedEmitter<FleetEvents>();
  private lastStatus: FleetStatus | undefined;
  private nextReq = 1;
  private readonly pending = new Map<number, (m: Answer) => void>();
  private stopping: Promise<FleetStatus> | undefined;
  private exited = false;

  private constructor(private readonly worker: Worker, readonly devices: ReadonlyArray<{ thingName: string; clientId: string }>) {}

  /** Starts the worker and resolves once every device is built (they then connect at the fleet's connect rate). */
  static start(options: FleetOptions): Promise<Fleet> {
    if (!Number.isInteger(options.count) || options.count < 1) return Promise.reject(new EngineError('InvalidInput', `a fleet needs a count of at least 1, not ${options.count}`));
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: COMPILED
        ? { entry: new URL('./fleet-worker.js', import.meta.url).href, options }
        : { tsxApi: import.meta.resolve('tsx/esm/api'), entry: new URL('./fleet-worker.ts', import.meta.url).href, options },
    });
    return new Promise((resolve, reject) => {
      let fleet: Fleet | undefined;
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') resolve((fleet = new Fleet(worker, m.devices)));
        else if (m.type === 'fatal') {
          if (fleet) fleet.events.emit('error', { message: m.message });
          else reject(new EngineError('InvalidInput', m.message));
          void worker.terminate();
        } else fleet?.onMessage(m);
      });
      worker.on('error', (e) => {
        if (fleet) fleet.events.emit('error', { message: e.message });
        else reject(e);
      });
      worker.on('exit', () => {
        if (fleet) {
          fleet.exited = true;
          for (const answer of fleet.pending.values()) answer({ type: 'gone' });
          fleet.pending.clear();
        }
        else reject(new EngineError('Internal', 'the fleet worker exited before its devices were built'));
      });
    });
  }

  /** The latest status the worker reported (undefined before the first one). */
  status(): FleetStatus | undefined {
    return this.lastStatus;
  }

  /** Resolves with the first status for which `predicate` holds. */
  until(predicate: (s: FleetStatus) => boolean, timeoutMs = 30_000): Promise<FleetStatus> {
    if (this.lastStatus && predicate(this.lastStatus)) return Promise.resolve(this.lastStatus);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`the fleet did not reach the expected status in ${timeoutMs} ms (last: ${JSON.stringify(this.lastStatus)})`));
      }, timeoutMs);
      const sub = this.events.on('status', (s) => {
        if (!predicate(s)) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      });
    });
  }

  /**
   * Destroys one device's socket (by thing name or client id) without a DISCONNECT: the broker publishes its will and
   * reports CONNECTION_LOST; the device reconnects after its back-off unless `reconnect` is false.
   */
  async drop(deviceId: string, opts: { reconnect?: boolean } = {}): Promise<void> {
    await this.fault({ kind: 'drop', reconnect: opts.reconnect !== false }, { devices: [deviceId] });
  }

  /**
   * Applies a fault to the devices named (thing names or client ids), or to every device when `devices` is omitted, and
   * says how many it took effect on. The spec is checked first (`InvalidInput`); an unknown device is `NotFound` and
   * nothing is applied.
   */
  fault(spec: FaultSpec, opts: { devices?: string[] } = {}): Promise<FaultResult> {
    let checked: FaultSpec;
    try {
      checked = parseFaultSpec(spec);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (this.exited || this.stopping) return Promise.reject(new EngineError('Unavailable', 'the fleet is stopped'));
    if (opts.devices && !opts.devices.length) return Promise.reject(new EngineError('InvalidInput', 'name at least one device, or omit devices for all of them'));
    return this.request((reqId) => ({ type: 'fault', reqId, spec: checked, ...(opts.devices ? { devices: opts.devices } : {}) }), (m) => {
      if (m.type === 'faulted' && 'result' in m) return m.result;
      if ('notFound' in m) throw new EngineError('NotFound', `no device '${m.notFound}' in this fleet`);
      throw new EngineError('Unavailable', 'the fleet stopped before the fault was applied');
    });
  }

  /** One page of the fleet's devices with their state and counters, in index order. */
  members(query: FleetMemberQuery = {}): Promise<FleetMemberPage> {
    if (this.exited) return Promise.reject(new EngineError('Unavailable', 'the fleet is stopped'));
    return this.request((reqId) => ({ type: 'members', reqId, query }), (m) => {
      if (m.type === 'members') return m.page;
      throw new EngineError('Unavailable', 'the fleet stopped before it answered');
    });
  }

  /** A device's log (thing name or client id) after entry `after`; NotFound for a device not in the fleet. */
  log(device: string, after?: number): Promise<DeviceLogEntry[]> {
    if (this.exited) return Promise.reject(new EngineError('Unavailable', 'the fleet is stopped'));
    return this.request((reqId) => ({ type: 'log', reqId, device, ...(after !== undefined ? { after } : {}) }), (m) => {
      if (m.type === 'log' && 'entries' in m) return m.entries;
      if ('notFound' in m) throw new EngineError('NotFound', `no device '${m.notFound}' in this fleet`);
      throw new EngineError('Unavailable', 'the fleet stopped before it answered');
    });
  }

  private request<T>(message: (reqId: number) => ToWorker, answer: (m: Answer) => T): Promise<T> {
    const reqId = this.nextReq++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(reqId, (m) => {
        try {
          resolve(answer(m));
        } catch (e) {
          reject(e as Error);
        }
      });
      this.send(message(reqId));
    });
  }

  /** Disconnects every device cleanly (no wills), ends the worker, and resolves with the final status. */
  stop(): Promise<FleetStatus> {
    if (this.stopping) return this.stopping;
    if (this.exited) return Promise.resolve(this.lastStatus!);
    this.stopping = new Promise<FleetStatus>((resolve) => {
      this.worker.once('exit', () => {
        this.exited = true;
        resolve(this.lastStatus!);
      });
    });
    // A device that cannot finish its DISCONNECT does not hold the fleet forever.
    setTimeout(() => void this.worker.terminate(), 15_000).unref();
    this.send({ type: 'stop' });
    return this.stopping;
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'status' || m.type === 'stopped') {
      this.lastStatus = m.status;
      this.events.emit('status', m.status);
      if (m.type === 'stopped') void this.worker.terminate();
    } else if ('reqId' in m) {
      this.pending.get(m.reqId)?.(m);
      this.pending.delete(m.reqId);
    }
  }

  private send(m: ToWorker): void {
    this.worker.postMessage(m);
  }
}
