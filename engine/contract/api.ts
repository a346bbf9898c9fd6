import type { EngineApi, MeteringApi, LogsApi, PipelineApi } from './api/engine-api.js';
import type { BrokerApi } from './api/broker-api.js';
import type { ShadowApi } from './api/shadow-api.js';
import type { RulesApi } from './api/rules-api.js';
import type { SecurityApi } from './api/security-api.js';
import type { RegistryApi } from './api/registry-api.js';
import type { JobsApi, CommandsApi, ProvisioningApi, StreamsApi } from './api/jobs-api.js';
import type { ControlApi, DeliveryApi, AdaptersApi } from './api/control-api.js';
import type { SinksApi } from './api/sinks-api.js';
import type { FunctionsApi } from './api/functions-api.js';
import type { DevicesApi } from './api/devices-api.js';
import type { ScenariosApi } from './api/scenarios-api.js';
import type { TargetsApi, LabsApi } from './api/labs-api.js';
import type { ControlAnswered } from './control-types.js';
import type { DeliveryChanged } from './delivery-types.js';
import type { FleetInfo } from './device-types.js';
import type { JobsChanged } from './job-types.js';
import type { LabCheckReport } from './lab-types.js';
import type { PipelineUpdated } from './pipeline-types.js';
import type { RegistryChanged } from './registry-types.js';
import type { RulesEvaluated } from './rules-types.js';
import type { ScenarioStepEvent } from './scenario-types.js';
import type { ShadowUpdated } from './shadow-types.js';
import type { SinkNotified, SinkRecorded } from './sink-types.js';
import type { ActivityBatch, LogRecord, MessageBatch } from './types.js';

export type {
  EngineApi, MeteringApi, LogsApi, PipelineApi, BrokerApi, ShadowApi, RulesApi, SecurityApi, RegistryApi, JobsApi, CommandsApi,
  ProvisioningApi, StreamsApi, ControlApi, DeliveryApi, AdaptersApi, SinksApi, FunctionsApi, DevicesApi, ScenariosApi, TargetsApi, LabsApi,
};

/** The only API the renderer knows (ARCHITECTURE §4). Methods are `area.verb`. */
export interface ThingbenchApi {
  engine: EngineApi;
  broker: BrokerApi;
  metering: MeteringApi;
  logs: LogsApi;
  pipeline: PipelineApi;
  shadow: ShadowApi;
  rules: RulesApi;
  security: SecurityApi;
  registry: RegistryApi;
  jobs: JobsApi;
  control: ControlApi;
  commands: CommandsApi;
  delivery: DeliveryApi;
  adapters: AdaptersApi;
  provisioning: ProvisioningApi;
  streams: StreamsApi;
  sinks: SinksApi;
  functions: FunctionsApi;
  devices: DevicesApi;
  scenarios: ScenariosApi;
  targets: TargetsApi;
  labs: LabsApi;
}

/** Push events: `area.pastTense`. */
export interface ThingbenchEvents {
  'broker.messages': MessageBatch;
  /** The clients' connections and subscriptions, batched (at most 4 times a second, 500 per batch). */
  'broker.activity': ActivityBatch;
  'logs.appended': LogRecord[];
  /** Pipeline counts that changed (at most 4 times a second), with the whole graph when its structure changed. */
  'pipeline.updated': PipelineUpdated;
  'shadow.updated': ShadowUpdated;
  'rules.evaluated': RulesEvaluated;
  /** New sink records, batched (at most 4 times a second, 500 per batch; read the rest with `sinks.records`). */
  'sinks.recorded': SinkRecorded[];
  /** A notification topic's `desktop` subscription fired: show it as a desktop notification. */
  'sinks.notified': SinkNotified;
  /** Fleets whose counters or state changed, batched (at most 4 times a second). */
  'devices.status': FleetInfo[];
  /** A scenario run's progress: run and step started and finished, logs, cleanup. */
  'scenarios.step': ScenarioStepEvent;
  /** A lab's checks whenever one changes status (started labs on the engine are re-checked as things change). */
  'labs.checked': LabCheckReport;
  /** Things, types, groups, certificates or policies changed (at most 4 times a second): read them again. */
  'registry.changed': RegistryChanged;
  /** A device answered a command sent with `control.send` (or the HTTP API, a function, a scenario step). */
  'control.answered': ControlAnswered;
  /** Jobs whose status or whose executions' status changed (at most 4 times a second): read them again. */
  'jobs.changed': JobsChanged;
  /** Delivery mappings or stored events changed (stored events: at most 4 times a second): read them again. */
  'delivery.changed': DeliveryChanged;
}

/** Method names per area, so both ends can check a call's name without reflection. */
export const apiMethods = {
  engine: ['info'],
  broker: ['topics', 'topicTable', 'topicStats', 'messages', 'message', 'series', 'retained', 'deleteRetained', 'events', 'export', 'publish', 'clients'],
  metering: ['usage', 'cost'],
  logs: ['recent'],
  pipeline: ['graph'],
  shadow: ['list', 'get', 'update', 'delete', 'history'],
  rules: ['list', 'get', 'put', 'delete', 'enable', 'disable', 'check', 'test', 'metrics', 'trace'],
  jobs: ['list', 'describe', 'executions', 'cancel', 'cancelExecution', 'templates'],
  commands: ['list', 'executions'],
  control: ['send', 'pending'],
  delivery: ['list', 'put', 'delete', 'stored'],
  adapters: ['stats'],
  provisioning: ['templates', 'template', 'tasks'],
  streams: ['list'],
  registry: ['things', 'thing', 'thingTypes', 'groups', 'groupThings', 'principals', 'search', 'searchFields', 'createThing', 'deleteThing', 'attachPrincipal', 'detachPrincipal', 'createThingType', 'createGroup', 'addThingToGroup', 'removeThingFromGroup', 'setDeviceToken', 'deleteDeviceToken', 'deviceTokens'],
  sinks: ['list', 'create', 'delete', 'records', 'queueCounts', 'send', 'receive', 'deleteMessage', 'purge', 'subscriptions', 'subscribe', 'unsubscribe', 'publish', 'buckets', 'objects', 'object', 'query'],
  functions: ['list', 'get', 'invoke', 'invocations', 'create', 'update', 'delete'],
  security: ['certificates', 'policies', 'denials', 'testAuthorization', 'putPolicy', 'createCertificate', 'setCertificateStatus', 'deleteCertificate', 'attachPolicy', 'detachPolicy', 'policyVersions', 'setDefaultPolicyVersion', 'deletePolicyVersion', 'caCertificates', 'registrationCode', 'registerCaCertificate', 'updateCaCertificate', 'deleteCaCertificate'],
  devices: ['models', 'start', 'list', 'stop', 'fault', 'members', 'log'],
  scenarios: ['validate', 'run', 'runs', 'cancel', 'files', 'schema', 'replay', 'stopReplay'],
  targets: ['list', 'put', 'delete', 'test'],
  labs: ['list', 'get', 'start', 'check', 'solve', 'reset', 'solution', 'fault'],
} as const satisfies { [A in keyof ThingbenchApi]: readonly (keyof ThingbenchApi[A])[] };

export type MethodName = { [A in keyof typeof apiMethods]: `${A}.${(typeof apiMethods)[A][number]}` }[keyof typeof apiMethods];

export function isMethodName(name: string): name is MethodName {
  const [area, verb, ...rest] = name.split('.');
  if (rest.length) return false;
  const verbs = (apiMethods as Record<string, readonly string[]>)[area];
  return verbs !== undefined && Object.hasOwn(apiMethods, area) && verbs.includes(verb);
}
