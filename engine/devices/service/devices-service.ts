/**
 * Fleets of virtual devices run by the engine for the contract (`devices.*`): models from the catalogue, each fleet
 * in its own worker thread against the engine's own listeners, with their things registered (and certificates
 * provisioned) first through a registration port. Every fleet stops when the engine stops.
 *
 * LIMITATIONS: a model with `certificate: {existing: id}` cannot start here (the engine does not hold that
 * certificate's private key; start it from the CLI with --cert and --key).
 */
import type {
  DeviceLogEntry, DeviceModelList, FleetCounters, FleetFault, FleetFaultResult, FleetInfo, FleetMemberPage, FleetMemberQuery, FleetStartInput,
} from '../../contract/index.js';
import { EngineError, TypedEmitter, type Logger, type Service } from '../../core/index.js';
import { createDeviceContext, findModel, loadModelCatalog, readReplayFiles, type DeviceModel } from '../model/index.js';
import { Fleet } from '../runtime/index.js';

/** The engine's device listeners: TCP, mutual TLS, WebSocket, secure WebSocket, CoAP, the HTTPS device endpoint. */
export type DeviceListener = 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'coap' | 'https';

/** Where the engine's devices connect, per transport (known once the engine listens). */
export interface DeviceEndpoint {
  url: string;
  /** The CA that signed the engine's server certificate (mqtts, wss). */
  ca?: string;
}

/** One fleet member as the registry sees it. */
export interface FleetMember {
  thingName: string;
  attributes: Record<string, string>;
}

/** What registering a fleet gives: per device index its certificate and key (provisioned models). */
export interface FleetRegistration {
  identities: ReadonlyArray<{ cert: string; key: string } | undefined>;
  policyName?: string;
  /** Gives back what registration made for this fleet only (its certificates). */
  release(): Promise<void>;
}

export interface DevicesServiceOptions {
  dataDir: string;
  /** The engine's endpoint for a transport; throws EngineError when the engine has no such listener. */
  endpoint(listener: DeviceListener): DeviceEndpoint;
  /** Registers things (type, attributes) and provisions certificates on the engine's control plane. */
  register(model: DeviceModel, members: FleetMember[]): Promise<FleetRegistration>;
  /** Whether `model` needs `register` before its devices connect. */
  needsRegistration(model: DeviceModel): boolean;
  /** A CoAP device's thing token (made, or made anew, for the fleet's thing); without it CoAP models cannot start. */
  deviceToken?(thingName: string): Promise<string>;
  logger: Logger;
  /** How often fleets report (default 1000 ms); status events are batched to at most 4 a second. */
  statusIntervalMs?: number;
}

export interface DevicesEvents {
  status: FleetInfo[];
}

const MAX_COUNT = 100_000;
const KEPT_STOPPED = 20;
const FLUSH_MS = 250;
const MAX_MEMBERS = 1000;
const DEVICE_STATES: readonly string[] = ['idle', 'connecting', 'online', 'backoff', 'stopped'];

interface Running {
  info: FleetInfo;
  fleet: Fleet;
  registration?: FleetRegistration;
}

