import { sinkKinds, type MethodName } from '../contract/index.js';

/**
 * Argument checks for every contract method: the rpc edge validates once so services can trust their types
 * (ARCHITECTURE §6). A check returns an error message, or null when the arguments are acceptable.
 * The `satisfies` clause makes a new contract method a compile error here until it gets a check.
 */
type Check = (value: unknown) => string | null;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const string: Check = (v) => (typeof v === 'string' ? null : 'must be a string');
const boolean: Check = (v) => (typeof v === 'boolean' ? null : 'must be a boolean');
const finiteNumber: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number');
const nonNegativeInteger: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'must be a non-negative integer');
const plainObject: Check = (v) => (isPlainObject(v) ? null : 'must be an object');
const oneOf = (...allowed: unknown[]): Check => (v) => (allowed.includes(v) ? null : `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);

/** A plain object with exactly these keys (unknown keys are refused); keys ending in `?` are optional. */
function object(shape: Record<string, Check>): Check {
  const fields = Object.entries(shape).map(([key, check]) => ({ key: key.replace(/\?$/, ''), optional: key.endsWith('?'), check }));
  return (v) => {
    if (!isPlainObject(v)) return 'must be an object';
    const unknown = Object.keys(v).find((k) => !fields.some((f) => f.key === k));
    if (unknown !== undefined) return `has an unknown field "${unknown}"`;
    for (const { key, optional, check } of fields) {
      if (!Object.hasOwn(v, key) || v[key] === undefined) {
        if (optional) continue;
        return `needs the field "${key}"`;
      }
      const problem = check(v[key]);
      if (problem) return `field "${key}" ${problem}`;
    }
    return null;
  };
}

const base64: Check = (v) => (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0 ? null : 'must be base64');
const uint32: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff ? null : 'must be an integer from 0 to 4294967295');
/** User properties as ordered [name, value] pairs. */
const stringPairs: Check = (v) => (Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')
  ? null : 'must be a list of [name, value] string pairs');
/** A message's MQTT 5 properties (contract `MessageProperties`). */
const messageProperties = object({
  'payloadFormatIndicator?': boolean, 'messageExpiryInterval?': uint32, 'contentType?': string, 'responseTopic?': string,
  'correlationData?': base64, 'userProperties?': stringPairs,
});

/** SQS and SNS message attributes by name. */
const messageAttributes: Check = (v) => {
  if (!isPlainObject(v)) return 'must map names to attributes';
  const one = object({ DataType: string, 'StringValue?': string, 'BinaryValue?': base64 });
  for (const [name, a] of Object.entries(v)) {
    const problem = one(a);
    if (problem) return `attribute "${name}" ${problem}`;
  }
  return null;
};

const labRef: Check = (v) => (typeof v === 'string' && v.length > 0 && v.length <= 100 ? null : 'must be a lab id or slug');
const labTarget = object({ 'target?': string, 'attendee?': string });

/** Positional parameters; trailing ones marked optional may be left out (or sent as null by JSON). */
function params(...list: { check: Check; optional?: boolean }[]): (args: unknown[]) => string | null {
  return (args) => {
    if (args.length > list.length) return `takes at most ${list.length} argument(s), got ${args.length}`;
    for (let i = 0; i < list.length; i++) {
      const value = args[i];
      if (value === undefined || value === null) {
        if (list[i].optional) continue;
        return `argument ${i + 1} is required`;
      }
      const problem = list[i].check(value);
      if (problem) return `argument ${i + 1} ${problem}`;
    }
    return null;
  };
}

const positiveInteger: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 1 ? null : 'must be a positive integer');
const stringList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'must be a list of strings');

/** A list whose every item passes `item`. */
const list = (item: Check): Check => (v) => {
  if (!Array.isArray(v)) return 'must be a list';
  for (let i = 0; i < v.length; i++) {
    const problem = item(v[i]);
    if (problem) return `item ${i + 1} ${problem}`;
  }
  return null;
};

/** AWS's RegistrationConfig of a CA certificate. */
const registrationConfig = object({ 'templateBody?': string, 'roleArn?': string, 'templateName?': string });
const stringMap: Check = (v) => (isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string') ? null : 'must map names to strings');

const optional = (check: Check) => ({ check, optional: true });
const required = (check: Check) => ({ check });

export const argChecks = {
  'engine.info': params(),
  'broker.topics': params(optional(string)),
  'broker.topicTable': params(optional(string), optional(object({ 'after?': string, 'limit?': positiveInteger }))),
  'broker.topicStats': params(required((v) => stringList(v) ?? ((v as string[]).length > 10_000 ? 'must name at most 10000 topics' : null))),
  'broker.messages': params(optional(object({
    'filter?': string, 'from?': finiteNumber, 'to?': finiteNumber, 'limit?': nonNegativeInteger, 'search?': string, 'regex?': string,
  }))),
  'broker.series': params(required(object({
    topic: string, path: string, 'from?': finiteNumber, 'to?': finiteNumber, 'limit?': nonNegativeInteger,
  }))),
  'broker.retained': params(optional(string)),
  'broker.deleteRetained': params(required(string), optional(object({ 'subtree?': boolean }))),
  'broker.events': params(optional(object({ 'from?': finiteNumber, 'limit?': nonNegativeInteger, 'clientId?': string }))),
  'broker.export': params(optional(object({
    'filter?': string, 'from?': finiteNumber, 'to?': finiteNumber, 'limit?': nonNegativeInteger,
  }))),
  'broker.message': params(required(nonNegativeInteger)),
  'broker.publish': params(required(object({
    topic: string, payload: string, 'encoding?': oneOf('utf8', 'base64'), 'qos?': oneOf(0, 1), 'retain?': boolean,
    'properties?': messageProperties,
  }))),
  'broker.clients': params(),
  'metering.usage': params(),
  'metering.cost': params(),
  'logs.recent': params(optional((v) => (typeof v === 'number' ? nonNegativeInteger(v) : object({
    'level?': oneOf('debug', 'info', 'warn', 'error'), 'source?': string, 'text?': string, 'limit?': nonNegativeInteger,
  })(v)))),
  'pipeline.graph': params(),
  'security.certificates': params(),
  'security.policies': params(),
  'security.denials': params(optional(nonNegativeInteger)),
  // Counts, lengths and policy names are checked by the security service with AWS's messages (engine/security/test-authorization.ts).
  'security.testAuthorization': params(required(object({
    'principal?': string, 'clientId?': string, checks: list(object({ action: oneOf('iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive'), resources: stringList })),
    'policiesToAdd?': stringList, 'policiesToSkip?': stringList,
  }))),
  // Ids, statuses and names are checked by the security service with AWS's messages.
  'security.createCertificate': params(optional(boolean)),
  'security.setCertificateStatus': params(required(string), required(string)),
  'security.deleteCertificate': params(required(string), optional(boolean)),
  'security.putPolicy': params(required(string), required(string)),
  'security.attachPolicy': params(required(string), required(string)),
  'security.detachPolicy': params(required(string), required(string)),
  'security.policyVersions': params(required(string)),
  'security.setDefaultPolicyVersion': params(required(string), required(string)),
  'security.deletePolicyVersion': params(required(string), required(string)),
  'security.caCertificates': params(),
  'security.registrationCode': params(),
  'security.registerCaCertificate': params(required(object({
    caCertificatePem: string, 'verificationCertificatePem?': string, 'certificateMode?': oneOf('DEFAULT', 'SNI_ONLY'),
    'setAsActive?': boolean, 'allowAutoRegistration?': boolean, 'registrationConfig?': registrationConfig,
  }))),
  'security.updateCaCertificate': params(required(string), required(object({
    'status?': oneOf('ACTIVE', 'INACTIVE'), 'autoRegistration?': oneOf('ENABLE', 'DISABLE'), 'registrationConfig?': registrationConfig,
  }))),
  'security.deleteCaCertificate': params(required(string)),
  // Shadow documents are checked by the shadow service itself, with AWS's messages (engine/shadow/shadow-request.ts).
  'shadow.list': params(optional(string)),
  'shadow.get': params(required(string), optional(string)),
  'shadow.update': params(required(string), required(plainObject), optional(string)),
  'shadow.delete': params(required(string), optional(string)),
  'shadow.history': params(required(string), optional(string), optional(nonNegativeInteger)),
  // Rule payloads are checked by the rules service with AWS's messages (engine/rules/rule-model.ts).
  'rules.list': params(),
  'rules.get': params(required(string)),
  'rules.put': params(required(string), required(plainObject)),
  'rules.delete': params(required(string)),
  'rules.enable': params(required(string)),
  'rules.disable': params(required(string)),
  'rules.check': params(required(string), optional(string)),
  'rules.test': params(required(object({
    sql: string, topic: string, payload: string, 'encoding?': oneOf('utf8', 'base64'), 'clientId?': string, 'awsIotSqlVersion?': string,
    'properties?': messageProperties,
  }))),
  'rules.metrics': params(optional(string)),
  'rules.trace': params(optional(object({
    'rule?': string, 'traceId?': string, 'messageId?': nonNegativeInteger, 'includeTopicMisses?': boolean, 'limit?': nonNegativeInteger,
  }))),
  // Names and queries are checked by the registry service itself, with AWS's messages (engine/registry/names.ts).
  'jobs.list': params(optional(object({
    'status?': oneOf('IN_PROGRESS', 'CANCELED', 'DELETION_IN_PROGRESS', 'COMPLETED'), 'thingGroup?': string,
  }))),
  'jobs.describe': params(required(string)),
  'provisioning.templates': params(),
  'provisioning.template': params(required(string)),
  'provisioning.tasks': params(optional(oneOf('InProgress', 'Completed', 'Failed', 'Cancelled', 'Cancelling'))),
  'jobs.executions': params(required(object({ 'jobId?': string, 'thing?': string }))),
  'jobs.cancel': params(required(string), optional(object({ 'force?': boolean, 'reasonCode?': string, 'comment?': string }))),
  'jobs.cancelExecution': params(required(string), required(string), optional(boolean)),
  'jobs.templates': params(),
  'streams.list': params(),
  'control.send': params(required(object({
    thing: string, name: string, 'payload?': string, 'encoding?': oneOf('utf8', 'base64'), 'contentType?': string, 'timeoutMs?': positiveInteger, 'oneWay?': boolean,
  }))),
  'control.pending': params(),
  'commands.list': params(),
  'commands.executions': params(required(object({ 'commandId?': string, 'thing?': string, 'clientId?': string }))),
  'delivery.list': params(),
  'delivery.put': params(required(object({ 'id?': string, 'filter?': string, 'device?': string, class: oneOf('telemetry', 'event'), 'ttlSeconds?': positiveInteger }))),
  'delivery.delete': params(required(string)),
  'delivery.stored': params(optional(object({ 'consumer?': string }))),
  'adapters.stats': params(),
  'registry.things': params(optional(object({
    'type?': string, 'attributeName?': string, 'attributeValue?': string, 'prefix?': boolean,
  })), optional(nonNegativeInteger), optional(string)),
  'registry.thing': params(required(string)),
  'registry.thingTypes': params(),
  'registry.groups': params(),
  'registry.groupThings': params(required(string), optional(boolean)),
  'registry.principals': params(required(string)),
  'registry.search': params(required(string), optional(nonNegativeInteger), optional(string)),
  'registry.createThing': params(required(string), optional(object({ 'type?': string, 'attributes?': (v) => (isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string') ? null : 'must map names to strings') }))),
  'registry.deleteThing': params(required(string)),
  'registry.attachPrincipal': params(required(string), required(string)),
  'registry.detachPrincipal': params(required(string), required(string)),
  'registry.searchFields': params(),
  'registry.createThingType': params(required(string), optional(object({ 'description?': string, 'searchableAttributes?': stringList }))),
  'registry.createGroup': params(required(string), optional(object({ 'parent?': string, 'description?': string, 'attributes?': stringMap }))),
  'registry.addThingToGroup': params(required(string), required(string)),
  'registry.removeThingFromGroup': params(required(string), required(string)),
  'registry.setDeviceToken': params(required(object({ thing: string, 'token?': string }))),
  'registry.deleteDeviceToken': params(required(string)),
  'registry.deviceTokens': params(),
  // Sink options are checked per kind by the sink service (engine/sinks/sink-options.ts).
  'sinks.list': params(optional(oneOf(...sinkKinds))),
  'sinks.create': params(required(oneOf(...sinkKinds)), required(string), optional(plainObject)),
  'sinks.delete': params(required(oneOf(...sinkKinds)), required(string)),
  'sinks.records': params(required(oneOf(...sinkKinds)), required(string), optional(object({
    'after?': nonNegativeInteger, 'before?': nonNegativeInteger, 'limit?': nonNegativeInteger, 'traceId?': string,
  }))),
  // Queue, topic and table parameters are range-checked by the sink service with AWS's messages.
  'sinks.queueCounts': params(required(string)),
  'sinks.send': params(required(string), required(object({
    body: string, 'attributes?': messageAttributes, 'delaySeconds?': finiteNumber, 'messageGroupId?': string, 'messageDeduplicationId?': string,
  }))),
  'sinks.receive': params(required(string), optional(object({ 'maxMessages?': finiteNumber, 'visibilityTimeoutSeconds?': finiteNumber }))),
  'sinks.deleteMessage': params(required(string), required(string)),
  'sinks.purge': params(required(string)),
  'sinks.subscriptions': params(required(string)),
  'sinks.subscribe': params(required(string), required(object({
    protocol: oneOf('sqs', 'lambda', 'mqtt', 'http', 'https', 'desktop', 'email', 'sms'), 'endpoint?': string, 'rawMessageDelivery?': boolean,
    'filterPolicy?': string, 'filterPolicyScope?': oneOf('MessageAttributes', 'MessageBody'),
  }))),
  'sinks.unsubscribe': params(required(string)),
  'sinks.publish': params(required(string), required(object({
    message: string, 'subject?': string, 'attributes?': messageAttributes, 'messageGroupId?': string, 'messageDeduplicationId?': string,
  }))),
  'sinks.buckets': params(),
  'sinks.objects': params(required(string), optional(object({ 'prefix?': string, 'delimiter?': string, 'after?': string, 'limit?': positiveInteger }))),
  'sinks.object': params(required(string), required(string)),
  'sinks.query': params(required(string), required(object({
    partition: string, 'sort?': object({ op: oneOf('=', '<', '<=', '>', '>=', 'begins_with', 'between'), value: string, 'value2?': string }),
    'descending?': boolean, 'limit?': positiveInteger, 'index?': string,
  }))),
  'functions.list': params(),
  'functions.get': params(required(string)),
  'functions.invoke': params(required(string), { check: () => null, optional: true }),
  'functions.invocations': params(required(string), optional(positiveInteger)),
  // Names, runtimes, handlers and limits are checked by the functions service with Lambda's errors.
  'functions.create': params(required(object({
    name: string, runtime: string, handler: string, code: string, 'fileName?': string, 'role?': string, 'description?': string,
    'timeout?': finiteNumber, 'memorySize?': finiteNumber, 'environment?': stringMap,
  }))),
  'functions.update': params(required(string), required(object({
    'description?': string, 'timeout?': finiteNumber, 'memorySize?': finiteNumber, 'environment?': stringMap, 'role?': string,
  }))),
  'functions.delete': params(required(string)),
  // Fleet sizes and seeds are range-checked by the devices service (engine/devices/service).
  'devices.models': params(),
  'devices.start': params(required(object({ model: string, 'count?': positiveInteger, 'seed?': uint32, 'connectRate?': positiveInteger }))),
  'devices.list': params(),
  'devices.stop': params(required(string)),
  // Faults are checked field by field by the devices module (engine/devices/faults/fault-spec.ts).
  'devices.fault': params(required(string), required(plainObject), optional(stringList)),
  'devices.members': params(required(string), optional(object({
    'offset?': nonNegativeInteger, 'limit?': positiveInteger, 'search?': string, 'state?': oneOf('idle', 'connecting', 'online', 'backoff', 'stopped'),
  }))),
  'devices.log': params(required(string), required(string), optional(nonNegativeInteger)),
  // Scenario text is checked by the scenario loader, every problem at file:line:col (engine/scenarios/format).
  'scenarios.validate': params(required(string), optional(string)),
  'scenarios.run': params(required(object({ 'text?': string, 'path?': string, 'seed?': uint32, 'deterministic?': boolean, 'target?': string, 'defaultTarget?': string }))),
  'scenarios.runs': params(),
  'scenarios.cancel': params(required(string)),
  'scenarios.files': params(),
  'scenarios.schema': params(),
  // The recording is parsed by engine/scenarios/record (FILE:line problems); speed is range-checked by the service.
  'scenarios.replay': params(required(object({ recording: string, 'speed?': finiteNumber, 'clientIdPrefix?': string, 'target?': string }))),
  'scenarios.stopReplay': params(),
  // A lab is named by its id or slug (found by engine/labs, NotFound listing the labs); target and attendee names are
  // checked where they are used (target profiles, legal resource names).
  // Profile fields are checked by engine/scenarios (validateProfile), with the CLI's messages.
  'targets.list': params(),
  'targets.put': params(required(string), required(object({
    kind: oneOf('local', 'thingbench', 'aws', 'mqtt'), 'mqttUrl?': string, 'endpoint?': string, 'controlEndpoint?': string, 'region?': string,
    'cert?': string, 'key?': string, 'ca?': string, 'awsProfile?': string, 'accessKeyId?': string, 'secretAccessKeyFile?': string,
    'secretAccessKeyEnv?': string, 'username?': string, 'passwordFile?': string, 'passwordEnv?': string, 'engineDataDir?': string,
    'brokerMode?': oneOf('aws', 'standard'),
  }))),
  'targets.delete': params(required(string)),
  'targets.test': params(required(string)),
  'labs.list': params(optional(labTarget)),
  'labs.get': params(required(labRef), optional(labTarget)),
  'labs.start': params(required(labRef), optional(object({ 'target?': string, 'attendee?': string, 'fresh?': boolean }))),
  'labs.check': params(required(labRef), optional(labTarget)),
  'labs.solve': params(required(labRef), optional(labTarget)),
  'labs.reset': params(required(labRef), optional(labTarget)),
  // As devices.fault: the devices module checks the fault field by field.
  'labs.fault': params(required(labRef), required(plainObject), optional(stringList), optional(labTarget)),
  'labs.solution': params(required(labRef)),
} satisfies Record<MethodName, (args: unknown[]) => string | null>;

/** Null when `args` suit `method`, otherwise a message for the caller. */
export function checkArgs(method: MethodName, args: unknown[]): string | null {
  return argChecks[method](args);
}
