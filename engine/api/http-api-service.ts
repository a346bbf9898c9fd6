import type { Logger, Service } from '../core/index.js';
import {
  createHttpApi, iotDataRoutes, iotDataShadowRoutes, type DataPlaneBroker, type HttpApiServer, type IotDataLimits, type ShadowOperations,
} from './http/index.js';

/** The engine's HTTP endpoint as a service: AWS IoT data-plane operations and Device Shadow operations (later: control plane). */
export class HttpApiService implements Service {
  readonly name = 'http';
  private readonly server: HttpApiServer;
  port = 0;

  constructor(private readonly opts: {
    broker: DataPlaneBroker; shadow: ShadowOperations; limits: IotDataLimits; host: string; port: number; logger: Logger;
  }) {
    this.server = createHttpApi([...iotDataRoutes(opts.broker, opts.limits), ...iotDataShadowRoutes(opts.shadow)], { logger: opts.logger });
  }

  async start(): Promise<void> {
    this.port = await this.server.listen(this.opts.host, this.opts.port);
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}
