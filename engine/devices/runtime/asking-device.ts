import { TypedEmitter } from '../../core/index.js';
import type { FaultSpec } from '../faults/index.js';
import { backoffDelay, defaultBackoff } from './backoff.js';
import { DeviceTimers, realClock, type DeviceClock, type TimerHandle } from './device-clock.js';
import { DeviceFaults } from './device-faults.js';
import type { DeviceSpec } from './device-spec.js';
import { MachineRunner } from './machine-runner.js';
import { parseObject } from './mqtt-connection.js';
import { OfflineBuffer, type BufferedMessage } from './offline-buffer.js';
import { seededRandom, type Random } from './seeded-random.js';
import { TelemetryRunner } from './telemetry-runner.js';
import type { Uplink, UplinkCommand, UplinkReply } from './uplink.js';
import type { DeviceEvents, DeviceState, DeviceStats, VirtualDeviceOptions } from './virtual-device.js';

/**
 * A virtual device that only asks (CoAP or HTTPS): one request per message, no connection to keep. Telemetry (QoS 0)
 * is fire and forget: sent at once, dropped when it does not get through. Events (QoS 1) go one at a time in order,
 * and one that does not get through, is throttled or is refused for its credentials or policy (4.01/4.03, 401/403)
 * is kept (bounded, oldest dropped) and sent again after a back-off, so after a partition, or once a policy lets the
 * device publish, every kept event arrives in order (store and forward); one refused as malformed or too large is
 * dropped. With `commandTtdMs` a telemetry request waits that long for a command (one such ask at a time); the
 * device answers it by the model's command of that name, and keeps an answer that does not get through as it keeps
 * events (sent again first, before the events).
 *
 * States: connecting (nothing answered yet, or trying again) → online (the last request got an answer) → backoff (a
 * request did not get through; waiting to try again) → connecting …
 *
 * LIMITATIONS: no shadow, jobs, AWS IoT Commands or will (a device that never listens cannot take a delta or a job
 * notice; the model checks refuse them); drop, disconnect, keep-alive starvation and reconnect storms do not apply (no
 * connection); a partition fails requests at once rather than after a timeout; commands ride on telemetry requests only.
 */
export class AskingDevice {
  readonly events = new TypedEmitter<DeviceEvents>();
  readonly stats: DeviceStats = { connectAttempts: 0, connects: 0, published: 0, acked: 0, buffered: 0, dropped: 0, replayed: 0, deltasApplied: 0, deltasRefused: 0, commandsAnswered: 0 };
  /** When a request last got through or failed (wall clock, ms). */
  lastActivityAt: number | undefined;
  private stateName: DeviceState = 'idle';
  private readonly clock: DeviceClock;
  private readonly random: Random;
  private readonly kept: OfflineBuffer;
  private readonly faults: DeviceFaults;
  private readonly telemetry: TelemetryRunner;
  private readonly machine: MachineRunner | undefined;
  private readonly timers: DeviceTimers;
  private retryTimer: TimerHandle | undefined;
  private sending = false;
  private asking = false;
  /** Answers to commands not yet through (kept like events, and sent before them: their callers are waiting). */
  private readonly answers: CommandAnswer[] = [];
  private failures = 0;
  private dropped = 0;

  constructor(readonly spec: DeviceSpec, private readonly uplink: Uplink, opts: VirtualDeviceOptions = {}) {
    this.clock = opts.clock ?? realClock();
    this.timers = new DeviceTimers(this.clock, () => this.stateName !== 'stopped');
    this.random = seededRandom(opts.seed ?? 1);
    this.kept = new OfflineBuffer(spec.offlineBufferSize ?? 100);
    this.faults = new DeviceFaults({
      thingName: spec.thingName, clock: this.clock, client: () => undefined, online: () => false,
      drop: () => undefined, disconnect: () => undefined, send: (m) => this.send(m), defaultTopic: () => this.telemetry.defaultTopic(),
    }, seededRandom(((opts.seed ?? 1) ^ 0x5bd1e995) >>> 0));
    this.telemetry = new TelemetryRunner(spec.telemetry ?? [], {
      thingName: spec.thingName, clock: this.clock, later: (ms, fn) => this.later(ms, fn), machineState: () => this.machine?.current,
      state: () => ({}), skewMs: () => this.faults.skewMs, send: (m) => this.send(m),
    });
    this.machine = spec.stateMachine && new MachineRunner(spec.stateMachine, this.clock, {
      shadow: () => ({}),
      onTransition: (from, to, publish) => {
        this.events.emit('transition', { from, to });
        this.telemetry.produceNamed(publish);
      },
    });
  }

