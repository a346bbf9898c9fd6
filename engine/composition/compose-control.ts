import { CommandsService } from '../commands/index.js';
import { ControlService } from '../control/index.js';
import type { EngineBase } from './engine-base.js';
import type { IotArea } from './compose-iot.js';

/** Command & control (Hono-style, for devices that ask) and AWS IoT Commands on top of it. */
export type ControlArea = ReturnType<typeof composeControl>;

export function composeControl({ clock, logs, store }: EngineBase, { broker, registry }: IotArea) {
  // Command & control: MQTT things get requests on their command topics, the others when they next ask (`hono-ttd`).
  const mqttConnected = (thing: string) => broker.connectionOf(thing) === 'mqtt';
  const control = new ControlService(broker, clock, {
    logger: logs, connection: (thing) => broker.connectionOf(thing), thingExists: (name) => registry.findThing(name) !== undefined,
    record: (msg, clientId) => broker.record(msg, clientId), store,
  });
  // AWS IoT Commands: executions on things of the registry or on MQTT clients, answered over the broker, or for a
  // thing with no MQTT connection by command & control when it next asks.
  const commands = new CommandsService(store, broker, clock, {
    thingExists: (name) => registry.findThing(name) !== undefined, logger: logs,
    askingDevices: (thing, cmd) => (mqttConnected(thing) ? undefined : control.send({ thing, ...cmd })),
  });
  return { control, commands };
}
