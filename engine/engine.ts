import type { EngineInfo, JsonObject, JsonValue, PublishInput, ThingbenchApi, ThingbenchEvents } from './contract/index.js';
import type { SqlValue } from './rules/sql/index.js';
import { EngineError, engineWebGuard, silentLogger, systemClock, TypedEmitter, type Clock, type Logger, type Service } from './core/index.js';
import { SqlJsStore, type Store } from './storage/index.js';
import { BrokerService, fromMessageProperties } from './broker/index.js';
import { ShadowService, parseUpdateDocument, shadowApi } from './shadow/index.js';
import { RulesService, rulesApi } from './rules/index.js';
import { ReservedTopicService } from './reserved-topics/index.js';
import { CommandsService, commandsApi } from './commands/index.js';
import { ControlService, controlApi } from './control/index.js';
import { DeliveryService, deliveryApi } from './delivery/index.js';
import { FleetProvisioningService, type TemplatePort } from './fleet-provisioning/index.js';
import { RegistryService, registryApi } from './registry/index.js';
import { RegistryChanges } from './registry-changes.js';
import { DEFAULT_FIREHOSE_BUCKET, SinkService, sinksApi, tableStreamArn, tableStreamRecord, tableStreamShardId } from './sinks/index.js';
import { FunctionsService, functionsApi, type FunctionSdkHost, type FunctionLogSink, type FunctionLogReader, type FunctionResult, type MappingStreams } from './functions/index.js';
import { dynamodbService, dynamodbStreamsService, HttpApiService, withResourceTags, type Route, iotCommandRoutes, iotJobsDataRoutes, iotJobsRoutes, iotProvisioningRoutes, iotFleetProvisioningRoutes, iotStreamRoutes, signerRoutes, acmService, kinesisService, firehoseService, iamService, snsLinkRoutes, logsService, cloudwatchService, snsService, sqsService, stsService } from './api/index.js';
import { adaptersApi, CoapService, controlRoutes, DeviceHttpsEndpoint, iotControlJobTemplateRoutes } from './api/index.js';
import { IamService } from './iam/index.js';
import { JobsService, JobTemplates, jobsApi, type JobsPort, type JobTargets } from './jobs/index.js';
import { JobChanges, JobRollouts, checkedPolicies, prepareJob, readDocumentSource, templateSourceOf } from './jobs/index.js';
import { SecurityService, encodeName, securityApi, type ThingLookup } from './security/index.js';
import { DevicesService, devicesApi } from './devices/index.js';
import { needsRegistration, registerDevices, ScenariosService, scenariosApi, targetsApi } from './scenarios/index.js';
import { LabsService, labsApi } from './labs/index.js';
import { PipelineService } from './pipeline/index.js';
import { localDeviceTarget } from './local-device-target.js';
import type { EngineConfig } from './config.js';
import type { Engine } from './engine-types.js';
import { exportLines } from './history-export.js';
import { LogBuffer } from './log-buffer.js';
import { ObjectService } from './objects/index.js';
import { StreamService, streamsApi } from './streams/index.js';
import { ProvisioningService, provisioningApi } from './provisioning/index.js';
import { SignerService } from './signer/index.js';
import { portError, probePorts, type WantedPort } from './port-probe.js';
import { VERSION as version } from './version.js';
import { CostService, RequestMeter } from './metering/index.js';
import { meteredRoutes, meteredS3, meteredService } from './service-metering.js';

export type { Engine } from './engine-types.js';


export interface EngineOptions {
  clock?: Clock;
  /** Where log lines go besides the UI's log view (the CLI passes stderr). */
  logger?: Logger;
  /** Test hooks: shorter broker timeouts. */
  broker?: { connectTimeoutMs?: number; drainTimeoutMs?: number };
  /** Test hook: the longest the CloudWatch alarm timer sleeps (ms), so a fake clock moved forward is noticed soon. */
  alarmCheckMs?: number;
}

