import { CostService } from '../metering/index.js';
import { DevicesService } from '../devices/index.js';
import { LabsService } from '../labs/index.js';
import { PipelineService } from '../pipeline/index.js';
import { needsRegistration, registerDevices, ScenariosService } from '../scenarios/index.js';
import { DEFAULT_FIREHOSE_BUCKET, type SinkService } from '../sinks/index.js';
import type { Engine } from '../engine-types.js';
import { localDeviceTarget } from '../local-device-target.js';
import { RegistryChanges } from '../registry-changes.js';
import type { EngineBase } from './engine-base.js';
import type { ComputeArea } from './compose-compute.js';
import type { EdgesArea } from './compose-edges.js';
import type { FilesArea } from './compose-files.js';
import type { IotArea } from './compose-iot.js';

/** The lab bench around the emulation: the live diagram, the cost view, virtual devices, scenarios, labs, registry changes. */
export type WorkbenchArea = ReturnType<typeof composeWorkbench>;

export function composeWorkbench(
  { config, clock, logs, events }: EngineBase, { broker, security, shadow, registry }: IotArea, { objects }: FilesArea,
  { functions, sinks, rules }: ComputeArea, { requests, http, coap }: EdgesArea, engine: () => Engine,
) {
  // The live diagram reads the counters the services keep.
  const pipeline = new PipelineService({
    clients: () => ({ ...broker.flow(), denials: security.denialCount }),
    shadow: () => shadow.requestCounts(),
    rules: () => rules.flows(),
    sinks: () => sinks.list(),
    functions: () => functions.list().map((f) => f.name),
    buckets: () => objects.listBuckets().map((b) => b.name),
    defaultFirehoseBucket: DEFAULT_FIREHOSE_BUCKET,
    listening: () => events.has('pipeline.updated'),
  }, clock);
  pipeline.events.on('updated', (u) => events.emit('pipeline.updated', u));
  // What the traffic would cost at AWS list prices: the services' counters, read when asked.
  const metering = new CostService(() => {
    const usage = broker.usage();
    return {
      usage, shadows: shadow.operationUsage(), rules: rules.usage(), functions: functions.usage(),
      requests: (id) => requests.get(id), kinesisShardHours: shardHours(sinks, usage.since, clock.now()),
    };
  }, clock);
  // Fleets connect to the engine's own listeners and register through its HTTP API, as any AWS-shaped client would.
  const deviceTarget = localDeviceTarget(config, broker, http, () => coap.port);
  const devices = new DevicesService({
    dataDir: config.dataDir, logger: logs, endpoint: deviceTarget.endpoint, needsRegistration,
    // A CoAP fleet's devices prove who they are with their thing's token: a new one per start.
    deviceToken: async (thing) => (await registry.deviceTokens.set(thing)).token,
    register: (model, members) => registerDevices(deviceTarget.target(), model, members, { log: (m) => logs.log('info', 'devices', m) }),
  });
  devices.events.on('status', (fleets) => events.emit('devices.status', fleets));
  // Scenario runs target the engine itself: its listeners, its HTTP API, and (in process) its contract and events.
  const selfTarget = () => ({ ...deviceTarget.target(), api: engine().api, events: engine().events, engine: engine() });
  const scenarios = new ScenariosService({ dataDir: config.dataDir, logger: logs, target: selfTarget });
  scenarios.events.on('step', (e) => events.emit('scenarios.step', e));
  // Labs run against the engine itself too; a started lab is re-checked on its events.
  const labs = new LabsService({ dataDir: config.dataDir, logger: logs, labDirs: config.labs?.dirs, target: selfTarget });
  labs.events.on('checked', (report) => events.emit('labs.checked', report));
  labs.events.on('step', (e) => events.emit('scenarios.step', e));
  const registryChanges = new RegistryChanges(registry, security, (e) => events.emit('registry.changed', e));
  return { pipeline, metering, devices, scenarios, labs, registryChanges };
}

/** Kinesis streams' shard hours since the start (each stream's shards since it was created or the engine started). */
function shardHours(sinks: SinkService, since: number, now: number): number {
  let hours = 0;
  for (const s of sinks.list('stream')) {
    const shards = typeof s.options.shardCount === 'number' ? s.options.shardCount : 1;
    hours += (shards * Math.max(0, now - Math.max(since, s.createdAt))) / 3_600_000;
  }
  return hours;
}
