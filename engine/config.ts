import os from 'node:os';
import path from 'node:path';
import type { BrokerMode } from './contract/index.js';
import { isLoopbackBind } from './core/index.js';
import { defaultLimits, type BrokerLimits } from './broker/index.js';
import type { AccessKey, PlainMode } from './security/index.js';
import { defaultShadowLimits, type ShadowLimits } from './shadow/index.js';

export interface EngineConfig {
  dataDir: string;
  host: string;
  /** mqtts/wss: the mutual-TLS listeners (MQTT over TLS, MQTT over secure WebSocket); coap: UDP. */
  ports: { mqtt: number; ws: number; http: number; mqtts: number; wss: number; coap: number };
  broker: {
    mode: BrokerMode;
    limits: BrokerLimits;
    /** Messages kept in the traffic history, in all. */
    historySize: number;
    /** The most messages kept of one topic (default 10,000); within `historySize`, the topics holding the most give way first. */
    historyPerTopic?: number;
  };
  shadow: {
    /** Document versions kept per shadow for the UI's history (0: none). */
    historySize: number;
    /** Per-connection in-flight and per-thing rate limits (aws mode: AWS's; standard mode: off). */
    limits: ShadowLimits;
  };
  security: {
    /**
     * Plain MQTT/WebSocket listeners: allow everything, refuse every CONNECT (as AWS), or not listen. Default:
     * `allow-all` on loopback, `enforce` when `host` serves a network (allow-all there must be asked for).
     */
    plain: PlainMode;
    /** Access keys whose SigV4 signatures the HTTP API accepts when `host` is not loopback. */
    accessKeys: AccessKey[];
    /** Extra names for the TLS server certificate (besides localhost, 127.0.0.1, ::1 and `host`). */
    hostNames: string[];
    /**
     * Browser origins (`scheme://host[:port]`, or `null`) accepted on the HTTP and WebSocket listeners besides
     * loopback pages and the UI; requests from any other page are refused (`--allow-origin`, core/local-guard.ts).
     */
    allowOrigins: string[];
  };
  /**
   * IAM: `requireRoles` (`--require-roles`) makes Lambda (CreateFunction, UpdateFunctionConfiguration), Firehose
   * (CreateDeliveryStream, UpdateDestination) and AWS IoT (CreateTopicRule, ReplaceTopicRule) refuse a role of the
   * engine's account that does not exist or does not trust the service, with AWS's errors; default off.
   */
  iam?: { requireRoles?: boolean };
  /** Labs: the user's own lab folders besides the shipped `labs/` (`--labs`); `<dataDir>/labs/` is read too. */
  labs?: { dirs?: string[] };
  /**
   * CoAP devices (UDP, no DTLS): `host` is where the listener binds (default 127.0.0.1, whatever `host` above says);
   * any other address needs `insecure` (`--coap-host ADDR --coap-insecure`), or the engine refuses to start.
   * `requestsPerSecond` (and `burst`) bound the requests of one remote address (default 2000/s; burst: twice the rate;
   * 0: off, `--coap-rate-limit off`).
   */
  coap?: { host?: string; insecure?: boolean; requestsPerSecond?: number; burst?: number };
  /** Local sinks: hosts that SNS http/https subscriptions may POST to besides loopback (default none). */
  sinks?: {
    webhookHosts?: string[];
    /** How often items of DynamoDB tables with time to live are checked for expiry (default 30 s). */
    ttlSweepMs?: number;
  };
}

/** The platform's usual per-user application data place. */
export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Thingbench');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Thingbench');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'thingbench');
}

export const defaultPorts = { mqtt: 1883, ws: 8083, http: 8080, mqtts: 8883, wss: 8443, coap: 5683 } as const;

export function defaultConfig(overrides: Partial<Omit<EngineConfig, 'broker' | 'ports' | 'security' | 'shadow'>> & {
  ports?: Partial<EngineConfig['ports']>;
  broker?: Partial<Omit<EngineConfig['broker'], 'limits'>> & { limits?: Partial<BrokerLimits> };
  security?: Partial<EngineConfig['security']>;
  shadow?: Partial<Omit<EngineConfig['shadow'], 'limits'>> & { limits?: Partial<ShadowLimits> };
} = {}): EngineConfig {
  // A caller that asks for a free MQTT port (tests, benchmarks) gets free TLS and CoAP ports too unless it names them.
  const free = overrides.ports?.mqtt === 0;
  const mode = overrides.broker?.mode ?? 'aws';
  const host = overrides.host ?? '127.0.0.1';
  return {
    dataDir: overrides.dataDir ?? defaultDataDir(),
    host,
    ports: { ...defaultPorts, ...(free ? { mqtts: 0, wss: 0, coap: 0 } : {}), ...overrides.ports },
    broker: {
      mode,
      historySize: overrides.broker?.historySize ?? 200_000,
      historyPerTopic: overrides.broker?.historyPerTopic ?? 10_000,
      limits: { ...defaultLimits(mode), ...overrides.broker?.limits },
    },
    shadow: { historySize: overrides.shadow?.historySize ?? 100, limits: { ...defaultShadowLimits(mode), ...overrides.shadow?.limits } },
    security: {
      accessKeys: [], hostNames: [], allowOrigins: [], ...overrides.security,
      plain: overrides.security?.plain ?? (isLoopbackBind(host) ? 'allow-all' : 'enforce'),
    },
    ...(overrides.sinks ? { sinks: overrides.sinks } : {}),
    ...(overrides.iam ? { iam: overrides.iam } : {}),
    ...(overrides.labs ? { labs: overrides.labs } : {}),
    ...(overrides.coap ? { coap: overrides.coap } : {}),
  };
}