  get state(): DeviceState {
    return this.stateName;
  }

  get machineState(): string | undefined {
    return this.machine?.current;
  }

  /** Starts the telemetry schedules; the first request says whether the engine is there. */
  start(): void {
    if (this.stateName !== 'idle') return;
    this.stateName = 'connecting';
    this.stats.connectAttempts++;
    this.machine?.start();
    this.telemetry.start();
  }

  async stop(): Promise<void> {
    if (this.stateName === 'stopped') return;
    this.faults.clear();
    this.stateName = 'stopped';
    this.timers.clear();
    this.clock.clearTimer(this.retryTimer);
    this.machine?.stop();
    this.uplink.close();
    this.events.emit('disconnected', { reason: 'stopped' });
  }

  /** Applies a fault; the ones about a connection (drop, disconnect, starvation, storms) do not take effect. */
  fault(spec: FaultSpec): boolean {
    const applied = this.stateName !== 'stopped' && this.faults.apply(spec);
    this.events.emit('fault', { spec, applied });
    return applied;
  }

  private send(m: BufferedMessage): void {
    if (this.stateName === 'stopped') return;
    if (m.qos === 1) {
      this.kept.push(m);
      this.syncKept();
      if (this.stateName === 'backoff') this.events.emit('buffered', { topic: m.topic, size: this.kept.size, dropped: this.kept.dropped });
      this.pump();
      return;
    }
    if (this.stateName === 'backoff') {
      this.drop(); // fire and forget: telemetry is not kept
      return;
    }
    const ask = this.spec.commandTtdMs !== undefined && !this.asking && (this.spec.commands?.length ?? 0) > 0;
    if (ask) this.asking = true;
    this.stats.published++;
    this.emitPublished(m);
    this.transmit(() => this.uplink.publish({ ...m, ...(ask ? { ttdSec: Math.max(1, Math.round(this.spec.commandTtdMs! / 1000)) } : {}) })).then(
      (reply) => {
        if (ask) this.asking = false;
        this.gotThrough();
        if (!reply.ok) this.drop();
        if (reply.command) this.onCommand(reply.command);
      },
      (e: Error) => {
        if (ask) this.asking = false;
        this.drop();
        this.lost(e.message);
      },
    );
  }

  /** Sends the kept answers, then the kept events, one at a time, in order; stops at the first that does not get through. */
  private pump(): void {
    if (this.sending || this.stateName === 'backoff' || this.stateName === 'stopped') return;
    if (this.answers.length) return this.sendAnswer(this.answers[0]);
    const m = this.kept.shift();
    if (!m) return;
    this.sending = true;
    this.syncKept();
    this.stats.published++;
    this.emitPublished(m);
    this.transmit(() => this.uplink.publish(m)).then(
      (reply) => {
        this.sending = false;
        this.gotThrough();
        if (retryLater(reply) || refusedForNow(reply)) return this.failed(m, `the engine answered ${reply.code}`);
        if (reply.ok) {
          this.stats.acked++;
          this.events.emit('acked', { topic: m.topic });
        } else this.drop(); // refused as it is (malformed, too large): sending it again would not help
        this.pump();
      },
      (e: Error) => {
        this.sending = false;
        this.failed(m, e.message);
      },
    );
  }

  private failed(m: BufferedMessage, error: string): void {
    this.kept.requeue([m]);
    this.syncKept();
    this.lost(error);
  }

  /** Where the device's network faults act: a partition or a lost request fails it, latency delays it. */
  private async transmit(request: () => Promise<UplinkReply>): Promise<UplinkReply> {
    const link = this.faults.link;
    if (link.partitioned) throw new Error('the network is partitioned');
    const c = link.conditions;
    if (c) {
      const delay = Math.max(0, (c.latencyMs ?? 0) + (c.jitterMs ?? 0) * (2 * link.random() - 1));
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (c.loss && link.random() < c.loss) throw new Error('the request was lost');
      if (link.partitioned) throw new Error('the network is partitioned');
    }
    return request();
  }

  private gotThrough(): void {
    this.lastActivityAt = Date.now();
    if (this.stateName !== 'connecting') return;
    this.stateName = 'online';
    this.stats.connects++;
    this.events.emit('connected', { attempt: this.failures, sessionPresent: false });
    this.failures = 0;
  }

