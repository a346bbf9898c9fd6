import type { Logger, Service } from '../core/index.js';
import type { RegistryService } from '../registry/index.js';
import {
  createHttpApi, iotControlRegistryRoutes, iotDataRoutes, iotDataShadowRoutes, type DataPlaneBroker, type HttpApiServer, type IotDataLimits, type ShadowOperations,
} from './http/index.js';

/** The engine's HTTP endpoint as a service: AWS IoT data-plane operations and Device Shadow operations (later: control plane). */
export class HttpApiService implements Service {
  readonly name = 'http';
  private readonly server: HttpApiServer;
  port = 0;

  constructor(private readonly opts: {
    broker: DataPlaneBroker; shadow: ShadowOperations; limits: IotDataLimits; host: string; port: number; logger: Logger;
    /** AWS IoT control-plane registry operations (CreateThing, SearchIndex, …). */
    registry?: RegistryService;
  }) {
    this.server = createHttpApi([...iotDataRoutes(opts.broker, opts.limits), ...iotDataShadowRoutes(opts.shadow),
      ...(opts.registry ? iotControlRegistryRoutes(opts.registry, { host: opts.host }) : [])], { logger: opts.logger });
  }

  async start(): Promise<void> {
    this.port = await this.server.listen(this.opts.host, this.opts.port);
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}
