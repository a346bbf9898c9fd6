import type { ThingbenchEvents } from './contract/index.js';
import { engineWebGuard, silentLogger, systemClock, TypedEmitter } from './core/index.js';
import { SqlJsStore } from './storage/index.js';
import type { EngineConfig } from './config.js';
import type { Engine } from './engine-types.js';
import { LogBuffer } from './log-buffer.js';
import {
  ComposedEngine, composeCompute, composeControl, composeEdges, composeFiles, composeIot, composeJobs, composeProvisioning, composeWorkbench,
  engineApi, forwardEvents, type EngineBase, type EngineOptions,
} from './composition/index.js';

export type { Engine } from './engine-types.js';
export type { EngineOptions } from './composition/index.js';

/**
 * The composition root (ARCHITECTURE §3): the only place that creates services, one area at a time (each area's
 * services and ports in `composition/compose-*.ts`). Nothing listens until `start()`.
 */
export async function createEngine(config: EngineConfig, opts: EngineOptions = {}): Promise<Engine> {
  const clock = opts.clock ?? systemClock;
  const events = new TypedEmitter<ThingbenchEvents>();
  const logs = new LogBuffer(events, opts.logger ?? silentLogger);
  const store = await SqlJsStore.open(config.dataDir, { logger: logs });
  const base: EngineBase = {
    config, opts, clock, events, logs, store,
    guard: engineWebGuard({ host: config.host, hostNames: config.security.hostNames, allowOrigins: config.security.allowOrigins }),
    requireRoles: config.iam?.requireRoles === true,
    // The HTTP API listens once started; its URL is read only then.
    httpUrl: () => (edges.http.port ? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${edges.http.port}` : undefined),
  };
  const iot = composeIot(base);
  const control = composeControl(base, iot);
  const files = composeFiles(base, iot);
  const compute = composeCompute(base, iot, control, files);
  const jobs = composeJobs(base, iot, files);
  const provisioning = composeProvisioning(base, iot, files, compute);
  const edges = composeEdges(base, iot, control, files, compute, jobs, provisioning);
  const bench = composeWorkbench(base, iot, files, compute, edges, () => engine);
  forwardEvents(events, iot, control, compute);
  // Start order; stop is the reverse.
  const services = [
    iot.security, iot.delivery, iot.broker, iot.shadow, iot.reserved, iot.registry, control.commands, control.control, jobs.jobs, jobs.rollouts,
    bench.registryChanges, jobs.jobChanges, files.objects, files.streams, files.signer, provisioning.provisioning, compute.sinks, compute.functions,
    provisioning.fleetProvisioning, compute.rules, edges.http, edges.deviceHttps, edges.coap, bench.pipeline, bench.devices, bench.scenarios,
    bench.labs, bench.metering,
  ];
  const parts = { ...iot, ...control, ...files, ...compute, ...jobs, ...provisioning, ...edges, ...bench };
  const engine: ComposedEngine = new ComposedEngine(config, store, services, iot.broker, edges.http, events, logs, (info) => engineApi(base, parts, info));
  return engine;
}