  private lost(error: string): void {
    this.lastActivityAt = Date.now();
    if (this.stateName !== 'online' && this.stateName !== 'connecting') return;
    this.stateName = 'backoff';
    this.events.emit('disconnected', { reason: 'lost', error });
    this.failures++;
    const delayMs = backoffDelay(this.spec.reconnect || defaultBackoff, this.failures, this.random);
    this.events.emit('reconnecting', { attempt: this.failures, delayMs });
    this.retryTimer = this.clock.setTimer(() => {
      if (this.stateName !== 'backoff') return;
      this.stateName = 'connecting';
      this.stats.connectAttempts++;
      this.stats.replayed += this.kept.size;
      this.pump();
    }, delayMs);
  }

  /** A command that came back by ttd: answered by the model's command of that name (404 when it has none). */
  private onCommand(cmd: UplinkCommand): void {
    const behaviour = this.spec.commands?.find((c) => c.name === cmd.name);
    const request = parseObject(cmd.payload) ?? {};
    let status = 200, body: unknown;
    if (!behaviour) [status, body] = [404, { message: `no command '${cmd.name}' on this device` }];
    else {
      try {
        body = behaviour.handle ? behaviour.handle(request, { thingName: this.spec.thingName, topic: cmd.name, state: {} }) : { status: 'ok', command: cmd.name };
      } catch (e) {
        [status, body] = [500, { message: (e as Error).message }];
      }
    }
    const answer = () => {
      if (this.answers.length >= MAX_KEPT_ANSWERS) this.answers.shift();
      this.answers.push({ name: cmd.name, requestId: cmd.requestId, status, payload: Buffer.from(JSON.stringify(body)) });
      this.pump();
    };
    if (behaviour?.delayMs) this.later(behaviour.delayMs, answer);
    else answer();
  }

  /**
   * One kept answer: a command handed over just before a partition (in the answer to a request already on its way)
   * is answered once the link is back, within the command's timeout, rather than lost with the caller left waiting.
   */
  private sendAnswer(a: CommandAnswer): void {
    this.sending = true;
    this.transmit(() => this.uplink.respond(a.requestId, a.status, a.payload)).then(
      (reply) => {
        this.sending = false;
        this.gotThrough();
        if (retryLater(reply) || refusedForNow(reply)) return this.lost(`the engine answered ${reply.code}`);
        // Through, or refused as it is (the command expired or was answered): not sent again. (A full store may have
        // dropped it meanwhile.)
        if (this.answers[0] === a) this.answers.shift();
        if (reply.ok) {
          this.stats.commandsAnswered++;
          this.events.emit('commandAnswered', { requestTopic: `command ${a.name} (${a.requestId})`, replyTopic: `command/res/${a.requestId}` });
        }
        this.pump();
      },
      (e: Error) => {
        this.sending = false;
        this.lost(e.message);
      },
    );
  }

  private emitPublished(m: BufferedMessage): void {
    if (this.events.has('published')) this.events.emit('published', { topic: m.topic, payload: m.payload, qos: m.qos, at: this.clock.now() });
  }

  /** Telemetry that did not get through, events refused or pushed out of a full store. */
  private drop(): void {
    this.dropped++;
    this.syncKept();
  }

  private syncKept(): void {
    this.stats.buffered = this.kept.size;
    this.stats.dropped = this.dropped + this.kept.dropped;
  }

  private later(ms: number, fn: () => void): void {
    this.timers.later(ms, fn);
  }

}

/** A device's answer to a command, kept until it gets through. */
interface CommandAnswer {
  name: string;
  requestId: string;
  status: number;
  payload: Buffer;
}

/** Answers kept at most (oldest dropped); the engine keeps far fewer commands waiting per thing. */
const MAX_KEPT_ANSWERS = 100;

/**
 * Refused for who is asking (its token or certificate, its policies): an event is kept and sent again after a
 * back-off, since credentials and policies change (a token set, a policy attached) and the event should then arrive.
 */
function refusedForNow(reply: UplinkReply): boolean {
  return ['4.01', '4.03', '401', '403'].includes(reply.code);
}

/** The engine is there but cannot take it now (busy, throttled, failing): worth sending again later. */
function retryLater(reply: UplinkReply): boolean {
  const c = reply.code;
  return c === '429' || c === '4.29' || c.startsWith('5');
}
