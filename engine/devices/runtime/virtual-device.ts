import type { IPublishPacket, MqttClient } from 'mqtt';
import { EngineError, TypedEmitter } from '../../core/index.js';
import type { FaultSpec } from '../faults/index.js';
import { backoffDelay, defaultBackoff } from './backoff.js';
import { DeviceTimers, realClock, type DeviceClock, type TimerHandle } from './device-clock.js';
import type { CommandBehaviour, DeviceSpec } from './device-spec.js';
import { DeviceFaults } from './device-faults.js';
import { commandReply, deviceClient, isState, parseObject } from './mqtt-connection.js';
import { OfflineBuffer, type BufferedMessage } from './offline-buffer.js';
import { seededRandom, type Random } from './seeded-random.js';
import { mergeState, pickKeys, topicMatches, type State } from './shadow-state.js';
import { MachineRunner } from './machine-runner.js';
import { DeviceJobs, type JobEvent } from './device-jobs.js';
import { DeviceAwsCommands } from './device-aws-commands.js';
import { TelemetryRunner } from './telemetry-runner.js';

/**
 * idle → connecting → online ⇄ backoff → connecting … ; `stop()` ends in stopped from any state. A device that loses
 * its connection (or gets no CONNACK in time) waits out an exponential, jittered back-off on its clock and tries again.
 */
export type DeviceState = 'idle' | 'connecting' | 'online' | 'backoff' | 'stopped';

export interface DeviceStats {
  connectAttempts: number;
  connects: number;
  published: number;
  acked: number;
  buffered: number;
  dropped: number;
  replayed: number;
  deltasApplied: number;
  deltasRefused: number;
  commandsAnswered: number;
}

export interface DeviceEvents {
  connected: { attempt: number; sessionPresent: boolean };
  /** `dropped`: a drop or reconnect-storm fault; `disconnected`: a disconnect fault (clean DISCONNECT). */
  disconnected: { reason: 'lost' | 'dropped' | 'disconnected' | 'no-connack' | 'refused' | 'stopped'; error?: string };
  reconnecting: { attempt: number; delayMs: number };
  published: { topic: string; payload: Buffer; qos: 0 | 1; at: number };
  acked: { topic: string };
  buffered: { topic: string; size: number; dropped: number };
  reported: { reported: State };
  transition: { from: string; to: string };
  delta: { delta: State; action: 'apply' | 'refuse' | 'partial'; version?: number };
  commandAnswered: { requestTopic: string; replyTopic: string };
  /** A job execution taken (IN_PROGRESS), its outcome sent, or dropped after a refused update. */
  job: JobEvent;
  fault: { spec: FaultSpec; applied: boolean };
}

export interface VirtualDeviceOptions {
  /** Real timers by default; a `VirtualClock` makes telemetry, delays, connect timeouts and back-off deterministic. */
  clock?: DeviceClock;
  /** Seeds the back-off jitter (default 1). */
  seed?: number;
}

const shadowTopic = (thing: string, name: string | undefined, suffix: string) =>
  name === undefined ? `$aws/things/${thing}/shadow/${suffix}` : `$aws/things/${thing}/shadow/name/${name}/${suffix}`;

/** One virtual device: a real MQTT.js client with the spec's identity and behaviours. */
export class VirtualDevice {
  readonly events = new TypedEmitter<DeviceEvents>();
  readonly stats: DeviceStats = { connectAttempts: 0, connects: 0, published: 0, acked: 0, buffered: 0, dropped: 0, replayed: 0, deltasApplied: 0, deltasRefused: 0, commandsAnswered: 0 };
  private readonly clock: DeviceClock;
  private readonly random: Random;
  private readonly buffer: OfflineBuffer;
  private stateName: DeviceState = 'idle';
  /** When it last connected, published or lost its connection (wall clock, ms); undefined before that. */
  lastActivityAt: number | undefined;
  private client: MqttClient | undefined;
  private failures = 0;
  private reconnectTimer: TimerHandle | undefined;
  private readonly timers: DeviceTimers;
  private readonly inflight = new Set<BufferedMessage>();
  private shadowState: State;
  private lastDeltaVersion = -1;
  private noReconnect = false;
  private dropping = false;
  private disconnecting = false;
  private immediateReconnect = false;
  private readonly faults: DeviceFaults;
  private readonly machine: MachineRunner | undefined;
  private readonly jobs: DeviceJobs | undefined;
  private readonly awsCommands: DeviceAwsCommands | undefined;
  private readonly telemetry: TelemetryRunner;