/** The composition root (ARCHITECTURE §3): the only place that creates services. Nothing listens until `start()`. */
export async function createEngine(config: EngineConfig, opts: EngineOptions = {}): Promise<Engine> {
  const clock = opts.clock ?? systemClock;
  const events = new TypedEmitter<ThingbenchEvents>();
  const logs = new LogBuffer(events, opts.logger ?? silentLogger);
  const store = await SqlJsStore.open(config.dataDir, { logger: logs });
  // Host and Origin admission shared by the HTTP API and the MQTT-over-WebSocket listeners (ARCHITECTURE §6a).
  const guard = engineWebGuard({ host: config.host, hostNames: config.security.hostNames, allowOrigins: config.security.allowOrigins });
  // IAM and STS records (stored, not enforced); STS sessions' temporary credentials sign HTTP requests off loopback.
  const iam = new IamService(store, clock);
  // `--require-roles`: Lambda, Firehose and AWS IoT refuse a role of the engine's account they could not assume.
  const requireRoles = config.iam?.requireRoles === true;
  const security = new SecurityService(store, clock, {
    dataDir: config.dataDir, host: config.host, hostNames: config.security.hostNames, plain: config.security.plain, accessKeys: config.security.accessKeys, logger: logs,
    temporaryKey: (id) => iam.sessions.any(id),
  });
  // Telemetry and events: the broker asks it each message's class; it delivers kept events through the broker.
  const delivery = new DeliveryService(store, clock, { broker: (): BrokerService => broker, logger: logs });
  const broker: BrokerService = new BrokerService(store, {
    mode: config.broker.mode,
    limits: config.broker.limits,
    host: config.host,
    ports: { mqtt: config.ports.mqtt, ws: config.ports.ws, mqtts: config.ports.mqtts, wss: config.ports.wss },
    historySize: config.broker.historySize,
    historyPerTopic: config.broker.historyPerTopic,
    // The hooks are made lazily: the CA and stores exist once the security service has started (it starts first).
    security: security.lazyBrokerHooks(), delivery: delivery.brokerHooks(), plainListeners: config.security.plain === 'off' ? 'off' : 'on', webGuard: guard,
    ...opts.broker,
  }, logs, () => clock.now());
  // The services tap the broker, which catches, logs and counts a tap that throws: it never breaks a publish.
  const shadow = new ShadowService(store, broker, clock, { historySize: config.shadow.historySize, limits: config.shadow.limits, logger: logs });
  const reserved = new ReservedTopicService(broker, clock, logs);
  const registry = new RegistryService(store, broker, shadow, clock, {
    logger: logs, principals: { principalExists: (p) => security.principalExists(p) },
    publishEvent: (topic, body) => void broker.publish({ topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false }).catch((e: unknown) => logs.log('warn', 'registry', `registry event on ${topic} not published: ${String(e)}`)),
  });
  // AWS IoT Jobs: targets from the registry, events gated by UpdateEventConfigurations, replies to the requester.
  const jobs: JobsService = new JobsService(store, jobTargets(registry), jobsPort(broker, logs), clock, {
    logger: logs, eventsEnabled: (kind) => registry.eventConfig.isEnabled(kind),
    // Rollout policies (engine/jobs/job-rollouts.ts): rates, presigned URLs, job templates and documents from the local S3.
    admit: (job, things) => rollouts.admit(job, things), shown: (job) => rollouts.shown(job), deadline: (job, before, after) => rollouts.deadline(job, before, after),
    prepare: (input) => prepareJob(input, jobTemplates), checkPolicies: (patch) => void checkedPolicies(patch),
    documentFromSource: async (source) => readDocumentSource(objects, source),
  });
  security.useThings(registryThings(registry));
  // Command & control: MQTT things get requests on their command topics, the others when they next ask (`hono-ttd`).
  const mqttConnected = (thing: string) => broker.connectionOf(thing) === 'mqtt';
  const control = new ControlService(broker, clock, {
    logger: logs, connection: (thing) => broker.connectionOf(thing), thingExists: (name) => registry.findThing(name) !== undefined,
    record: (msg, clientId) => broker.record(msg, clientId),
  });
  // AWS IoT Commands: executions on things of the registry or on MQTT clients, answered over the broker, or for a
  // thing with no MQTT connection by command & control when it next asks.
  const commands = new CommandsService(store, broker, clock, {
    thingExists: (name) => registry.findThing(name) !== undefined, logger: logs,
    askingDevices: (thing, cmd) => (mqttConnected(thing) ? undefined : control.send({ thing, ...cmd })),
  });
  security.usePublisher((topic, payload) => broker.publish({ topic, payload, qos: 1, retain: false }));
  const shadows = shadowReader(shadow);
  // The HTTP API's base URL once it listens (`http://127.0.0.1:8080`): SNS links and the functions' AWS_ENDPOINT_URL.
  const httpUrl = (): string | undefined => (http.port ? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${http.port}` : undefined);
  // Functions and sinks need each other (a function reads a table; a stream consumer is a function): the functions
  // reach the sinks through typed thunks, called only once the engine has started.
  const functions = new FunctionsService({
    dataDir: config.dataDir, logger: logs, clock, sdk: functionSdk(broker, shadows, () => sinks, logs, controlApi(control)), logs: functionLogs(() => sinks), queues: () => sinks.queues,
    streams: () => mappingStreams(sinks),
    endpoint: () => httpUrl(),
    credentials: (name, role) => iam.functionCredentials(name, role),
    ...(requireRoles ? { roleAssumable: (role: string) => iam.canAssume(role, 'lambda.amazonaws.com') } : {}),
  });
  // Fleet provisioning by claim: devices' requests on `$aws/certificates/…` and `$aws/provisioning-templates/…`,
  // answered to the requesting connection only; a template's pre-provisioning hook runs on the local functions.
  const fleetProvisioning = new FleetProvisioningService({
    broker, certificates: () => security.certificates, templates: () => fleetTemplates(provisioning), clock, logger: logs,
    grantImplicitPolicy: (id, name, document) => security.grantImplicitPolicy(id, name, document),
    functions: {
      resolveName: (ref) => functions.resolveName(ref),
      invoke: async (name, event) => {
        const r = await functions.invoke(name, event);
        return r.ok ? { ok: true, result: r.result } : { ok: false, error: r.error };
      },
    },
  });
  // The local S3: its own buckets and objects, and where Firehose delivers.
  const objects = new ObjectService(store, clock, { dataDir: config.dataDir, logger: logs });
  // AWS IoT streams: files in the local S3 that devices fetch block by block over MQTT.
  const streams = new StreamService(store, clock, objects, broker, logs);
  const provisioning = new ProvisioningService(store, clock, { logger: logs, registry, security, objects, publicUrl: () => httpUrl() });
  security.useProvisioner((cert, id, registrationConfig) => provisioning.provisionJustInTime(cert, id, registrationConfig));
  // Code signing (AWS Signer): signing certificates issued by the engine's root CA, files signed in the local S3.
  const signer = new SignerService(store, clock, objects, (cn, spki) => security.ca.issue(encodeName([['O', 'Thingbench'], ['CN', cn]]), spki).toString());
  const sinks: SinkService = new SinkService(store, clock, {
    dataDir: config.dataDir, logger: logs, objects, publish: (msg) => broker.publish(msg, { origin: 'client' }),
    // Kinesis consumers and Firehose transforms run on the local functions.
    functions: { invoke: async (name: string, event: unknown): Promise<unknown> => functionResult(await functions.invoke(name, event)) },
    webhookHosts: config.sinks?.webhookHosts ?? [], ttlSweepMs: config.sinks?.ttlSweepMs, alarmCheckMs: opts.alarmCheckMs,
    // SNS's SubscribeURL, UnsubscribeURL and SigningCertURL point at the HTTP API once it listens.
    publicUrl: () => httpUrl(),
  });
  const rules = new RulesService(store, broker, {
    dataDir: config.dataDir, logger: logs, clock, shadows, functions, actionDeps: { sinks, objects }, captured: (id) => broker.message(id),
    ...(requireRoles ? { roleAssumable: (role: string) => iam.canAssume(role, 'iot.amazonaws.com') } : {}),
  });
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
  // AWS services on the same endpoint, routed by credential scope and X-Amz-Target (api/http/protocols): one line each.
  const requests = new RequestMeter();
  const services = [
    stsService(iam),
    iamService(iam),
    snsService(sinks.topics),
    dynamodbService({
      create: (kind, name, options) => sinks.create(kind, name, options), delete: (kind, name) => sinks.delete(kind, name),
      list: (kind) => sinks.list(kind), sizeBytes: (table) => sinks.tables.sizeBytes(table),
      setOptions: (table, patch) => sinks.tables.setOptions(table, patch), items: sinks.dynamodb,
      indexStats: (table) => sinks.tables.indexStats(table), addIndex: (table, index) => sinks.tables.addIndex(table, index),
      removeIndex: (table, name) => sinks.tables.removeIndex(table, name), setIndexThroughput: (table, name, t) => sinks.tables.setIndexThroughput(table, name, t),
      setTimeToLive: (table, attribute) => sinks.tables.setTimeToLive(table, attribute),
      tags: sinks.tags,
    }),
    dynamodbStreamsService({ list: (kind) => sinks.list(kind), changes: (table, after, limit) => sinks.tables.changes(table, after, limit), latestChange: (table) => sinks.tables.latestChange(table) }, clock),
    sqsService(sinks),
    kinesisService({ create: (kind, name, options) => sinks.create(kind, name, options), delete: (kind, name) => sinks.delete(kind, name), list: (kind) => sinks.list(kind), streams: sinks.streams, tags: sinks.tags }, clock),
    firehoseService({
      create: (kind, name, options) => sinks.create(kind, name, options), delete: (kind, name) => sinks.delete(kind, name), list: (kind) => sinks.list(kind), firehose: sinks.firehose, tags: sinks.tags,
      ...(requireRoles ? { roleAssumable: (role: string) => iam.canAssume(role, 'firehose.amazonaws.com') } : {}),
    }),
    logsService(sinks.logs),
    cloudwatchService({ cloudwatch: sinks.cloudwatch, alarms: sinks.alarms, list: (kind) => sinks.list(kind), tags: sinks.tags }),
    // ACM: signing certificates for code signing (imported, or made by the engine for a signing profile).
    acmService(signer),
  ];
  // Job templates (CreateJobTemplate, …); CreateJob takes its defaults from them.
  const jobTemplates = new JobTemplates(store, clock, objects, () => templateSourceOf(jobs));
  // Rollout rates, aborts, timeouts, retries and presigned URLs, swept on the engine's clock.
  const rollouts: JobRollouts = new JobRollouts(() => jobs, clock, {
    logger: logs,
    presigner: { endpoint: () => httpUrl(), key: () => config.security.accessKeys[0] ?? { accessKeyId: 'thingbench-local', secretAccessKey: 'thingbench-local' }, now: () => clock.now() },
  });
  // Jobs, job templates, commands and provisioning templates keep their tags with the registry's (ListTagsForResource).
  const tagged = (routes: Route[]) => withResourceTags(routes, registry.tags);
  const http = new HttpApiService({
    broker, shadow, rules, registry, security, services: services.map((s) => meteredService(s, requests)), routes: [...snsLinkRoutes(sinks.topics), ...tagged(iotJobsRoutes(jobs, () => clock.now())), ...iotJobsDataRoutes(jobs.device, () => clock.now()), ...iotStreamRoutes(streams), ...signerRoutes(signer), ...tagged(iotProvisioningRoutes(provisioning)), ...iotFleetProvisioningRoutes(fleetProvisioning), ...tagged(iotCommandRoutes(commands)),
      ...tagged(iotControlJobTemplateRoutes(jobTemplates)), ...controlRoutes(control)],
    taggable: {
      job: (id) => !!jobs.job(id), jobtemplate: (id) => !!jobTemplates.describe(id), command: (id) => !!commands.commands.get(id),
      provisioningtemplate: (name) => provisioning.templates.row(name) !== undefined,
    }, lambda: functions, objects,
    limits: config.broker.limits, host: config.host, port: config.ports.http, logger: logs, guard, wrapRoutes: (routes) => meteredRoutes(routes, requests), onS3Request: meteredS3(requests),
  });
  // HTTPS devices, as on AWS IoT's port 8443: the wss listener's requests that are not WebSocket upgrades.
  const deviceHttps = new DeviceHttpsEndpoint({ broker, security, shadows: shadow, commands: control, limits: config.broker.limits, logger: logs });
  // What the traffic would cost at AWS list prices: the services' counters, read when asked.
  const metering = new CostService(() => {
    const usage = broker.usage();
    return {
      usage, shadows: shadow.operationUsage(), rules: rules.usage(), functions: functions.usage(),
      requests: (id) => requests.get(id), kinesisShardHours: shardHours(sinks, usage.since, clock.now()),
    };
  }, clock);
  broker.events.on('messages', (batch) => events.emit('broker.messages', batch));
  broker.events.on('activity', (batch) => events.emit('broker.activity', batch));
  delivery.events.on('changed', (e) => events.emit('delivery.changed', e));
  shadow.events.on('updated', (update) => events.emit('shadow.updated', update));
  rules.events.on('evaluated', (batch) => events.emit('rules.evaluated', batch));
  sinks.events.on('recorded', (batch) => events.emit('sinks.recorded', batch));
  sinks.events.on('notified', (n) => events.emit('sinks.notified', n));
  control.events.on('answered', (a) => events.emit('control.answered', a));
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
  const scenarios = new ScenariosService({
    dataDir: config.dataDir, logger: logs,
    target: () => ({ ...deviceTarget.target(), api: engine.api, events: engine.events, engine }),
  });
  scenarios.events.on('step', (e) => events.emit('scenarios.step', e));
  // Labs run against the engine itself too; a started lab is re-checked on its events.
  const labs = new LabsService({
    dataDir: config.dataDir, logger: logs, labDirs: config.labs?.dirs,
    target: () => ({ ...deviceTarget.target(), api: engine.api, events: engine.events, engine }),
  });
  labs.events.on('checked', (report) => events.emit('labs.checked', report));
  labs.events.on('step', (e) => events.emit('scenarios.step', e));
  // CoAP devices (UDP, loopback unless --coap-host with --coap-insecure): each request as its thing, by its device token.
  const coap = new CoapService({
    verifyToken: (thing, token) => registry.deviceTokens.verify(thing, token),
    deviceGuard: ({ thing, tokenId, remoteAddress }) => security.deviceGuard({ clientId: thing, transport: 'coap', remoteAddress, thing, principal: tokenId }),
    openSession: ({ thing, remoteAddress, guard }) => broker.openDeviceSession({ clientId: thing, protocol: 'coap', remoteAddress, guard }),
    commands: control, maxPayloadBytes: () => config.broker.limits.maxPayloadBytes,
  }, {
    host: config.coap?.host ?? '127.0.0.1', port: config.ports.coap, insecure: config.coap?.insecure === true,
    requestsPerSecond: config.coap?.requestsPerSecond ?? 2000, burst: config.coap?.burst, logger: logs,
  });
  const registryChanges = new RegistryChanges(registry, security, (e) => events.emit('registry.changed', e));
  const jobChanges = new JobChanges(jobs.events, (e) => events.emit('jobs.changed', e));
  const engine: ComposedEngine = new ComposedEngine(config, store, [security, delivery, broker, shadow, reserved, registry, commands, control, jobs, rollouts, registryChanges, jobChanges, objects, streams, signer, provisioning, sinks, functions, fleetProvisioning, rules, http, deviceHttps, coap, pipeline, devices, scenarios, labs, metering], broker, http, events, logs, {
    pipeline: { graph: async () => pipeline.graph() },
    metering: { usage: async () => broker.usage(), cost: async () => metering.cost() },
    shadow: shadowApi(shadow), registry: registryApi(registry), jobs: jobsApi(jobs, jobTemplates), streams: streamsApi(streams), commands: commandsApi(commands), control: controlApi(control), delivery: deliveryApi(delivery), adapters: adaptersApi(coap, deviceHttps, () => engine.info().endpoints.https), provisioning: provisioningApi(provisioning), sinks: sinksApi(sinks, objects), functions: functionsApi(functions, functionLogReader(sinks)), rules: rulesApi(rules), security: securityApi(security),
    devices: devicesApi(devices), scenarios: scenariosApi(scenarios), labs: labsApi(labs), targets: targetsApi(config.dataDir),
  });
  return engine;
}

class ComposedEngine implements Engine {
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
    areas: Pick<ThingbenchApi, 'metering' | 'targets' | 'pipeline' | 'shadow' | 'registry' | 'jobs' | 'commands' | 'control' | 'delivery' | 'adapters' | 'provisioning' | 'streams' | 'sinks' | 'functions' | 'rules' | 'security' | 'devices' | 'scenarios' | 'labs'>,
  ) {
    this.api = {
      engine: { info: async () => this.info() },
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
      ...areas,
    };
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

/** The shadow service as the rules see it: a synchronous read for `get_thing_shadow()` and updates for functions. */
function shadowReader(shadow: ShadowService) {
  return {
    getThingShadow(thing: string, name: string | null) {
      try {
        return shadow.get({ thing, name }) as unknown as SqlValue;
      } catch (e) {
        if (e instanceof EngineError && e.code === 'NotFound') return undefined;
        throw e;
      }
    },
    update: (thing: string, document: unknown, name: string | null) => shadow.update({ thing, name }, parseUpdateDocument(document as JsonValue)),
  };
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

function toPublish(msg: PublishInput) {
  if (!msg || typeof msg.topic !== 'string' || typeof msg.payload !== 'string') throw new EngineError('InvalidInput', 'publish needs a topic and a payload string');
  const qos = msg.qos ?? 0;
  if (qos !== 0 && qos !== 1) throw new EngineError('InvalidInput', 'qos must be 0 or 1');
  const payload = Buffer.from(msg.payload, msg.encoding === 'base64' ? 'base64' : 'utf8');
  const properties = fromMessageProperties(msg.properties);
  const out = { topic: msg.topic, payload, qos: qos as 0 | 1, retain: msg.retain === true };
  return properties ? { ...out, properties } : out;
}

/** The registry as the jobs see it: things, groups (child groups included) and, when reported, membership changes. */
function jobTargets(registry: RegistryService): JobTargets {
  return {
    thingExists: (name) => registry.findThing(name) !== undefined,
    groupExists: (name) => {
      try {
        return !!registry.groups.describe(name);
      } catch {
        return false;
      }
    },
    groupMembers: (name) => registry.groups.things(name, true).items,
    onMembership: (listener) => registry.groups.events.on('membership', (c) => listener([c])),
    onThingDeleted: (listener) => registry.events.on('changed', (e) => {
      if (e.kind === 'thing' && e.operation === 'deleted') listener(e.name);
    }),
  };
}

/** How the jobs reach the broker: the device topics' tap, notices as engine publishes, replies to the requester. */
function jobsPort(broker: BrokerService, logger: Logger): JobsPort {
  const send = (topic: string, payload: Buffer, qos: 0 | 1) => broker.publish({ topic, payload, qos, retain: false })
    .catch((e: Error) => logger.log('warn', 'jobs', `could not publish ${topic}: ${e.message}`));
  return {
    tap: (filter, handler) => broker.tap(filter, handler),
    publish: (topic, body) => void send(topic, Buffer.from(JSON.stringify(body)), 1),
    // AWS answers the requester alone, not through the broker; a request of the engine's own (the UI) is published.
    reply: (clientId, topic, payload, qos) => {
      if (clientId === null) void send(topic, payload, qos);
      else broker.deliverTo(clientId, { topic, payload, qos });
    },
  };
}

/** The registry as the security service sees it: principal attachments, thing attributes and groups (policy variables). */
function registryThings(registry: RegistryService): ThingLookup {
  let changes = 0;
  registry.events.on('changed', () => changes++);
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  return {
    thingsOf: (principal) => registry.thingsForPrincipal(principal, 1000).items,
    thing: (name) => {
      const t = registry.findThing(name);
      return t && { thingTypeName: t.type ?? undefined, attributes: t.attributes };
    },
    groupsOf: (name) => attempt(() => registry.groups.groupsOf(name, 100).items.flatMap((g) => [g.name, ...g.rootToParent]), []),
    groupExists: (name) => attempt(() => !!registry.groups.describe(name), false),
    groupIsDynamic: (name) => registry.groups.isDynamic(name),
    principalsOf: (name) => attempt(() => registry.listPrincipals(name, 1000).items, []),
    changes: () => changes,
  };
}

/** What a running function's local SDK reaches: the broker (as the user's code), shadows, notifications, tables. */
function functionSdk(broker: BrokerService, shadows: ReturnType<typeof shadowReader>, sinks: () => SinkService, logger: Logger, control: ThingbenchApi['control']): FunctionSdkHost {
  return {
    publish: (msg) => broker.publish(msg, { origin: 'client' }),
    getShadow: (thing, name) => {
      const doc = shadows.getThingShadow(thing, name);
      if (doc === undefined) throw new Error(`No shadow exists with name: '${name ? `${thing}~${name}` : thing}'`);
      return doc;
    },
    updateShadow: (thing, document, name) => shadows.update(thing, document, name),
    notify: (fn, message, subject) => logger.log('info', 'functions', subject ? `${fn}: ${subject}: ${message}` : `${fn}: ${message}`, { notify: true, function: fn }),
    getItem: (table, key) => sinks().tables.get(table, key as JsonObject) ?? null,
    sendCommand: (input) => control.send(input),
  };
}

/** Function logs go to the CloudWatch Logs groups `/aws/lambda/<name>`, created on first write as Lambda does. */
/** A function's log group read back for the UI's recent invocations (none yet: no events). */
function functionLogReader(sinks: SinkService): FunctionLogReader {
  return (group, limit) => {
    if (!sinks.list('log').some((s) => s.name === group)) return [];
    return sinks.logs.records(group, { limit }).map((r) => {
      const d = r.data as { logStream: string; timestamp: number; message: string };
      return { time: d.timestamp, stream: d.logStream, message: d.message };
    });
  };
}

function functionLogs(sinks: () => SinkService): FunctionLogSink {
  return {
    write: (group, stream, events) => sinks().logs.append(group, stream, events, { createGroup: true }),
  };
}

/** Kinesis streams and tables' change feeds as Lambda's stream event sources read them, in process; queues and topics for their failed batches. */
function mappingStreams(sinks: SinkService): MappingStreams {
  const streamTable = (arn: string) => sinks.list('table').find((t) => (t.options as { streamViewType?: string }).streamViewType && tableStreamArn(t) === arn);
  return {
    kinesis: {
      shards: (stream) => sinks.streams.shards(stream).map((s) => s.shardId),
      retentionMs: (stream) => (sinks.target('stream', stream).options.retentionHours as number) * 3_600_000,
      iterator: (stream, shard, type, opts) => sinks.streams.iterator(stream, shard, type, opts),
      read: (iterator, limit) => sinks.streams.read(iterator, limit),
    },
    dynamodb: {
      stream: (arn) => {
        const info = streamTable(arn);
        return info ? { table: info.name, shardId: tableStreamShardId(info) } : undefined;
      },
      records: (table, after, limit) => {
        const view = (sinks.target('table', table).options as { streamViewType?: string }).streamViewType;
        if (!view) return [];
        return sinks.tables.changes(table, after, limit).map((c) => ({ seq: c.seq, time: c.time, record: tableStreamRecord(c, view) }));
      },
      latestChange: (table) => sinks.tables.latestChange(table),
    },
    onAppend: (listener) => sinks.onAppend(listener),
    queueExists: (queue) => sinks.queues.has(queue),
    topicExists: (topic) => sinks.list('notify').some((t) => t.name === topic),
    sendMessage: async (queue, body) => { await sinks.queues.send(queue, body); },
    publish: async (topic, message) => { await sinks.topics.publish(topic, message); },
  };
}

/**
 * A local function's result for the sinks, which treat a failed invocation as an error: an EngineError whose
 * `details.reason` says why (`NotFound`, `Busy`, `Threw`, `Timeout`, …), so Firehose can name Lambda's error.
 */
function functionResult(r: FunctionResult): unknown {
  if (!r.ok) {
    const code = r.kind === 'NotFound' ? 'NotFound' : r.kind === 'Busy' ? 'Throttled' : 'Internal';
    throw new EngineError(code, r.error, { reason: r.kind, errorType: r.errorBody.errorType });
  }
  return r.result;
}

/** RegisterThing's view of the provisioning templates: a template by name (undefined when there is none), and provision. */
function fleetTemplates(provisioning: ProvisioningService): TemplatePort {
  return {
    template: (name) => {
      try {
        const t = provisioning.templates.describe(name);
        return { name: t.name, arn: t.arn, type: t.type, enabled: t.enabled, preProvisioningHook: t.preProvisioningHook };
      } catch (e) {
        if (e instanceof EngineError && e.code === 'NotFound') return undefined;
        throw e;
      }
    },
    provision: (name, parameters, context) => provisioning.provision(name, parameters, context),
  };
}
