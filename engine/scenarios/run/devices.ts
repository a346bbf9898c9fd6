/**
 * The scenario's declared devices and fleets. One device (or, in deterministic mode, every fleet) runs in this
 * process on the run's clock; a fleet otherwise runs in a worker thread (`Fleet`). Starting registers the stop on
 * the run's cleanup stack, so a failed or aborted run leaves no device connected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineError } from '../../core/index.js';
import {
  compileTemplate, createDeviceContext, deviceSeed, deviceSpecFromModel, findModel, Fleet, loadDeviceModel, loadModelCatalog, readReplayFiles, VirtualDevice,
  type DeviceModel, type FaultResult, type FaultSpec, type FleetDevice, type ReplayData,
} from '../../devices/index.js';
import type { DeviceDecl } from '../format/types.js';
import { startAskingDevices } from './asking-devices.js';
import { faultRunning } from './fault-running.js';
import { needsRegistration, registerDevices } from '../provision/index.js';
import type { CleanupStack, DeviceRegistry, RunClock, RunningDevice, StepLog } from '../steps/step.js';
import { deviceEndpoint, mqttLogin, type Target } from '../targets/index.js';

export interface RunDevicesOptions {
  target: Target;
  seed: number;
  clock: RunClock;
  baseDir: string;
  cleanup: CleanupStack;
  log: StepLog;
  /** Where custom models live (`<dataDir>/models`); built-in models always. */
  dataDir?: string;
  /** How long a started device may take to connect (real time). */
  connectTimeoutMs?: number;
  /** Refuses (throws) a model or replay file the run may not read. */
  checkFile?: (path: string) => void;
  /** Replaces `${…}` run variables in a declaration's `thingName` when the device starts. */
  interpolate?: (text: string) => unknown;
  /** Started devices outlive the run (a lab's starting state): not on the cleanup stack, handed over by `handOver()`. */
  keep?: boolean;
}

/** Devices a run started and handed over (`RunOptions.onKeptDevices`): they run until `stop()`. */
export interface KeptDevices {
  /** The declared names that were started. */
  names: string[];
  /** Applies a fault to every one of them, or only to the devices named (thing names or client ids). */
  fault(spec: FaultSpec, devices?: readonly string[]): Promise<FaultResult>;
  /** Stops them cleanly (no wills) and gives back what registering them made (certificates, things). */
  stop(): Promise<void>;
}

const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

/** A 32-bit seed for a declared device from the run's seed and its name. */
export function namedSeed(seed: number, name: string): number {
  let h = seed >>> 0;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return deviceSeed(h, 0);
}

export class RunDevices implements DeviceRegistry {
  private readonly decls = new Map<string, DeviceDecl>();
  private readonly runningDevices = new Map<string, RunningDevice>();
  /** With `keep`: what stopping the kept devices must undo besides stopping them, last in first. */
  private readonly keptUndo: Array<() => Promise<void>> = [];

  constructor(decls: DeviceDecl[], private readonly opts: RunDevicesOptions) {
    for (const d of decls) this.decls.set(d.name, d);
  }

  names(): string[] {
    return [...this.decls.keys()];
  }

  running(name: string): boolean {
    return this.runningDevices.has(name);
  }

  /** Every in-process device started so far (the runner watches them to know when the run has settled). */
  inProcess(): FleetDevice[] {
    return [...this.runningDevices.values()].flatMap((r) => (r.kind === 'devices' ? r.devices : []));
  }

  get(name: string): RunningDevice {
    const r = this.runningDevices.get(name);
    if (r) return r;
    if (!this.decls.has(name)) throw new EngineError('NotFound', `no device '${name}' is declared; the devices are ${this.names().join(', ') || 'none'}`);
    throw new EngineError('InvalidInput', `device '${name}' is not started (a start step starts it)`);
  }

