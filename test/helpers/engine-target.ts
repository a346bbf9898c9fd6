import fs from 'node:fs';
import path from 'node:path';
import type { Target } from '../../engine/scenarios/targets/target.js';
import type { TestEngine } from './engine.js';

/** A `local` Target over a test engine (the real engine on loopback): its MQTT endpoints, HTTP API and contract. */
export function engineTarget(te: TestEngine, name = 'local'): Target {
  return {
    name,
    kind: 'local',
    capabilities: { shadows: true, controlPlane: true, sinks: true, engineRestart: false },
    mqtt: (transport = 'mqtt') => {
      if (transport === 'ws') return { url: te.wsUrl };
      if (transport === 'mqtts') return { url: te.info.endpoints.mqtts, tls: { ca: fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8') } };
      return { url: `mqtt://127.0.0.1:${te.mqttPort}` };
    },
    aws: { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    api: te.engine.api,
    events: te.engine.events,
    close: async () => undefined,
  };
}
