/**
 * The engine as its own fleets see it: the listeners they connect to and a `local` scenario Target over its HTTP API
 * (what registration and certificate provisioning call through the AWS SDK v3 `IoTClient`, as on any AWS-shaped
 * target). Known only once the engine listens: both are read at call time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from './core/index.js';
import type { EngineConfig } from './config.js';
import type { BrokerService } from './broker/index.js';
import type { HttpApiService } from './api/index.js';
import type { DeviceEndpoint, DeviceListener } from './devices/index.js';
import type { Target } from './scenarios/index.js';

/** `coapPort`: the CoAP listener's port once it listens (undefined when the engine has none). */
export function localDeviceTarget(config: EngineConfig, broker: BrokerService, http: HttpApiService, coapPort: () => number | undefined = () => undefined) {
  // A wildcard bind is reached on loopback.
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const ca = () => fs.readFileSync(path.join(config.dataDir, 'security', 'root-ca.pem'), 'utf8');
  const endpoint = (listener: DeviceListener): DeviceEndpoint => {
    if (listener === 'coap') {
      const port = coapPort();
      if (!port) throw new EngineError('InvalidInput', 'the engine has no CoAP listener for these devices (start it with a CoAP port)');
      return { url: `coap://${host}:${port}` };
    }
    // AWS IoT serves HTTPS device requests on its mutual-TLS port; the engine on its secure WebSocket listener.
    if (listener === 'https') {
      const port = broker.ports.wss;
      if (!port) throw new EngineError('InvalidInput', 'the engine has no HTTPS device endpoint for these devices (start it with its secure WebSocket port)');
      return { url: `https://${host}:${port}`, ca: ca() };
    }
    const port = broker.ports[listener];
    const off = port === undefined || port === 0 || ((listener === 'mqtt' || listener === 'ws') && config.security.plain === 'off');
    if (off) throw new EngineError('InvalidInput', `the engine has no ${listener} listener for these devices (${listener === 'mqtt' || listener === 'ws' ? 'plain listeners are off: use transport mqtts' : 'start it with its mutual-TLS port'})`);
    const scheme = { mqtt: 'mqtt', mqtts: 'mqtts', ws: 'ws', wss: 'wss' }[listener];
    const url = `${scheme}://${host}:${port}${listener === 'ws' || listener === 'wss' ? '/mqtt' : ''}`;
    return listener === 'mqtts' || listener === 'wss' ? { url, ca: ca() } : { url };
  };
  const target = (): Target => {
    // On loopback any credentials pass; elsewhere the engine's first access key signs (SigV4).
    const key = config.security.accessKeys[0] ?? { accessKeyId: 'thingbench-local', secretAccessKey: 'thingbench-local' };
    return {
      name: 'local', kind: 'local',
      capabilities: { shadows: true, controlPlane: true, sinks: true, engineRestart: false },
      asking: (transport) => endpoint(transport),
      mqtt: (transport = 'mqtt') => {
        const e = endpoint(transport);
        return e.ca ? { url: e.url, tls: { ca: e.ca } } : { url: e.url };
      },
      aws: { endpoint: `http://${host}:${http.port}`, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey } },
      close: async () => undefined,
    };
  };
  return { endpoint, target };
}