  /** Loads a declared device's model (checked before the run starts, so a bad model is bad input). */
  model(name: string): { model: DeviceModel; replay: ReplayData } {
    const d = this.decls.get(name)!;
    const looksLikeFile = /[\\/]|\.ya?ml$/i.test(d.model);
    if (looksLikeFile) {
      const file = resolve(this.opts.baseDir, d.model);
      this.opts.checkFile?.(file);
      if (!existsSync(file)) throw new EngineError('InvalidInput', `${d.where}: no model file '${d.model}' (looked for ${file})`);
      const model = loadDeviceModel(readFileSync(file, 'utf8'), file);
      return { model, replay: readReplayFiles(model, resolve(file, '..'), this.opts.checkFile) };
    }
    try {
      const found = findModel(loadModelCatalog(this.opts.dataDir), d.model);
      return { model: found.model, replay: readReplayFiles(found.model, found.dir) };
    } catch (e) {
      throw new EngineError('InvalidInput', `${d.where}: ${(e as Error).message}`);
    }
  }

  /** The model with the declaration's thing name (one device: a legal thing name; a fleet: a template per device). */
  private renamed(model: DeviceModel, d: DeviceDecl, template: string): DeviceModel {
    const value = this.opts.interpolate ? this.opts.interpolate(template) : template;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (d.count === 1 && !THING_NAME.test(text)) {
      throw new EngineError('InvalidInput', `${d.where}: thingName '${text}' is not a thing name (1 to 128 of a-z, A-Z, 0-9, ':', '_' and '-')`);
    }
    if (d.count > 1) {
      if (!text.includes('{')) throw new EngineError('InvalidInput', `${d.where}: thingName '${text}' would give all ${d.count} devices one name: make it a template such as '${text}-{index + 1}'`);
      try {
        compileTemplate(text);
      } catch (e) {
        throw new EngineError('InvalidInput', `${d.where}: thingName '${text}': ${(e as Error).message}`);
      }
    }
    return { ...model, identity: { ...model.identity, thingName: text } };
  }

  async start(name: string): Promise<RunningDevice> {
    const have = this.runningDevices.get(name);
    if (have) return have;
    const d = this.decls.get(name);
    if (!d) return this.get(name);
    const loaded = this.model(name);
    const replay = loaded.replay;
    const model = d.thingName === undefined ? loaded.model : this.renamed(loaded.model, d, d.thingName);
    if (model.identity.certificate.mode === 'existing') {
      throw new EngineError('InvalidInput', `${d.where}: model '${model.name}' connects with an existing certificate whose private key a scenario does not hold; set identity.certificate to provision`);
    }
    const seed = d.seed ?? namedSeed(this.opts.seed, name);
    const asks = model.protocol.transport;
    if (asks === 'coap' || asks === 'https') {
      const devices = await startAskingDevices({
        name, where: d.where, model, count: d.count, seed, replay, target: this.opts.target, clock: this.opts.clock.devices,
        keep: this.opts.keep === true, keptUndo: this.keptUndo, cleanup: this.opts.cleanup, log: this.opts.log,
      });
      const running: RunningDevice = { kind: 'devices', name, devices };
      this.runningDevices.set(name, running);
      if (!this.opts.keep) this.opts.cleanup.push(`stop ${name}`, () => this.stop(name));
      for (const dev of devices) dev.start();
      return running;
    }
    const provisioned = model.identity.certificate.mode === 'provision';
    // A provisioned device proves who it is with its certificate: TCP becomes mutual TLS.
    const transport = d.transport ?? (provisioned && asks === 'mqtt' ? 'mqtts' : asks);
    // A transport the scenario names is required; the model's own is a default: on a target reached only over mutual
    // TLS (another Thingbench, AWS) the device connects as the target's clients do, with the target's certificate.
    const endpoint = d.transport !== undefined || provisioned ? this.opts.target.mqtt(transport) : deviceEndpoint(this.opts.target, transport);
    let identities: ReadonlyArray<{ cert: string; key: string } | undefined> | undefined;
    if (needsRegistration(model)) {
      const members = Array.from({ length: d.count }, (_, index) => {
        const c = createDeviceContext(model, index, seed);
        return { thingName: c.thingName, attributes: c.attributes };
      });
      const registration = await registerDevices(this.opts.target, model, members, { log: (m) => this.opts.log.info(`${name}: ${m}`) });
      // Unwound last in, first out: the devices stop, their certificates go, then what registering created.
      if (this.opts.keep) this.keptUndo.push(() => registration.remove(), () => registration.release());
      else {
        this.opts.cleanup.push(`delete the things of ${name}`, () => registration.remove());
        this.opts.cleanup.push(`release the certificates of ${name}`, () => registration.release());
      }
      if (registration.identities.some(Boolean)) identities = registration.identities;
    }
    const tls = endpoint.tls ? { ...endpoint.tls } : undefined;
    const url = endpoint.url;
    const login = mqttLogin(endpoint);
    let running: RunningDevice;
    if (d.count === 1 || this.opts.clock.virtual) {
      const devices = Array.from({ length: d.count }, (_, index) => {
        const own = identities?.[index];
        const deviceTls = own ? { ...(tls ?? {}), cert: own.cert, key: own.key } : tls;
        return new VirtualDevice(
          deviceSpecFromModel(model, { index, seed, url, tls: deviceTls, login, replay }),
          { clock: this.opts.clock.devices, seed: deviceSeed(seed, index) },
        );
      });
      running = { kind: 'devices', name, devices };
      this.runningDevices.set(name, running);
      if (!this.opts.keep) this.opts.cleanup.push(`stop ${name}`, () => this.stop(name));
      for (const dev of devices) dev.start();
      await Promise.all(devices.map((dev) => this.connected(dev, name)));
    } else {
      const fleet = await Fleet.start({ model, count: d.count, seed, url, tls, ...(login ? { login } : {}), replay, statusIntervalMs: 250, ...(identities ? { identities } : {}) });
      running = { kind: 'fleet', name, fleet };
      this.runningDevices.set(name, running);
      if (!this.opts.keep) this.opts.cleanup.push(`stop ${name}`, () => this.stop(name));
      const timeout = this.opts.connectTimeoutMs ?? Math.max(30_000, d.count * 10);
      await fleet.until((s) => s.connected >= d.count, timeout).catch(() => {
        const s = fleet.status();
        throw new EngineError('Unavailable', `fleet '${name}': ${s?.connected ?? 0} of ${d.count} devices connected within ${timeout} ms`);
      });
    }
    this.opts.log.info(`${name}: ${d.count} ${model.name} device${d.count === 1 ? '' : 's'} connected`);
    return running;
  }

