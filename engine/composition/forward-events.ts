import type { ThingbenchEvents } from '../contract/index.js';
import type { TypedEmitter } from '../core/index.js';
import type { ComputeArea } from './compose-compute.js';
import type { ControlArea } from './compose-control.js';
import type { IotArea } from './compose-iot.js';

/** The core services' notifications as the contract's events (the workbench's services forward their own). */
export function forwardEvents(events: TypedEmitter<ThingbenchEvents>, { broker, delivery, shadow }: IotArea, { control }: ControlArea, { rules, sinks }: ComputeArea): void {
  broker.events.on('messages', (batch) => events.emit('broker.messages', batch));
  broker.events.on('activity', (batch) => events.emit('broker.activity', batch));
  delivery.events.on('changed', (e) => events.emit('delivery.changed', e));
  shadow.events.on('updated', (update) => events.emit('shadow.updated', update));
  rules.events.on('evaluated', (batch) => events.emit('rules.evaluated', batch));
  sinks.events.on('recorded', (batch) => events.emit('sinks.recorded', batch));
  sinks.events.on('notified', (n) => events.emit('sinks.notified', n));
  control.events.on('answered', (a) => events.emit('control.answered', a));
}