export class DevicesService implements Service {
  readonly name = 'devices';
  readonly events = new TypedEmitter<DevicesEvents>();
  private readonly fleets = new Map<string, Running>();
  private readonly stopped: FleetInfo[] = [];
  private nextId = 1;
  private dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly opts: DevicesServiceOptions) {}

  async start(): Promise<void> {
    this.closing = false;
  }

  /** Stops every fleet (devices disconnect cleanly) and gives back their certificates. */
  async stop(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.fleets.keys()].map((id) => this.stopFleet(id).catch((e: Error) => this.opts.logger.log('warn', 'devices', `stopping ${id} failed: ${e.message}`))));
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  models(): DeviceModelList {
    const { models, errors } = loadModelCatalog(this.opts.dataDir);
    return {
      models: models.map(({ model, builtIn, file }) => ({
        name: model.name,
        ...(model.description !== undefined ? { description: model.description } : {}),
        transport: model.protocol.transport, builtIn, file,
        ...(model.identity.thingType !== undefined ? { thingType: model.identity.thingType } : {}),
        certificate: model.identity.certificate.mode,
      })),
      errors: errors.map(({ file, message }) => ({ file, message })),
    };
  }

  async startFleet(input: FleetStartInput): Promise<FleetInfo> {
    if (this.closing) throw new EngineError('Unavailable', 'the engine is stopping');
    const count = input.count ?? 1, seed = input.seed ?? 1, connectRate = input.connectRate ?? 500;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_COUNT) throw new EngineError('InvalidInput', `count must be a whole number from 1 to ${MAX_COUNT}, not ${count}`);
    const { model, dir } = findModel(loadModelCatalog(this.opts.dataDir), input.model);
    if (model.identity.certificate.mode === 'existing') {
      throw new EngineError('InvalidInput', `model '${model.name}' connects with an existing certificate, whose private key the engine does not hold: start it with thingbench devices start ${model.name} --cert FILE --key FILE, or set identity.certificate to provision`);
    }
    const provision = model.identity.certificate.mode === 'provision';
    // A provisioned device proves who it is with its certificate: TCP becomes mutual TLS, WebSocket secure WebSocket.
    const transport = model.protocol.transport;
    const endpoint = this.opts.endpoint(provision && transport === 'mqtt' ? 'mqtts' : provision && transport === 'ws' ? 'wss' : transport);
    const replay = readReplayFiles(model, dir);
    const members = Array.from({ length: count }, (_, index) => {
      const ctx = createDeviceContext(model, index, seed);
      return { thingName: ctx.thingName, attributes: ctx.attributes };
    });
    const registration = this.opts.needsRegistration(model) ? await this.opts.register(model, members) : undefined;
    let fleet: Fleet;
    try {
      const identities = transport === 'coap' ? await this.tokens(members) : registration?.identities;
      fleet = await Fleet.start({
        model, count, seed, url: endpoint.url, replay, connectRate,
        ...(endpoint.ca ? { tls: { ca: endpoint.ca } } : {}),
        ...(identities?.some(Boolean) ? { identities } : {}),
        statusIntervalMs: this.opts.statusIntervalMs,
      });
    } catch (e) {
      await registration?.release().catch(() => undefined);
      throw e;
    }
    const id = `fleet-${this.nextId++}`;
    const info: FleetInfo = {
      id, model: model.name, count, seed, url: endpoint.url, state: 'running', startedAt: Date.now(), first: fleet.devices[0],
      registered: registration !== undefined, ...(registration?.policyName ? { policy: registration.policyName } : {}),
    };
    const running: Running = { info, fleet, registration };
    this.fleets.set(id, running);
    fleet.events.on('status', (s) => {
      info.counters = counters(s);
      this.changed(id);
    });
    fleet.events.on('error', (e) => {
      info.state = 'failed';
      info.error = e.message;
      this.opts.logger.log('error', 'devices', `${id} (${model.name}) failed: ${e.message}`);
      void this.stopFleet(id).catch(() => undefined);
    });
    this.opts.logger.log('info', 'devices', `${id}: ${count} × ${model.name} (seed ${seed}) → ${endpoint.url}`);
    this.changed(id);
    return { ...info };
  }

  /** One device token per member (CoAP devices prove who they are with their thing's token). */
  private async tokens(members: FleetMember[]): Promise<Array<{ token: string }>> {
    const make = this.opts.deviceToken;
    if (!make) throw new EngineError('InvalidInput', 'this engine has no CoAP device tokens: CoAP models cannot start here');
    const out: Array<{ token: string }> = [];
    for (const m of members) out.push({ token: await make(m.thingName) });
    return out;
  }

  fleetList(): FleetInfo[] {
    return [...[...this.fleets.values()].map((r) => ({ ...r.info })), ...this.stopped.map((i) => ({ ...i }))];
  }

  async stopFleet(id: string): Promise<FleetInfo> {
    const running = this.fleets.get(id);
    if (!running) {
      const done = this.stopped.find((i) => i.id === id);
      if (done) return { ...done };
      throw new EngineError('NotFound', `no fleet '${id}'`);
    }
    const { info, fleet, registration } = running;
    if (info.state === 'running') info.state = 'stopping';
    this.changed(id);
    const final = await fleet.stop();
    if (final) info.counters = counters(final);
    await registration?.release().catch((e: Error) => this.opts.logger.log('warn', 'devices', `${id}: giving back its certificates failed: ${e.message}`));
    if (this.fleets.delete(id)) {
      if (info.state !== 'failed') info.state = 'stopped';
      this.stopped.unshift(info);
      this.stopped.length = Math.min(this.stopped.length, KEPT_STOPPED);
      this.changed(id);
    }
    return { ...info };
  }

  /** Applies a fault through the fleet's worker (`Fleet.fault`: the spec is checked there, InvalidInput naming the field). */
  async fault(id: string, fault: FleetFault, devices?: string[]): Promise<FleetFaultResult> {
    const running = this.fleets.get(id);
    if (!running || running.info.state !== 'running') throw new EngineError('NotFound', `no running fleet '${id}'`);
    return running.fleet.fault(fault, devices ? { devices } : {});
  }

  /** One page of a running fleet's devices (state, counters, last activity, will topic), in index order. */
  async members(id: string, query: FleetMemberQuery = {}): Promise<FleetMemberPage> {
    const offset = query.offset ?? 0, limit = query.limit ?? 200;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new EngineError('InvalidInput', `offset must be a whole number of 0 or more, not ${offset}`);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_MEMBERS) throw new EngineError('InvalidInput', `limit must be a whole number from 1 to ${MAX_MEMBERS}, not ${limit}`);
    if (query.state !== undefined && !DEVICE_STATES.includes(query.state)) throw new EngineError('InvalidInput', `state must be one of ${DEVICE_STATES.join(', ')}, not '${String(query.state)}'`);
    if (query.search !== undefined && typeof query.search !== 'string') throw new EngineError('InvalidInput', 'search must be text');
    return this.runningFleet(id).members({ ...query, offset, limit });
  }

  /** A running fleet's device's log (by thing name or client id) after entry `after`, oldest first. */
  async deviceLog(id: string, device: string, after?: number): Promise<DeviceLogEntry[]> {
    if (typeof device !== 'string' || !device) throw new EngineError('InvalidInput', 'name a device by its thing name or client id');
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0)) throw new EngineError('InvalidInput', `after must be a whole number of 0 or more, not ${after}`);
    return this.runningFleet(id).log(device, after);
  }

  private runningFleet(id: string): Fleet {
    const running = this.fleets.get(id);
    if (running?.info.state === 'running') return running.fleet;
    if (running || this.stopped.some((i) => i.id === id)) throw new EngineError('Conflict', `fleet '${id}' is stopped: its devices are gone`);
    throw new EngineError('NotFound', `no fleet '${id}'`);
  }

  /** Batches status changes: one `status` event with every changed fleet, at most every FLUSH_MS. */
  private changed(id: string): void {
    this.dirty.add(id);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const ids = this.dirty;
      this.dirty = new Set();
      const infos = [...ids].map((i) => this.fleets.get(i)?.info ?? this.stopped.find((s) => s.id === i)).filter((i): i is FleetInfo => i !== undefined);
      if (infos.length) this.events.emit('status', infos.map((i) => ({ ...i })));
    }, FLUSH_MS);
    this.flushTimer.unref();
  }
}

function counters(s: FleetCounters): FleetCounters {
  return { ...s };
}

