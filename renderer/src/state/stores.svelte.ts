import type { ThingbenchClient } from '../../../engine/contract/index.js';
import type { Connection } from '../platform/connect.js';
import { AdaptersStore } from './adapters.svelte.js';
import { AwsNoticesStore } from './aws-notices.svelte.js';
import { ChartStore } from './chart.svelte.js';
import { ClientsStore } from './clients.svelte.js';
import { CommandsStore } from './commands.svelte.js';
import { ConnectionStore } from './connection.svelte.js';
import { ControlStore } from './control.svelte.js';
import { CostStore } from './cost.svelte.js';
import { TargetsStore } from './targets.svelte.js';
import { DetailStore } from './detail.svelte.js';
import { DeliveryStore } from './delivery.svelte.js';
import { DeviceTokensStore } from './device-tokens.svelte.js';
import { DevicesStore } from './devices.svelte.js';
import { ExportStore } from './export.svelte.js';
import { FunctionsStore } from './functions.svelte.js';
import { JobsStore } from './jobs.svelte.js';
import { LabsStore } from './labs.svelte.js';
import { LogsStore } from './logs.svelte.js';
import { PipelineStore } from './pipeline.svelte.js';
import { PresenceStore } from './presence.svelte.js';
import { ProvisioningStore } from './provisioning.svelte.js';
import { PublishStore } from './publish.svelte.js';
import { RecorderStore } from './recorder.svelte.js';
import { RegistryStore } from './registry.svelte.js';
import { RetainedStore } from './retained.svelte.js';
import { Router } from './router.svelte.js';
import { RulesStore } from './rules.svelte.js';
import { ScenariosStore } from './scenarios.svelte.js';
import { ShadowsStore } from './shadows.svelte.js';
import { SinkActionsStore } from './sink-actions.svelte.js';
import { SinksStore } from './sinks.svelte.js';
import { SqlStore } from './sql.svelte.js';
import { StreamsStore } from './streams.svelte.js';
import { ThemeStore } from './theme.svelte.js';
import { TopicsStore } from './topics.svelte.js';
import { TrafficStore } from './traffic.svelte.js';

/**
 * Every store of the app, made once from the one client; views read them with `useStores()` and never see the
 * client. A store for another contract area is a class in its own file here, added below. A store whose work only
 * one view needs (polling, a live subscription) offers `watch(): () => void`, which that view calls in an `$effect`,
 * so nothing runs for a view that is not open.
 */
export function createStores(client: ThingbenchClient, connection: Connection) {
  const conn = new ConnectionStore(client, connection);
  const targets = new TargetsStore(client, conn);
  return {
    connection: conn,
    router: new Router(),
    theme: new ThemeStore(),
    traffic: new TrafficStore(client),
    topics: new TopicsStore(client, conn),
    pipeline: new PipelineStore(client, conn),
    logs: new LogsStore(client, conn),
    awsNotices: new AwsNoticesStore(client),
    shadows: new ShadowsStore(client, conn),
    detail: new DetailStore(client, conn),
    chart: new ChartStore(client, conn),
    publish: new PublishStore(client),
    retained: new RetainedStore(client, conn),
    exporter: new ExportStore(client, conn),
    presence: new PresenceStore(client, conn),
    clients: new ClientsStore(client, conn),
    adapters: new AdaptersStore(client, conn),
    rules: new RulesStore(client, conn),
    sinks: new SinksStore(client, conn),
    sinkActions: new SinkActionsStore(client),
    functions: new FunctionsStore(client, conn),
    registry: new RegistryStore(client, conn),
    labs: new LabsStore(client, conn, targets),
    targets,
    cost: new CostStore(client, conn),
    sql: new SqlStore(client, conn),
    devices: new DevicesStore(client, conn),
    scenarios: new ScenariosStore(client, conn),
    recorder: new RecorderStore(client, conn),
    jobs: new JobsStore(client, conn),
    provisioning: new ProvisioningStore(client, conn),
    commands: new CommandsStore(client, conn),
    streams: new StreamsStore(client, conn),
    control: new ControlStore(client, conn),
    deviceTokens: new DeviceTokensStore(client, conn),
    delivery: new DeliveryStore(client, conn),
  };
}

export type Stores = ReturnType<typeof createStores>;