  constructor(readonly spec: DeviceSpec, opts: VirtualDeviceOptions = {}) {
    this.clock = opts.clock ?? realClock();
    this.timers = new DeviceTimers(this.clock, () => this.stateName !== 'stopped');
    this.random = seededRandom(opts.seed ?? 1);
    this.buffer = new OfflineBuffer(spec.offlineBufferSize ?? 100);
    for (const t of spec.telemetry ?? []) {
      if (!t.nextAt && !(typeof t.intervalMs === 'number' && t.intervalMs > 0)) {
        throw new EngineError('InvalidInput', `device ${spec.thingName}: telemetry on ${typeof t.topic === 'string' ? t.topic : t.name ?? 'a topic'} needs an interval above 0 or a schedule`);
      }
    }
    this.shadowState = { ...(spec.shadow?.initialState ?? {}) };
    this.telemetry = new TelemetryRunner(spec.telemetry ?? [], {
      thingName: spec.thingName, clock: this.clock, later: (ms, fn) => this.later(ms, fn), machineState: () => this.machine?.current,
      state: () => this.shadowState, skewMs: () => this.faults.skewMs, send: (m) => this.send(m),
    });
    this.faults = new DeviceFaults({
      thingName: spec.thingName,
      clock: this.clock,
      client: () => (this.stateName === 'online' || this.stateName === 'connecting' ? this.client : undefined),
      online: () => this.stateName === 'online',
      drop: (o) => this.drop(o),
      disconnect: (o) => this.disconnect(o),
      send: (m) => this.send(m),
      defaultTopic: () => this.telemetry.defaultTopic(),
    }, seededRandom(((opts.seed ?? 1) ^ 0x5bd1e995) >>> 0));
    this.machine = spec.stateMachine && new MachineRunner(spec.stateMachine, this.clock, {
      shadow: () => this.shadowState,
      onTransition: (from, to, publish) => {
        this.events.emit('transition', { from, to });
        this.telemetry.produceNamed(publish);
      },
    });
    this.awsCommands = spec.awsCommands && new DeviceAwsCommands(spec.awsCommands, {
      thingName: spec.thingName, clock: this.clock, publish: (topic, payload) => this.publishNow(topic, payload),
      onAnswer: (e) => this.events.emit('commandAnswered', e),
    });
    this.jobs = spec.jobs && new DeviceJobs(spec.jobs, {
      thingName: spec.thingName,
      clock: this.clock,
      publish: (topic, payload) => this.publishNow(topic, payload),
      subscribe: async (filters) => { await this.client?.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }]))); },
      unsubscribe: (filters) => { this.client?.unsubscribe(filters); },
      reported: () => this.shadowState,
      report: (state) => {
        this.shadowState = mergeState(this.shadowState, state);
        this.report(state);
      },
      onJob: (e) => this.events.emit('job', e),
    });
  }

  /** The state machine's current state (undefined without one). */
  get machineState(): string | undefined {
    return this.machine?.current;
  }

  get state(): DeviceState {
    return this.stateName;
  }

  /** The device's own view of its state (what it last reported). */
  get reported(): State {
    return this.shadowState;
  }

  /** Starts connecting and starts the telemetry schedules (messages produced while offline are buffered). */
  start(): void {
    if (this.stateName !== 'idle') return;
    this.machine?.start();
    this.telemetry.start();
    this.connect();
  }

  /** Reports `connected: false` when marking presence, then DISCONNECTs cleanly (the will does not fire). */
  async stop(): Promise<void> {
    if (this.stateName === 'stopped') return;
    this.faults.clear(); // a partition must not hold the DISCONNECT
    const wasOnline = this.stateName === 'online';
    this.stateName = 'stopped';
    this.timers.clear();
    this.clock.clearTimer(this.reconnectTimer);
    this.machine?.stop();
    this.jobs?.stop();
    this.awsCommands?.stop();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (wasOnline && this.spec.shadow?.markConnected) {
      await client.publishAsync(shadowTopic(this.spec.thingName, this.spec.shadow?.name, 'update'), JSON.stringify({ state: { reported: { connected: false } } }), { qos: 1 }).catch(() => {});
    }
    if (wasOnline) await client.endAsync().catch(() => {});
    else await client.endAsync(true).catch(() => {});
    this.events.emit('disconnected', { reason: 'stopped' });
  }

  /**
   * Destroys the socket without a DISCONNECT, as a crash or a lost network would: the broker publishes the will and
   * the device reconnects after its back-off (unless `reconnect` is false).
   */
  drop(opts: { reconnect?: boolean; immediate?: boolean } = {}): void {
    const client = this.client;
    if (!client) return;
    this.noReconnect = opts.reconnect === false;
    this.immediateReconnect = opts.immediate === true;
    this.dropping = true;
    (client.stream as { destroy?: () => void } | undefined)?.destroy?.();
  }

  /** Sends DISCONNECT and closes (the will does not fire); reconnects after the back-off unless `reconnect` is false. */
  disconnect(opts: { reconnect?: boolean } = {}): void {
    const client = this.client;
    if (!client || this.stateName !== 'online') return;
    this.noReconnect = opts.reconnect === false;
    this.disconnecting = true;
    client.end(false);
  }

  /**
   * Applies a fault (see `FaultSpec`) to this device; false when it cannot take effect now (a drop while offline).
   * Network faults, partitions and clock skew stay with the device across reconnections until they end or `clear`.
   */
  fault(spec: FaultSpec): boolean {
    const applied = this.stateName !== 'stopped' && this.faults.apply(spec);
    this.events.emit('fault', { spec, applied });
    return applied;
  }

  private connect(): void {
    if (this.stateName === 'stopped') return;
    this.stateName = 'connecting';
    this.stats.connectAttempts++;
    const { connection } = this.spec;
    const client = deviceClient(this.spec, this.faults.link);
    this.client = client;
    let settled = false;
    const lost = (reason: DeviceEvents['disconnected']['reason'], error?: string) => {
      if (settled) return;
      settled = true;
      this.clock.clearTimer(connectTimer);
      if (this.client !== client) return;
      this.client = undefined;
      client.end(true);
      this.onLost(reason, error);
    };
    const connectTimer = this.clock.setTimer(() => {
      if (this.stateName === 'connecting' && this.client === client) lost('no-connack');
    }, connection.connectTimeoutMs ?? 10_000);
    client.on('connect', (connack) => {
      this.clock.clearTimer(connectTimer);
      if (this.client === client) void this.onConnected(client, connack.sessionPresent);
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client === client) this.onMessage(client, topic, payload, packet);
    });
    // A refused CONNACK comes as an error whose code is the return code; socket errors have string codes.
    client.on('error', (e) => lost(typeof (e as { code?: unknown }).code === 'number' ? 'refused' : 'lost', e.message));
    client.on('close', () => lost('lost'));
    client.connect();
  }

  private onLost(reason: DeviceEvents['disconnected']['reason'], error?: string): void {
    if (this.stateName === 'stopped') return;
    const dropped = this.dropping;
    const disconnected = this.disconnecting;
    const immediate = this.immediateReconnect;
    this.dropping = this.disconnecting = this.immediateReconnect = false;
    // At least once: QoS 1 messages not acknowledged go back in front of the buffer.
    this.jobs?.onDisconnected();
    this.buffer.requeue([...this.inflight]);
    this.inflight.clear();
    this.syncBufferStats();
    this.stateName = 'backoff';
    this.lastActivityAt = Date.now();
    this.events.emit('disconnected', { reason: dropped ? 'dropped' : disconnected ? 'disconnected' : reason, ...(error ? { error } : {}) });
    const policy = this.spec.reconnect ?? defaultBackoff;
    if (this.noReconnect || policy === false) {
      this.stateName = 'stopped';
      return;
    }
    this.failures++;
    if (immediate) {
      // A reconnect storm: straight back, no back-off.
      this.events.emit('reconnecting', { attempt: this.failures, delayMs: 0 });
      this.connect();
      return;
    }
    const delayMs = backoffDelay(policy, this.failures, this.random);
    this.events.emit('reconnecting', { attempt: this.failures, delayMs });
    this.reconnectTimer = this.clock.setTimer(() => this.connect(), delayMs);
  }

  private async onConnected(client: MqttClient, sessionPresent: boolean): Promise<void> {
    const attempt = this.failures;
    this.failures = 0;
    const { thingName, shadow, commands } = this.spec;
    const filters: Record<string, { qos: 1 }> = {};
    if (shadow?.onDelta) {
      filters[shadowTopic(thingName, shadow?.name, 'update/delta')] = { qos: 1 };
      filters[shadowTopic(thingName, shadow?.name, 'get/accepted')] = { qos: 1 };
    }
    for (const c of commands ?? []) filters[c.requestTopic] = { qos: 1 };
    for (const f of this.machine?.messageFilters() ?? []) filters[f] = { qos: 1 };
    for (const f of this.jobs?.filters() ?? []) filters[f] = { qos: 1 };
    for (const f of this.awsCommands?.filters() ?? []) filters[f] = { qos: 1 };
    try {
      if (Object.keys(filters).length) await client.subscribeAsync(filters);
    } catch {
      return; // the connection died meanwhile: its close handler schedules the reconnect
    }
    if (this.client !== client) return;
    this.stateName = 'online';
    this.stats.connects++;
    this.lastActivityAt = Date.now();
    this.events.emit('connected', { attempt, sessionPresent });
    if (shadow?.reportOnConnect || shadow?.markConnected) {
      const reported = { ...(shadow.reportOnConnect ? this.shadowState : {}), ...(shadow.markConnected ? { connected: true } : {}) };
      this.report(reported);
    }
    // Catch up on a desired state set while the device was away: the delta topic only carries changes.
    if (shadow?.onDelta) this.send({ topic: shadowTopic(thingName, shadow?.name, 'get'), payload: Buffer.from('{}'), qos: 1, retain: false });
    this.jobs?.onConnected();
    const replay = this.buffer.drain();
    this.stats.replayed += replay.length;
    this.syncBufferStats();
    for (const m of replay) this.send(m);
  }

  private onMessage(client: MqttClient, topic: string, payload: Buffer, packet: IPublishPacket): void {
    const { thingName, shadow, commands } = this.spec;
    if (this.jobs?.onMessage(topic, payload)) return;
    if (this.awsCommands?.onMessage(topic, payload)) return;
    if (shadow?.onDelta && topic === shadowTopic(thingName, shadow?.name, 'update/delta')) {
      const doc = parseObject(payload);
      if (doc && isState(doc.state)) this.onDelta(doc.state, typeof doc.version === 'number' ? doc.version : undefined);
      return;
    }
    if (shadow?.onDelta && topic === shadowTopic(thingName, shadow?.name, 'get/accepted')) {
      const doc = parseObject(payload);
      const delta = isState(doc?.state) ? (doc.state as State).delta : undefined;
      if (isState(delta)) this.onDelta(delta, typeof doc?.version === 'number' ? doc.version : undefined);
      return;
    }
    this.machine?.onMessage(topic, payload);
    const command = commands?.find((c) => topicMatches(c.requestTopic, topic));
    if (command) this.answer(command, client, topic, payload, packet);
  }

  private onDelta(delta: State, version: number | undefined): void {
    // Deltas can arrive out of order; one older than the last handled is stale.
    if (version !== undefined) {
      if (version <= this.lastDeltaVersion) return;
      this.lastDeltaVersion = version;
    }
    const rule = this.spec.shadow!.onDelta!;
    this.machine?.onDelta(delta);
    this.events.emit('delta', { delta, action: rule.action, ...(version !== undefined ? { version } : {}) });
    if (rule.action === 'refuse') {
      this.stats.deltasRefused++;
      return;
    }
    const accepted = pickKeys(delta, rule.action === 'partial' ? rule.keys ?? [] : undefined);
    if (!Object.keys(accepted).length) {
      this.stats.deltasRefused++;
      return;
    }
    this.later(rule.delayMs ?? 0, () => {
      this.stats.deltasApplied++;
      this.shadowState = mergeState(this.shadowState, accepted);
      this.report(accepted);
    });
  }

  private answer(commands: CommandBehaviour, client: MqttClient, topic: string, payload: Buffer, packet: IPublishPacket): void {
    const { replyTopic, body, opts } = commandReply(commands, topic, payload, packet, { thingName: this.spec.thingName, state: this.shadowState });
    const reply = () => {
      if (this.client !== client) return;
      this.stats.commandsAnswered++;
      client.publish(replyTopic, JSON.stringify(body), opts, () => {});
      this.events.emit('commandAnswered', { requestTopic: topic, replyTopic });
    };
    if (commands.delayMs) this.later(commands.delayMs, reply);
    else reply();
  }

  private report(reported: State): void {
    this.send({ topic: shadowTopic(this.spec.thingName, this.spec.shadow?.name, 'update'), payload: Buffer.from(JSON.stringify({ state: { reported } })), qos: 1, retain: false });
    this.events.emit('reported', { reported });
  }

  private later(ms: number, fn: () => void): void {
    this.timers.later(ms, fn);
  }


  /** A QoS 1 request that only makes sense now (a job update): false when the device is offline. */
  private publishNow(topic: string, payload: string): boolean {
    const client = this.client;
    if (this.stateName !== 'online' || !client) return false;
    this.stats.published++;
    client.publish(topic, payload, { qos: 1 }, () => {});
    if (this.events.has('published')) this.events.emit('published', { topic, payload: Buffer.from(payload), qos: 1, at: this.clock.now() });
    return true;
  }

  /** Publishes when online, otherwise buffers (bounded, oldest dropped). */
  private send(m: BufferedMessage): void {
    const client = this.client;
    if (this.stateName !== 'online' || !client) {
      this.buffer.push(m);
      this.syncBufferStats();
      this.events.emit('buffered', { topic: m.topic, size: this.buffer.size, dropped: this.buffer.dropped });
      return;
    }
    this.stats.published++;
    this.lastActivityAt = Date.now();
    if (m.qos === 1) this.inflight.add(m);
    client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (err) => {
      if (err || (m.qos === 1 && !this.inflight.delete(m))) return;
      if (m.qos === 1) {
        this.stats.acked++;
        if (this.events.has('acked')) this.events.emit('acked', { topic: m.topic });
      }
    });
    if (this.events.has('published')) this.events.emit('published', { topic: m.topic, payload: m.payload, qos: m.qos, at: this.clock.now() });
  }

  private syncBufferStats(): void {
    this.stats.buffered = this.buffer.size;
    this.stats.dropped = this.buffer.dropped;
  }
}
