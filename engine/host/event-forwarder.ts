import { packBatch, type Disposable, type MessageBatch, type ThingbenchEvents, type Transport } from '../contract/index.js';
import type { Logger, TypedEmitter } from '../core/index.js';
import { BatchCoalescer } from './batch-coalescer.js';

/** How often a congested peer is checked again, so held topic statistics reach it even when traffic stops. */
const RETRY_MS = 100;

export interface ForwardOptions {
  /** True while the peer is not keeping up; live events are then coalesced or skipped instead of queued. */
  isCongested?: () => boolean;
  logger: Logger;
}

/** Pushes engine events to one peer. Never throws into the engine's emitter, never queues without bound. */
export function forwardEvents(events: TypedEmitter<ThingbenchEvents>, transport: Transport, opts: ForwardOptions): Disposable {
  const isCongested = opts.isCongested ?? (() => false);
  const held = new BatchCoalescer();
  let retry: ReturnType<typeof setTimeout> | undefined;

  const send = (msg: Parameters<Transport['send']>[0]) => {
    try {
      transport.send(msg);
    } catch (err) {
      opts.logger.log('warn', 'host.rpc', 'could not push an event', { error: String(err) });
    }
  };

  /** Live batches cross the wire packed (`packBatch`); the contract's client unpacks them. */
  const sendBatch = (batch: MessageBatch) => send({ kind: 'event', name: 'broker.messages', data: packBatch(batch) });

  const flushHeld = () => {
    retry = undefined;
    if (!held.pending) return;
    if (isCongested()) scheduleRetry();
    else sendBatch(held.release());
  };
  const scheduleRetry = () => {
    retry ??= setTimeout(flushHeld, RETRY_MS);
  };

  // One entry per contract event: a new event is a compile error until it is forwarded here.
  const forwarders: { [N in keyof ThingbenchEvents]: (data: ThingbenchEvents[N]) => void } = {
    'broker.messages': (batch) => {
      if (isCongested()) {
        held.absorb(batch);
        scheduleRetry();
        return;
      }
      sendBatch(held.pending ? held.release(batch) : batch);
    },
    // Skipped while congested: the log stays readable through `logs.recent`.
    'logs.appended': (records) => {
      if (!isCongested()) send({ kind: 'event', name: 'logs.appended', data: records });
    },
    // Batched by the pipeline service (at most 4 times a second); skipped while congested (the UI re-reads `pipeline.graph`).
    'pipeline.updated': (data) => {
      if (!isCongested()) send({ kind: 'event', name: 'pipeline.updated', data });
    },
    // Batched by the broker (at most 4 times a second); skipped while congested (the UI re-reads `broker.events`).
    'broker.activity': (data) => {
      if (!isCongested()) send({ kind: 'event', name: 'broker.activity', data });
    },
    // Small notifications; skipped while congested (the UI re-reads with `shadow.get`).
    'shadow.updated': (data) => {
      if (!isCongested()) send({ kind: 'event', name: 'shadow.updated', data });
    },
    // Batched by the rules service (at most twice a second); skipped while congested (the UI re-reads `rules.trace`).
    'rules.evaluated': (data) => {
      if (!isCongested()) send({ kind: 'event', name: 'rules.evaluated', data });
    },
    // Batched by the sink service (at most 4 times a second); skipped while congested (the UI re-reads `sinks.records`).
    'sinks.recorded': (data) => {
      if (!isCongested()) send({ kind: 'event', name: 'sinks.recorded', data });
    },
    // Batched by the delivery service (at most 4 times a second); skipped while congested (the UI re-reads `delivery.stored`).
    'delivery.changed': (data) => {
      if (!isCongested()) send({ kind: 'event', name: 'delivery.changed', data });
    },
    // Batched by the devices service (at most 4 times a second); skipped while congested (the UI re-reads `devices.list`).
    'devices.status': (data) => {
      if (!isCongested()) send({ kind: 'event', name: 'devices.status', data });
    },
    // A run's step starts and ends are few and the UI needs each: sent even when congested; progress and logs are
    // skipped while congested (the finished step and `scenarios.runs` carry the outcome).
    'scenarios.step': (data) => {
      if (!isCongested() || (data.kind !== 'step.progress' && data.kind !== 'step.log')) send({ kind: 'event', name: 'scenarios.step', data });
    },
    // Sent even when congested: one small message per notification the user asked to see (bounded by the sink).
    'sinks.notified': (data) => send({ kind: 'event', name: 'sinks.notified', data }),
    'labs.checked': (data) => send({ kind: 'event', name: 'labs.checked', data }),
    // Coalesced by the engine (at most 4 a second) and tiny: sent even when congested, or the registry view goes stale.
    'registry.changed': (data) => send({ kind: 'event', name: 'registry.changed', data }),
    'control.answered': (data) => send({ kind: 'event', name: 'control.answered', data }),
    // Coalesced by the engine (at most 4 a second) and tiny: sent even when congested, or the Jobs view goes stale.
    'jobs.changed': (data) => send({ kind: 'event', name: 'jobs.changed', data }),
  };

  const subscriptions = (Object.keys(forwarders) as (keyof ThingbenchEvents)[])
    .map((name) => events.on(name, forwarders[name] as (data: unknown) => void));

  return {
    dispose() {
      subscriptions.forEach((s) => s.dispose());
      if (retry) clearTimeout(retry);
      retry = undefined;
    },
  };
}
