import type { DeviceClock } from './device-clock.js';
import type { TelemetrySpec } from './device-spec.js';
import type { BufferedMessage } from './offline-buffer.js';
import type { State } from './shadow-state.js';

/** What a device's telemetry schedules need from it. */
export interface TelemetryPort {
  readonly thingName: string;
  readonly clock: DeviceClock;
  /** Runs `fn` after `ms` on the device clock, unless the device has stopped by then. */
  later(ms: number, fn: () => void): void;
  machineState(): string | undefined;
  /** The device's reported state. */
  state(): State;
  /** Clock skew a fault adds to what generators see. */
  skewMs(): number;
  send(m: BufferedMessage): void;
}

/** A device's telemetry streams on their schedules (interval or cron-like), drift-free, whatever the device speaks. */
export class TelemetryRunner {
  private readonly seqs = new Map<TelemetrySpec, number>();
  private lastTopic: string | undefined;

  constructor(private readonly telemetry: readonly TelemetrySpec[], private readonly port: TelemetryPort) {}

  /** Schedules every stream's first message. */
  start(): void {
    const now = this.port.clock.now();
    for (const t of this.telemetry) {
      const first = t.nextAt ? t.nextAt(now) : now + (t.phaseMs ?? t.intervalMs!);
      if (first !== undefined) this.schedule(t, first);
    }
  }

  /** Publishes the streams named (a state machine's transition). */
  produceNamed(names: readonly string[]): void {
    for (const name of names) {
      const tel = this.telemetry.find((x) => x.name === name);
      if (tel) this.produce(tel);
    }
  }

  /** The telemetry topic last published, else the first fixed one, else `thingbench/faults/{thingName}`. */
  defaultTopic(): string {
    const fixed = this.telemetry.find((t) => typeof t.topic === 'string')?.topic as string | undefined;
    return this.lastTopic ?? fixed ?? `thingbench/faults/${this.port.thingName}`;
  }

  private schedule(t: TelemetrySpec, at: number): void {
    this.port.later(at - this.port.clock.now(), () => {
      const machineState = this.port.machineState();
      if (!t.inStates || (machineState !== undefined && t.inStates.includes(machineState))) this.produce(t);
      // Drift-free: the next slot follows the planned time, not the time the timer actually fired.
      const next = t.nextAt ? t.nextAt(at) : at + t.intervalMs!;
      if (next !== undefined) this.schedule(t, next);
    });
  }

  /** One telemetry message, unless the stream's condition says no. */
  private produce(t: TelemetrySpec): void {
    const machineState = this.port.machineState();
    const state = this.port.state();
    if (t.when && !t.when(state, machineState)) return;
    const seq = this.seqs.get(t) ?? 0;
    this.seqs.set(t, seq + 1);
    const out = t.payload({ t: this.port.clock.now() + this.port.skewMs(), seq, state, ...(machineState !== undefined ? { machineState } : {}) });
    const payload = Buffer.isBuffer(out) ? out : Buffer.from(typeof out === 'string' ? out : JSON.stringify(out));
    this.lastTopic = typeof t.topic === 'function' ? t.topic(out) : t.topic;
    this.port.send({ topic: this.lastTopic, payload, qos: t.qos ?? 0, retain: t.retain ?? false });
  }
}