  private connected(dev: VirtualDevice, name: string): Promise<void> {
    if (dev.state === 'online') return Promise.resolve();
    const timeoutMs = this.opts.connectTimeoutMs ?? 15_000;
    return new Promise((resolvePromise, reject) => {
      const subs = [
        dev.events.on('connected', () => done()),
        dev.events.on('disconnected', (e) => {
          if (e.reason === 'refused' || e.reason === 'stopped') done(new EngineError('Unavailable', `device ${dev.spec.thingName} of '${name}' could not connect: ${e.error ?? e.reason}`));
        }),
      ];
      const timer = setTimeout(() => done(new EngineError('Unavailable', `device ${dev.spec.thingName} of '${name}' did not connect within ${timeoutMs} ms`)), timeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        subs.forEach((s) => s.dispose());
        if (err) reject(err);
        else resolvePromise();
      };
    });
  }

  /** With `keep`: the running devices, now the caller's to stop; this registry forgets them. */
  handOver(): KeptDevices {
    const names = [...this.runningDevices.keys()];
    const undo = this.keptUndo.splice(0);
    const running = new Map(this.runningDevices);
    this.runningDevices.clear();
    let stopped: Promise<void> | undefined;
    return {
      names,
      fault: (spec, devices) => (stopped ? Promise.reject(new EngineError('Unavailable', 'the devices are stopped')) : faultRunning([...running.values()], spec, devices, names.map((n) => `'${n}'`).join(', '))),
      stop: () => (stopped ??= (async () => {
        await Promise.all([...running.values()].map((r) => (r.kind === 'devices' ? Promise.all(r.devices.map((d) => d.stop())).then(() => undefined) : r.fleet.stop())));
        for (const u of undo.reverse()) await u().catch(() => undefined);
      })()),
    };
  }

  async stop(name: string): Promise<void> {
    const r = this.runningDevices.get(name);
    if (!r) return;
    this.runningDevices.delete(name);
    if (r.kind === 'devices') await Promise.all(r.devices.map((d) => d.stop()));
    else await r.fleet.stop();
  }
}
