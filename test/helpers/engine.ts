import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import type { BrokerLimits } from '../../engine/broker/index.js';
import type { ShadowLimits } from '../../engine/shadow/index.js';
import type { BrokerMode, EngineInfo } from '../../engine/contract/index.js';
import type { Clock, LogEntry, Logger } from '../../engine/core/index.js';
import { closeBeforeRemovingTempDirs, tempDir } from './temp-dirs.js';

export interface TestEngine {
  engine: Engine;
  info: EngineInfo;
  dataDir: string;
  mqttPort: number;
  wsUrl: string;
  httpUrl: string;
  logs: LogEntry[];
  /** Stops the engine; the data directory stays for a restart (it is removed after the test file). */
  stop(): Promise<void>;
  /** A new engine on the same data directory (after stop() or a crash). */
  restart(): Promise<TestEngine>;
}

export interface TestEngineOptions {
  mode?: BrokerMode;
  limits?: Partial<BrokerLimits>;
  shadowLimits?: Partial<ShadowLimits>;
  dataDir?: string;
  connectTimeoutMs?: number;
  drainTimeoutMs?: number;
  /** The engine's clock (a test's fake clock); the system clock by default. */
  clock?: Clock;
  /** The longest the CloudWatch alarm timer sleeps (ms): short with a fake clock. */
  alarmCheckMs?: number;
  /** Local sinks' settings (webhook hosts, the time-to-live sweep interval). */
  sinks?: { webhookHosts?: string[]; ttlSweepMs?: number };
  /** The traffic history's bounds: messages in all, and per topic. */
  history?: { size?: number; perTopic?: number };
  /** `--require-roles`: Lambda, Firehose and AWS IoT refuse roles they could not assume. */
  requireRoles?: boolean;
  /** The MQTT-over-TLS port (free by default): 8883 for clients that cannot be told another, as on AWS. */
  mqttsPort?: number;
}

/**
 * A real engine on loopback with every port chosen by the OS and a fresh data directory. After the test file the
 * engine is stopped if it still runs, and the data directory it created is removed.
 */
export async function startTestEngine(opts: TestEngineOptions = {}): Promise<TestEngine> {
  const dataDir = opts.dataDir ?? tempDir('tb-test-');
  const logs: LogEntry[] = [];
  const logger: Logger = { log: (level, source, message, details) => logs.push({ level, source, message, time: Date.now(), details }) };
  const config = defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0, ...(opts.mqttsPort !== undefined ? { mqtts: opts.mqttsPort } : {}) }, broker: { mode: opts.mode ?? 'aws', limits: opts.limits, historySize: opts.history?.size, historyPerTopic: opts.history?.perTopic }, shadow: { limits: opts.shadowLimits }, ...(opts.sinks ? { sinks: opts.sinks } : {}), ...(opts.requireRoles ? { iam: { requireRoles: true } } : {}) });
  const engine = await createEngine(config, { clock: opts.clock, logger, broker: { connectTimeoutMs: opts.connectTimeoutMs, drainTimeoutMs: opts.drainTimeoutMs }, alarmCheckMs: opts.alarmCheckMs });
  closeBeforeRemovingTempDirs(() => engine.stop());
  const info = await engine.start();
  return {
    engine,
    info,
    dataDir,
    mqttPort: Number(new URL(info.endpoints.mqtt).port),
    wsUrl: info.endpoints.ws,
    httpUrl: info.endpoints.http,
    logs,
    stop: () => engine.stop(),
    restart: () => startTestEngine({ ...opts, dataDir }),
  };
}

/** Connects mqtt.js and resolves on CONNACK. */
export function connect(urlOrPort: string | number, opts: IClientOptions = {}): Promise<MqttClient> {
  const url = typeof urlOrPort === 'number' ? `mqtt://127.0.0.1:${urlOrPort}` : urlOrPort;
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
  });
}

/** Resolves with the next `count` messages the client receives (rejects after `ms`). */
export function nextMessages(client: MqttClient, count = 1, ms = 5000): Promise<Array<{ topic: string; payload: Buffer; retain: boolean; qos: number }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ topic: string; payload: Buffer; retain: boolean; qos: number }> = [];
    const timer = setTimeout(() => {
      client.off('message', on);
      reject(new Error(`timed out waiting for ${count} message(s), got ${got.length}`));
    }, ms);
    const on = (topic: string, payload: Buffer, packet: { retain: boolean; qos: number }) => {
      got.push({ topic, payload, retain: packet.retain, qos: packet.qos });
      if (got.length === count) {
        clearTimeout(timer);
        client.off('message', on);
        resolve(got);
      }
    };
    client.on('message', on);
  });
}

/** Waits until `predicate` holds, polling every 10 ms (rejects after `ms`). */
export async function until(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An engine clock for tests: real time plus an offset the test moves forward (`advance`). */
export function offsetClock(): Clock & { offset: number; advance(ms: number): void } {
  const clock = { offset: 0, now: () => Date.now() + clock.offset, advance: (ms: number) => void (clock.offset += ms) };
  return clock;
}
