/**
 * The `local` target: a Thingbench engine in this process, started when the target opens and stopped when it closes.
 *
 * It never attaches to a Thingbench that is already running: a run always gets an engine of its own, with a fresh
 * temporary data directory (removed on close) and ports the OS picks, so nothing a user left running (or did not)
 * changes what a run sees, and CI never depends on it. A profile may name a data directory to keep state between
 * runs; a Thingbench running on that directory holds its lock, and opening then fails in one sentence that says to
 * stop it or to reach it as a `thingbench` target. `restartEngine()` stops the engine and starts a new one on the
 * same data directory and the same ports, so devices reconnect to the address they know.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig, type EngineConfig } from '../../config.js';
import { EngineError, type Clock, type Logger } from '../../core/index.js';
import type { Disposable, EngineInfo, ThingbenchApi, ThingbenchEvents } from '../../contract/index.js';
import type { Engine } from '../../engine-types.js';
import type { EngineOptions } from '../../engine.js';
import type { TargetProfile } from './profiles.js';
import type { Target, TargetAws, TargetCapabilities, TargetMqtt } from './target.js';

export interface LocalTargetOptions {
  logger?: Logger;
  clock?: Clock;
  /** Test hooks passed to `createEngine` (shorter broker timeouts). */
  engineOptions?: Omit<EngineOptions, 'logger' | 'clock'>;
}

/**
 * Loopback accepts any well-formed SigV4 signature (engine/security: keys are checked only off loopback), and the
 * AWS SDK signs every request: these are the keys it signs with.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'THINGBENCHLOCAL', secretAccessKey: 'thingbench-local' } as const;
export const LOCAL_REGION = 'us-east-1';

const ALL: TargetCapabilities = { shadows: true, controlPlane: true, sinks: true, engineRestart: true };

class LocalTarget implements Target {
  readonly kind = 'local' as const;
  readonly capabilities = ALL;
  private current: Engine;
  private info: EngineInfo;
  private closing: Promise<void> | null = null;
  /** Listeners through `events`, attached to the engine of the moment: they carry on across a restart. */
  private readonly listeners = new Set<{ name: keyof ThingbenchEvents; cb: (data: any) => void; on: Disposable }>();
  readonly events = {
    on: <N extends keyof ThingbenchEvents>(name: N, cb: (data: ThingbenchEvents[N]) => void): Disposable => {
      const l = { name, cb: cb as (data: any) => void, on: this.current.events.on(name, cb) };
      this.listeners.add(l);
      return { dispose: () => {
        l.on.dispose();
        this.listeners.delete(l);
      } };
    },
  };

  constructor(readonly name: string, engine: Engine, info: EngineInfo, private readonly temporary: boolean, private readonly opts: LocalTargetOptions) {
    this.current = engine;
    this.info = info;
  }

  get engine(): Engine {
    return this.current;
  }

  get api(): ThingbenchApi {
    return this.current.api;
  }

  get dataDir(): string {
    return this.current.config.dataDir;
  }

  get aws(): TargetAws {
    const http = this.info.endpoints.http;
    return { endpoint: http, dataEndpoint: http, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };
  }

  mqtt(transport: 'mqtt' | 'mqtts' | 'ws' = 'mqtt'): TargetMqtt {
    const url = this.info.endpoints[transport === 'ws' ? 'ws' : transport];
    if (!url || url === 'off') throw new EngineError('InvalidInput', `the local target '${this.name}' has no ${transport} listener`);
    // mqtts: the engine's CA, which signed its server certificate; the device brings its own certificate.
    if (transport === 'mqtts') return { url, tls: { ca: fs.readFileSync(path.join(this.dataDir, 'security', 'root-ca.pem'), 'utf8') } };
    return { url };
  }

  asking(transport: 'coap' | 'https'): { url: string; ca?: string } {
    const url = this.info.endpoints[transport];
    if (!url || url === 'off') throw new EngineError('InvalidInput', `the local target '${this.name}' has no ${transport} device endpoint`);
    return transport === 'https' ? { url, ca: fs.readFileSync(path.join(this.dataDir, 'security', 'root-ca.pem'), 'utf8') } : { url };
  }

  async restartEngine(): Promise<void> {
    if (this.closing) throw new EngineError('Unavailable', `the local target '${this.name}' is closed`);
    const config = this.current.config;
    const port = (u: string | undefined) => (u && u !== 'off' ? Number(new URL(u).port) : 0);
    const e = this.info.endpoints;
    await this.current.stop();
    const again: EngineConfig = { ...config, ports: { mqtt: port(e.mqtt), ws: port(e.ws), http: port(e.http), mqtts: port(e.mqtts), wss: port(e.wss), coap: port(e.coap) } };
    const { engine, info } = await startEngine(again, this.opts);
    this.current = engine;
    this.info = info;
    for (const l of this.listeners) l.on = engine.events.on(l.name, l.cb);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.current.stop();
      if (this.temporary) fs.rmSync(this.dataDir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return this.closing;
  }
}

async function startEngine(config: EngineConfig, opts: LocalTargetOptions): Promise<{ engine: Engine; info: EngineInfo }> {
  // Loaded when a local target opens: the composition root is not a static dependency of the scenarios module.
  const { createEngine } = await import('../../engine.js');
  const engine = await createEngine(config, { ...opts.engineOptions, logger: opts.logger, clock: opts.clock });
  try {
    return { engine, info: await engine.start() };
  } catch (e) {
    await engine.stop().catch(() => undefined);
    throw e;
  }
}

/** Starts the local target's engine. */
export async function openLocalTarget(name: string, profile: TargetProfile | undefined, opts: LocalTargetOptions = {}): Promise<Target> {
  const temporary = !profile?.engineDataDir;
  const dataDir = profile?.engineDataDir ? path.resolve(profile.engineDataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'thingbench-run-'));
  const config = defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 }, broker: { mode: profile?.brokerMode ?? 'aws' } });
  try {
    const { engine, info } = await startEngine(config, opts);
    return new LocalTarget(name, engine, info, temporary, opts);
  } catch (e) {
    if (temporary) fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    const reason = (e as EngineError).details as { reason?: string; pid?: number } | undefined;
    if (e instanceof EngineError && reason?.reason === 'DataDirLocked') {
      throw new EngineError('Conflict', `the local target '${name}' cannot start: its data directory ${dataDir} is in use by a running Thingbench (process ${reason.pid}); stop that one, or reach it as a target of kind thingbench (thingbench target add NAME --kind thingbench --mqtt-url … --endpoint …)`, { reason: 'DataDirLocked' });
    }
    if (e instanceof EngineError) throw e;
    throw new EngineError('Unavailable', `the local target '${name}' could not start its engine: ${(e as Error).message}`);
  }
}
