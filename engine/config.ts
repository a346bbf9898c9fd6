import os from 'node:os';
import path from 'node:path';
import type { BrokerMode } from './contract/index.js';
import { defaultLimits, type BrokerLimits } from './broker/index.js';

export interface EngineConfig {
  dataDir: string;
  host: string;
  ports: { mqtt: number; ws: number; http: number };
  broker: {
    mode: BrokerMode;
    limits: BrokerLimits;
    /** Messages kept in the traffic history. */
    historySize: number;
  };
  shadow: {
    /** Document versions kept per shadow for the UI's history (0: none). */
    historySize: number;
  };
}

/** The platform's usual per-user application data place. */
export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Thingbench');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Thingbench');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'thingbench');
}

export const defaultPorts = { mqtt: 1883, ws: 8083, http: 8080 } as const;

export function defaultConfig(overrides: Partial<Omit<EngineConfig, 'broker' | 'ports'>> & {
  ports?: Partial<EngineConfig['ports']>;
  broker?: Partial<Omit<EngineConfig['broker'], 'limits'>> & { limits?: Partial<BrokerLimits> };
} = {}): EngineConfig {
  const mode = overrides.broker?.mode ?? 'aws';
  return {
    dataDir: overrides.dataDir ?? defaultDataDir(),
    host: overrides.host ?? '127.0.0.1',
    ports: { ...defaultPorts, ...overrides.ports },
    broker: {
      mode,
      historySize: overrides.broker?.historySize ?? 50_000,
      limits: { ...defaultLimits(mode), ...overrides.broker?.limits },
    },
    shadow: { historySize: overrides.shadow?.historySize ?? 100 },
  };
}
