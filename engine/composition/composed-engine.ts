import type { EngineInfo, ThingbenchApi, ThingbenchEvents } from '../contract/index.js';
import { EngineError, type Service, type TypedEmitter } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { BrokerService } from '../broker/index.js';
import { CoapService, type HttpApiService } from '../api/index.js';
import type { EngineConfig } from '../config.js';
import type { Engine } from '../engine-types.js';
import type { LogBuffer } from '../log-buffer.js';
import { portError, probePorts, type WantedPort } from '../port-probe.js';
import { VERSION as version } from '../version.js';

/** The engine a host drives: its services started in order and stopped in reverse (ARCHITECTURE §3), its contract. */
export class ComposedEngine implements Engine {
  readonly api: ThingbenchApi;
  private started: EngineInfo | null = null;
  private stopping: Promise<void> | null = null;
  /** Services whose start() was called (the one that failed included), in start order: what stop() stops. */
  private readonly running: Service[] = [];

  constructor(
    readonly config: EngineConfig,
    private readonly store: Store,
    private readonly services: Service[],
    private readonly broker: BrokerService,
    private readonly http: HttpApiService,
    readonly events: TypedEmitter<ThingbenchEvents>,
    private readonly logs: LogBuffer,
    api: (info: () => EngineInfo) => ThingbenchApi,
  ) {
    this.api = api(() => this.info());
  }

  /**
   * Starts the services in order (ARCHITECTURE §3). When one fails, it and the ones already started are stopped in
   * reverse order and the store is closed (its lock released) before the error is rethrown: a failed start leaves
   * nothing listening. A taken port is found before anything starts (`probePorts`).
   */
  async start(): Promise<EngineInfo> {
    try {
      await probePorts(this.config.host, this.wantedPorts());
      for (const service of this.services) {
        this.running.push(service);
        await service.start();
      }
    } catch (e) {
      this.logs.log('debug', 'engine', `start failed (${(e as Error).message}); stopping the ${this.running.length} services that had started`);
      await this.stop().catch((err: Error) => this.logs.log('error', 'engine', `stopping after the failed start failed: ${err.message}`));
      throw this.startError(e as NodeJS.ErrnoException);
    }
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    this.started = {
      version,
      brokerMode: this.broker.mode,
      dataDir: this.config.dataDir,
      startedAt: Date.now(),
      endpoints: {
        // `--plain off`: the plain listeners do not exist.
        mqtt: this.config.security.plain === 'off' ? 'off' : `mqtt://${host}:${this.broker.ports.mqtt}`,
        ws: this.config.security.plain === 'off' ? 'off' : `ws://${host}:${this.broker.ports.ws}/mqtt`,
        ...(this.broker.ports.mqtts !== undefined ? { mqtts: `mqtts://${host}:${this.broker.ports.mqtts}` } : {}),
        ...(this.broker.ports.wss !== undefined ? { wss: `wss://${host}:${this.broker.ports.wss}/mqtt`, https: `https://${host}:${this.broker.ports.wss}` } : {}),
        http: `http://${host}:${this.http.port}`,
        ...this.coapEndpoint(),
      },
    };
    this.logs.log('info', 'engine', `Thingbench ${version} ready (${this.broker.mode} mode)`, { ...this.started.endpoints });
    return this.started;
  }

  /** The CoAP listener's ready-line entry (its own bind address: loopback unless --coap-host). */
  private coapEndpoint(): { coap?: string } {
    const endpoint = this.services.find((s): s is CoapService => s instanceof CoapService)?.endpoint;
    return endpoint ? { coap: endpoint } : {};
  }

  private wantedPorts(): WantedPort[] {
    const { ports, security } = this.config;
    const plain = security.plain === 'off' ? [] : [{ listener: 'mqtt', port: ports.mqtt }, { listener: 'ws', port: ports.ws }];
    return [...plain, { listener: 'mqtts', port: ports.mqtts }, { listener: 'wss', port: ports.wss }, { listener: 'http', port: ports.http }];
  }

  /** A listener that lost a race for its port after the probe still fails with the port's sentence. */
  private startError(e: NodeJS.ErrnoException & { port?: number; listener?: string; host?: string }): Error {
    // The CoAP listener binds UDP on its own address (not probed beforehand): its failure names itself.
    if (e.listener === 'coap' && e.port !== undefined) return portError(e.host ?? this.config.host, { listener: 'coap', port: e.port }, e);
    const wanted = this.wantedPorts().find((w) => w.port === e.port);
    return wanted ? portError(this.config.host, wanted, e) : e;
  }

  info(): EngineInfo {
    if (!this.started) throw new EngineError('Unavailable', 'engine is not started');
    return this.started;
  }

  /** Stops the services that were started, in reverse order, and closes the store (also after a failed or no start). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const service of [...this.running].reverse()) {
        await service.stop().catch((e: Error) => this.logs.log('error', 'engine', `stopping ${service.name} failed: ${e.message}`));
      }
      await this.store.close();
    })();
    return this.stopping;
  }
}
