import net from 'node:net';
import { EngineError } from './core/index.js';

/** A port the engine is about to listen on, by the name of its config key (`mqtt`, `ws`, `http`, `mqtts`, `wss`, `ui`). */
export interface WantedPort {
  listener: string;
  port: number;
}

const listenerNames: Record<string, string> = {
  mqtt: 'MQTT', ws: 'MQTT over WebSocket', http: 'HTTP API', mqtts: 'MQTT over TLS', wss: 'MQTT over secure WebSocket', ui: 'UI', coap: 'CoAP, UDP',
};

/**
 * Checks, before anything starts, that every fixed port can be bound on `host`, so a taken port fails the start with
 * a reason (`details.reason`: `PortInUse`, `PortDenied`, `HostUnavailable`, `PortTwice`) instead of leaving the
 * listeners that did start open. The probes are closed again before returning.
 */
export async function probePorts(host: string, wanted: WantedPort[]): Promise<void> {
  const fixed = wanted.filter((w) => w.port !== 0);
  for (let i = 0; i < fixed.length; i++) {
    const twin = fixed.findIndex((w) => w.port === fixed[i].port);
    if (twin !== i) {
      const [a, b] = [fixed[twin], fixed[i]];
      throw new EngineError('InvalidInput', `Port ${a.port} is given to both ${listenerNames[a.listener] ?? a.listener} and ${listenerNames[b.listener] ?? b.listener}`, { reason: 'PortTwice', port: a.port, listener: b.listener, other: a.listener });
    }
  }
  // Port 0 is probed too: it finds a --host that is no address of this machine before anything listens.
  for (const w of wanted) await probe(host, w);
}

function probe(host: string, w: WantedPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => reject(portError(host, w, e)));
    server.listen({ port: w.port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** The `EngineError` for a listen that failed (also used when a listener fails after the probe, or the UI's). */
export function portError(host: string, w: WantedPort, e: NodeJS.ErrnoException): Error {
  const name = `Port ${w.port} (${listenerNames[w.listener] ?? w.listener}) on ${host}`;
  const details = { listener: w.listener, port: w.port, host };
  switch (e.code) {
    case 'EADDRINUSE': return new EngineError('Unavailable', `${name} is already in use`, { reason: 'PortInUse', ...details });
    case 'EACCES': return new EngineError('Forbidden', `${name} may not be opened by this user`, { reason: 'PortDenied', ...details });
    case 'EADDRNOTAVAIL': return new EngineError('Unavailable', `${host} is not an address of this machine`, { reason: 'HostUnavailable', ...details });
    default: return e;
  }
}
