import type { EngineInfo, PublishInput, ThingbenchApi } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import { adaptersApi } from '../api/index.js';
import { fromMessageProperties } from '../broker/index.js';
import { commandsApi } from '../commands/index.js';
import { controlApi } from '../control/index.js';
import { deliveryApi } from '../delivery/index.js';
import { devicesApi } from '../devices/index.js';
import { functionsApi } from '../functions/index.js';
import { jobsApi } from '../jobs/index.js';
import { labsApi } from '../labs/index.js';
import { provisioningApi } from '../provisioning/index.js';
import { registryApi } from '../registry/index.js';
import { rulesApi } from '../rules/index.js';
import { scenariosApi, targetsApi } from '../scenarios/index.js';
import { securityApi } from '../security/index.js';
import { shadowApi } from '../shadow/index.js';
import { sinksApi } from '../sinks/index.js';
import { streamsApi } from '../streams/index.js';
import { exportLines } from '../history-export.js';
import type { EngineBase } from './engine-base.js';
import { functionLogReader, type ComputeArea } from './compose-compute.js';
import type { ControlArea } from './compose-control.js';
import type { EdgesArea } from './compose-edges.js';
import type { FilesArea } from './compose-files.js';
import type { IotArea } from './compose-iot.js';
import type { JobsArea } from './compose-jobs.js';
import type { ProvisioningArea } from './compose-provisioning.js';
import type { WorkbenchArea } from './compose-workbench.js';

/** The areas the contract reaches, by name. */
export type ApiParts = IotArea & ControlArea & FilesArea & ComputeArea & JobsArea & ProvisioningArea & EdgesArea & WorkbenchArea;

/** The contract (ThingbenchApi) over the composed services: what `host/rpc-server.ts` dispatches to. */
export function engineApi({ config, logs }: EngineBase, p: ApiParts, info: () => EngineInfo): ThingbenchApi {
  const { broker } = p;
  return {
    engine: { info: async () => info() },
    broker: {
      topics: async (prefix) => broker.topics(prefix),
      topicTable: async (prefix, page) => broker.topicTable(prefix, page),
      topicStats: async (names) => broker.topicStats(names),
      messages: async (query) => broker.messages(query),
      message: async (id) => broker.message(id),
      series: async (query) => broker.series(query),
      retained: async (prefix) => broker.retained(prefix),
      deleteRetained: (topic, options) => broker.deleteRetained(topic, options),
      events: async (query) => broker.activityEvents(query),
      export: async (query) => exportLines(broker.heldMessages(query ?? {})),
      publish: async (msg) => broker.publish(toPublish(msg), { origin: 'client' }),
      clients: async () => broker.clients(),
    },
    logs: { recent: async (query) => logs.recent(query ?? undefined) },
    pipeline: { graph: async () => p.pipeline.graph() },
    metering: { usage: async () => broker.usage(), cost: async () => p.metering.cost() },
    shadow: shadowApi(p.shadow), registry: registryApi(p.registry), jobs: jobsApi(p.jobs, p.jobTemplates), streams: streamsApi(p.streams), commands: commandsApi(p.commands),
    control: controlApi(p.control), delivery: deliveryApi(p.delivery), adapters: adaptersApi(p.coap, p.deviceHttps, () => info().endpoints.https), provisioning: provisioningApi(p.provisioning), sinks: sinksApi(p.sinks, p.objects),
    functions: functionsApi(p.functions, functionLogReader(p.sinks)), rules: rulesApi(p.rules), security: securityApi(p.security),
    devices: devicesApi(p.devices), scenarios: scenariosApi(p.scenarios), labs: labsApi(p.labs), targets: targetsApi(config.dataDir),
  };
}

function toPublish(msg: PublishInput) {
  if (!msg || typeof msg.topic !== 'string' || typeof msg.payload !== 'string') throw new EngineError('InvalidInput', 'publish needs a topic and a payload string');
  const qos = msg.qos ?? 0;
  if (qos !== 0 && qos !== 1) throw new EngineError('InvalidInput', 'qos must be 0 or 1');
  const payload = Buffer.from(msg.payload, msg.encoding === 'base64' ? 'base64' : 'utf8');
  const properties = fromMessageProperties(msg.properties);
  const out = { topic: msg.topic, payload, qos: qos as 0 | 1, retain: msg.retain === true };
  return properties ? { ...out, properties } : out;
}
