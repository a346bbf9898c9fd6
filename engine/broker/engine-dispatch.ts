import type { AedesAdapter, AedesClient, AedesPacket } from './aedes-adapter.js';
import type { DeliveryGate } from './delivery-gate.js';
import type { DurablePersistence } from './durable-persistence.js';

/** Engine publishes dispatched at once (below aedes' own concurrency of 100). */
const ENGINE_IN_FLIGHT = 64;

export type EnginePacket = Omit<AedesPacket, 'qos'> & { qos: number; cmd: string };

/**
 * The publishes that do not come from an MQTT connection (the engine's own, the HTTP API's, device sessions') on
 * their way into aedes. At most ENGINE_IN_FLIGHT are dispatched at once; the others wait their turn in order and start
 * from a promise continuation. A burst (a job's notices to 5,000 things) thus never queues thousands of messages in
 * aedes' emitter, whose release chain runs the queued ones recursively and overflowed the stack.
 */
export class EngineDispatch {
  /** Publishes dispatched and not yet done. */
  private inFlight = 0;
  /** Publishes waiting for a turn. */
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly aedes: AedesAdapter, private readonly persistence: DurablePersistence, private readonly delivery: DeliveryGate) {}

  /**
   * Resolves once dispatched and, if it stored anything (retained, queued for offline sessions), once that is durable.
   * `from`: a device session's stand-in client, whose publish it is (capture, metering, rules' `clientid()`).
   */
  publish(packet: EnginePacket, from: AedesClient | null = null): Promise<void> {
    if (this.inFlight >= ENGINE_IN_FLIGHT) return new Promise<void>((go) => this.waiting.push(go)).then(() => this.dispatch(packet, from));
    this.inFlight++;
    return this.dispatch(packet, from);
  }

  private dispatch(packet: EnginePacket, from: AedesClient | null): Promise<void> {
    const writesBefore = this.persistence.writes;
    return new Promise<void>((resolve, reject) => this.aedes.publishFrom(packet as AedesPacket, from, (err?: Error | null) => {
      if (err) return reject(err);
      // Events kept for absent consumers (engine/delivery) are durable before the publish resolves, as stored state is.
      const kept = this.delivery.durable(packet);
      const stored = this.persistence.writes !== writesBefore ? this.persistence.flushed() : undefined;
      if (kept || stored) Promise.all([kept, stored]).then(() => resolve(), reject);
      else resolve();
    })).finally(() => {
      // The slot passes to the next waiting publish, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    });
  }
}
