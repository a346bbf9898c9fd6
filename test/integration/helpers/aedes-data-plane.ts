/**
 * A tiny real aedes broker implementing `DataPlaneBroker`, for testing the HTTP edge end to end before the engine's
 * `BrokerService` is wired in. Retained messages are tracked here (aedes keeps its own copy for subscribers).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DataPlaneBroker, RetainedMessage } from '../../../engine/api/http/index.js';

export interface AedesDataPlane extends DataPlaneBroker {
  /** MQTT TCP port on 127.0.0.1. */
  readonly mqttPort: number;
  close(): Promise<void>;
}

export async function startAedesDataPlane(now: () => number = Date.now): Promise<AedesDataPlane> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const retained = new Map<string, RetainedMessage>();

  return {
    mqttPort: (server.address() as AddressInfo).port,
    publish({ topic, payload, qos, retain }) {
      return new Promise((resolve, reject) => {
        broker.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, (err) => {
          if (err) return reject(err);
          if (retain) {
            // [MQTT-3.3.1-10]: a zero-byte retained message removes the retained message for the topic.
            if (payload.length === 0) retained.delete(topic);
            else retained.set(topic, { topic, payload: Buffer.from(payload), qos, lastModifiedTime: now() });
          }
          resolve();
        });
      });
    },
    getRetained: (topic) => retained.get(topic),
    listRetained: () => [...retained.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)),
    close: async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await serverClosed;
    },
  };
}
