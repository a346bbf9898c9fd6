import type {
  ActivityBatch, ActivityQuery, BrokerActivity, ClientInfo, DeleteRetainedOptions, EngineInfo, ExportQuery, LogQuery, LogRecord, MessageBatch,
  MessageQuery, MessageRecord, PublishInput, RetainedInfo, SeriesPoint, SeriesQuery, TopicStats, TopicTable, TopicTablePage, UsageReport,
} from './types.js';
import type {
  ShadowDeleteResult, ShadowDocument, ShadowPatch, ShadowSummary, ShadowUpdateResult, ShadowUpdated, ShadowVersion,
} from './shadow-types.js';
import type {
  RuleEvaluation, RuleInfo, RuleMetrics, RuleTestInput, RuleTestResult, RuleTraceQuery, RulesEvaluated, RuleDiagnostic, TopicRulePayload,
} from './rules-types.js';
import type {
  DeviceTokenCreated, DeviceTokenInfo, RegistryChanged, RegistryPage, ThingConnectivity, ThingCreateInput, ThingGroupInfo, ThingGroupInput, ThingInfo, ThingListFilter, ThingSearchHit,
  ThingTypeInfo, ThingTypeInput,
} from './registry-types.js';
import type { SinkInfo, SinkKind, SinkOptions, SinkRecord, SinkRecordQuery, SinkRecorded, SinkNotified } from './sink-types.js';
import type {
  BucketSummary, ObjectContent, ObjectPage, ObjectQuery, QueueCounts, QueueReceiveInput, QueueReceived, QueueSendInput, QueueSent, TableQueryInput,
  TableQueryResult, TopicPublishInput, TopicSubscribeInput, TopicSubscription,
} from './sink-action-types.js';
import type { JobCancelInput, JobExecutionInfo, JobInfo, JobListFilter, JobSummaryInfo, JobTemplateInfo, JobsChanged } from './job-types.js';
import type { StreamInfo } from './stream-types.js';
import type { CommandExecutionInfo, CommandInfo } from './command-types.js';
import type { ControlAnswer, ControlAnswered, ControlHandedOver, ControlPendingInfo, ControlSendInput, ControlSendOneWayInput } from './control-types.js';
import type { AdapterStats } from './adapter-types.js';
import type { DeliveryChanged, DeliveryMapping, DeliveryMappingInput, StoredEventInfo } from './delivery-types.js';
import type { ProvisioningTemplateDetail, ProvisioningTemplateSummary, RegistrationTaskInfo, RegistrationTaskStatus } from './provisioning-types.js';
import type { FunctionCreateInput, FunctionDetail, FunctionUpdateInput, FunctionInvocation, FunctionInvokeResult, FunctionSummary } from './function-types.js';
import type { JsonValue } from './shadow-types.js';
import type {
  AuthorizationAnswer, AuthorizationQuestion, CaCertificateInput, CaCertificateSummary, CaCertificateUpdate, CertificateNewStatus,
  CertificateSummary, CreatedCertificate, PolicyDenial, PolicySummary, PolicyVersionInfo,
} from './security-types.js';
import type {
  ReplayInput, ReplayResult, ScenarioFile, ScenarioProblem, ScenarioRunInfo, ScenarioRunInput, ScenarioStepEvent,
} from './scenario-types.js';
import type { PipelineGraph, PipelineUpdated } from './pipeline-types.js';
import type {
  DeviceLogEntry, DeviceModelList, FleetFault, FleetFaultResult, FleetInfo, FleetMemberPage, FleetMemberQuery, FleetStartInput,
} from './device-types.js';
import type { CostReport } from './cost-types.js';
import type { TargetInfo, TargetProfileInput, TargetTestResult } from './target-types.js';
import type { LabCheckReport, LabDetail, LabResetResult, LabSolution, LabSolveResult, LabStartInput, LabStartResult, LabSummary, LabTargetInput } from './lab-types.js';

/** The only API the renderer knows (ARCHITECTURE §4). Methods are `area.verb`. */
export interface ThingbenchApi {
  engine: {
    /** Version, broker mode, endpoints and data directory of the running engine. */
    info(): Promise<EngineInfo>;
  };
  broker: {
    /** Snapshot of every topic seen, with statistics; live changes follow as `broker.messages` events. */
    topics(prefix?: string): Promise<TopicStats[]>;
    /**
     * The same snapshot in a compact form (columns, no payloads) for large trees; then `topicStats` for the rows shown.
     * By pages (`limit` topics after `after`, then `next`), so no one answer is large enough to stall the UI.
     */
    topicTable(prefix?: string, page?: TopicTablePage): Promise<TopicTable>;
    /** The statistics (with last-payload previews) of the named topics, in the order asked (at most 10,000 names). */
    topicStats(topics: string[]): Promise<TopicStats[]>;
    /**
     * Captured messages matching a topic filter and time range, most recent first. The engine keeps the last messages
     * of every topic (bounded in all by count and bytes, the topics holding the most giving way first), so a busy
     * topic never empties a quiet one's history; a filter naming one topic reads that topic only. `search` (text, ignoring case) and `regex`
     * (RE2) look into payloads, scanning at most 16 MiB of them per call.
     */
    messages(query?: MessageQuery): Promise<MessageRecord[]>;
    /** One captured message with its full payload (base64), or null when it has left the history. */
    message(id: number): Promise<MessageRecord | null>;
    /** A numeric field of one topic's JSON payloads over time from its history, oldest first, for charts. */
    series(query: SeriesQuery): Promise<SeriesPoint[]>;
    /** The stored retained messages (optionally under a topic prefix), by topic. */
    retained(prefix?: string): Promise<RetainedInfo[]>;
    /**
     * Clears a retained message as MQTT does (an empty retained publish), or with `subtree` every retained topic
     * under it too; resolves with the topics cleared. InvalidInput for a filter.
     */
    deleteRetained(topic: string, options?: DeleteRetainedOptions): Promise<string[]>;
    /** Recent connections, disconnections (with reason) and (un)subscriptions (with QoS), oldest first; live as `broker.activity`. */
    events(query?: ActivityQuery): Promise<BrokerActivity[]>;
    /** The history's messages (oldest first) as JSON lines in the format `thingbench replay` takes. */
    export(query?: ExportQuery): Promise<string>;
    /** Publishes as the engine itself (no client id), like the HTTP Publish API. */
    publish(msg: PublishInput): Promise<void>;
    clients(): Promise<ClientInfo[]>;
  };
  metering: {
    usage(): Promise<UsageReport>;
    /**
     * What the traffic since the start would cost at AWS list prices (the shipped us-east-1 table, with its date and
     * sources): per service, topic, rule and device, with a monthly projection at the rate of the last 5 minutes.
     */
    cost(): Promise<CostReport>;
  };
  logs: {
    /** The engine's recent log, oldest first: the newest `limit` (a number, or `query.limit`) entries that match the query. */
    recent(query?: LogQuery | number): Promise<LogRecord[]>;
  };
  /** The live pipeline diagram: clients → broker → rules → actions → sinks and functions; `pipeline.updated` follows. */
  pipeline: {
    /** Every node and edge with its counts since the engine started. */
    graph(): Promise<PipelineGraph>;
  };
  /** Device shadows; `name` omitted or null means the classic (unnamed) shadow. Same rules as MQTT and HTTP. */
  shadow: {
    /** Live shadows, optionally of one thing. */
    list(thing?: string): Promise<ShadowSummary[]>;
    /** The document with its delta; NotFound when the shadow does not exist. */
    get(thing: string, name?: string | null): Promise<ShadowDocument>;
    /** Applies a request state document; publishes the same accepted, delta and documents messages as MQTT. */
    update(thing: string, patch: ShadowPatch, name?: string | null): Promise<ShadowUpdateResult>;
    delete(thing: string, name?: string | null): Promise<ShadowDeleteResult>;
    /** Stored versions, newest first (bounded per shadow by the engine's history size). */
    history(thing: string, name?: string | null, limit?: number): Promise<ShadowVersion[]>;
  };
  /** Topic rules: the same rules as the AWS API (`/rules/{ruleName}`) and the `<dataDir>/rules` folder. */
  rules: {
    list(): Promise<RuleInfo[]>;
    /** NotFound when the rule does not exist. */
    get(name: string): Promise<RuleInfo>;
    /** Creates or replaces a rule; invalid SQL or templates are InvalidInput with the diagnostics in `details`. */
    put(name: string, payload: TopicRulePayload): Promise<RuleInfo>;
    delete(name: string): Promise<void>;
    enable(name: string): Promise<void>;
    disable(name: string): Promise<void>;
    /** Every diagnostic (errors and warnings) of a SQL statement, for the editor; never fails on bad SQL. */
    check(sql: string, awsIotSqlVersion?: string): Promise<RuleDiagnostic[]>;
    /** `testRule(sql, topic, payload, clientId)`: the output, why there is none, or the error. */
    test(input: RuleTestInput): Promise<RuleTestResult>;
    /** Per-rule counters, or one rule's. */
    metrics(name?: string): Promise<RuleMetrics[]>;
    /** Recent evaluations (matched or not and why not) with their action outcomes, newest first. */
    trace(query?: RuleTraceQuery): Promise<RuleEvaluation[]>;
  };
  /** Certificates, policies and the policy denials of MQTT clients with their reasons ("why was this denied?"). */
  security: {
    certificates(): Promise<CertificateSummary[]>;
    policies(): Promise<PolicySummary[]>;
    /** The most recent denials, oldest first (default 100; the engine keeps 500). */
    denials(limit?: number): Promise<PolicyDenial[]>;
    /**
     * "Would this be allowed?" (IoT TestAuthorization, same validation and messages): the decision per check, the
     * policies that allowed or denied, and the deciding statement. NotFound for an unknown certificate, group or policy.
     */
    testAuthorization(question: AuthorizationQuestion): Promise<AuthorizationAnswer[]>;
    /** CreateKeysAndCertificate: a key pair and a certificate signed by the engine's CA (the private key is not kept). */
    createCertificate(setAsActive?: boolean): Promise<CreatedCertificate>;
    /** UpdateCertificate: activate, deactivate or revoke (a revoked certificate stays revoked), with AWS's errors. */
    setCertificateStatus(id: string, status: CertificateNewStatus): Promise<void>;
    /** DeleteCertificate: not while ACTIVE, nor while attached to a thing; `force` detaches its policies first. */
    deleteCertificate(id: string, force?: boolean): Promise<void>;
    /**
     * CreatePolicy, or for an existing policy CreatePolicyVersion set as the default (at most 5 versions, as on AWS);
     * the document is checked with AWS's messages (MalformedPolicy as InvalidInput).
     */
    putPolicy(name: string, document: string): Promise<PolicySummary>;
    /** AttachPolicy / DetachPolicy to a certificate ARN or thing group ARN. */
    attachPolicy(policy: string, target: string): Promise<void>;
    detachPolicy(policy: string, target: string): Promise<void>;
    /** ListPolicyVersions with each version's document, newest first. */
    policyVersions(policy: string): Promise<PolicyVersionInfo[]>;
    /** SetDefaultPolicyVersion. */
    setDefaultPolicyVersion(policy: string, versionId: string): Promise<void>;
    /** DeletePolicyVersion: not the default version (Conflict, AWS's DeleteConflictException). */
    deletePolicyVersion(policy: string, versionId: string): Promise<void>;
    /** Registered CA certificates (ListCACertificates with each one's settings). */
    caCertificates(): Promise<CaCertificateSummary[]>;
    /** GetRegistrationCode: the CN a DEFAULT-mode verification certificate must carry. */
    registrationCode(): Promise<string>;
    /** RegisterCACertificate with AWS's checks (and its messages); answers the registered CA certificate. */
    registerCaCertificate(input: CaCertificateInput): Promise<CaCertificateSummary>;
    /** UpdateCACertificate: status, auto-registration (JITR) and its registration config. */
    updateCaCertificate(id: string, update: CaCertificateUpdate): Promise<void>;
    /** DeleteCACertificate: only while INACTIVE. */
    deleteCaCertificate(id: string): Promise<void>;
  };
  /** The thing registry and fleet search (the same data as the AWS IoT control plane: `aws iot list-things`, …). */
  registry: {
    /** Things by name with ListThings' filters; `after` (from the previous page) continues. */
    things(filter?: ThingListFilter, limit?: number, after?: string): Promise<RegistryPage<ThingInfo>>;
    /** One thing with its current connectivity; NotFound when it does not exist. */
    thing(name: string): Promise<ThingInfo & { connectivity: ThingConnectivity }>;
    thingTypes(): Promise<ThingTypeInfo[]>;
    groups(): Promise<ThingGroupInfo[]>;
    /** Names of the things in a static group (and its descendants with `recursive`). */
    groupThings(group: string, recursive?: boolean): Promise<string[]>;
    /** Principals (certificate ARNs) attached to a thing. */
    principals(thing: string): Promise<string[]>;
    /** Fleet-indexing query (AWS's syntax), e.g. `connectivity.connected:true AND attributes.floor:[1 TO 3]`. */
    search(query: string, limit?: number, after?: string): Promise<RegistryPage<ThingSearchHit>>;
    /** The field names a query can use here (thing fields, attribute names, classic shadow paths), for completion. */
    searchFields(): Promise<string[]>;
    /** CreateThing (the same thing again answers it unchanged; a different type or attributes is AlreadyExists). */
    createThing(name: string, input?: ThingCreateInput): Promise<ThingInfo>;
    /** DeleteThing: refused (InvalidInput) while principals are attached; a thing that does not exist succeeds, as on AWS. */
    deleteThing(name: string): Promise<void>;
    /** AttachThingPrincipal / DetachThingPrincipal with a certificate ARN. */
    attachPrincipal(thing: string, principal: string): Promise<void>;
    detachPrincipal(thing: string, principal: string): Promise<void>;
    /** CreateThingType (the same type again answers it unchanged; other properties are AlreadyExists). */
    createThingType(name: string, input?: ThingTypeInput): Promise<ThingTypeInfo>;
    /** CreateThingGroup, under `parent` when given (which must exist). */
    createGroup(name: string, input?: ThingGroupInput): Promise<ThingGroupInfo>;
    /** AddThingToThingGroup / RemoveThingFromThingGroup (at most 10 groups per thing, as on AWS). */
    addThingToGroup(group: string, thing: string): Promise<void>;
    removeThingFromGroup(group: string, thing: string): Promise<void>;
    /**
     * Sets a thing's CoAP device token (generated when `token` is omitted) and returns it this once, with its public
     * id (the device's principal). Replaces the thing's previous token. NotFound for an unknown thing.
     */
    setDeviceToken(input: { thing: string; token?: string }): Promise<DeviceTokenCreated>;
    /** Removes a thing's device token (NotFound when it has none); deleting the thing removes it too. */
    deleteDeviceToken(thing: string): Promise<void>;
    /** Things with a device token, by name (never the secrets). */
    deviceTokens(): Promise<DeviceTokenInfo[]>;
  };
  /** AWS IoT Jobs (the same data as `aws iot list-jobs`, `describe-job`, `list-job-executions-for-job|thing`). */
  jobs: {
    /** Jobs newest first (at most 250), filtered by status and target thing group. */
    list(filter?: JobListFilter): Promise<JobSummaryInfo[]>;
    /** One job with its document and configurations; NotFound when it does not exist. */
    describe(jobId: string): Promise<JobInfo>;
    /** Executions of a job or of a thing (at most 1000, oldest first); with both, that thing's executions of that job. */
    executions(query: { jobId?: string; thing?: string }): Promise<JobExecutionInfo[]>;
    /** CancelJob (AWS's refusals: a COMPLETED job, an already canceled one without `force`); answers the canceled job. */
    cancel(jobId: string, input?: JobCancelInput): Promise<JobInfo>;
    /** CancelJobExecution: a QUEUED execution, or an IN_PROGRESS one with `force`; a finished one is refused (Conflict). */
    cancelExecution(jobId: string, thing: string, force?: boolean): Promise<void>;
    /** Job templates by id (ListJobTemplates with each one's document and configurations). */
    templates(): Promise<JobTemplateInfo[]>;
  };
  /** Command & control: one call to a thing over MQTT, HTTPS or CoAP, resolved with its correlated answer. */
  control: {
    /** Sends a command and waits for the answer; Unavailable (details.reason `Timeout`) when none comes in time, Throttled when the thing has too many waiting. */
    send(input: ControlSendInput & { oneWay?: false }): Promise<ControlAnswer>;
    /** A one-way command: resolves once it is handed to the device (Unavailable, reason `Timeout`, when not in time). */
    send(input: ControlSendOneWayInput): Promise<ControlHandedOver>;
    send(input: ControlSendInput & { oneWay?: boolean }): Promise<ControlAnswer | ControlHandedOver>;
    /** The commands waiting for an answer. */
    pending(): Promise<ControlPendingInfo[]>;
  };
  /** AWS IoT Commands (the same data as `aws iot list-commands` and `list-command-executions`). */
  commands: {
    /** Every command, newest first. */
    list(): Promise<CommandInfo[]>;
    /** Executions of a command, of a thing or of an MQTT client (at most 1000, newest first); with a command and a target, that target's runs of it. */
    executions(query: { commandId?: string; thing?: string; clientId?: string }): Promise<CommandExecutionInfo[]>;
  };
  /** Telemetry and events: delivery classes by topic filter or device, and the events kept for absent consumers. */
  delivery: {
    /** Every mapping, oldest first. */
    list(): Promise<DeliveryMapping[]>;
    /** Sets a mapping (replaces the one with its id); AlreadyExists when another maps the same filter or device. */
    put(input: DeliveryMappingInput): Promise<DeliveryMapping>;
    /** NotFound when no mapping has this id. */
    delete(id: string): Promise<void>;
    /** Events waiting for absent consumers (or for one), oldest first, at most 1000. */
    stored(query?: { consumer?: string }): Promise<StoredEventInfo[]>;
  };
  /** The device adapters (CoAP, HTTPS): their endpoints and counters. */
  adapters: {
    /** Requests answered and refused (by response code) per adapter since the start; null for a listener that is off. */
    stats(): Promise<AdapterStats>;
  };
  /** Provisioning templates and bulk registration tasks (as `aws iot list-provisioning-templates`, `describe-provisioning-template`, `list-thing-registration-tasks` show them). */
  provisioning: {
    /** Every template, by name. */
    templates(): Promise<ProvisioningTemplateSummary[]>;
    /** One template with its default body and its versions; NotFound when it does not exist. */
    template(name: string): Promise<ProvisioningTemplateDetail>;
    /** Bulk registration tasks, newest first (at most 250), optionally of one status. */
    tasks(status?: RegistrationTaskStatus): Promise<RegistrationTaskInfo[]>;
  };
  /** AWS IoT streams: files in the local S3 that devices fetch block by block over MQTT (as `aws iot list-streams` and `describe-stream` show them). */
  streams: {
    /** Every stream, by id, with its files. */
    list(): Promise<StreamInfo[]>;
  };
  /** Local sinks that rule actions write to (engine/sinks); a missing target fails the action, as on AWS. */
  sinks: {
    /** Existing sinks, optionally of one kind. */
    list(kind?: SinkKind): Promise<SinkInfo[]>;
    /** Creates a queue, topic, stream, delivery stream, table, log group or alarm; returns the existing one unchanged if it exists. */
    create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo>;
    /** Deletes a sink and its records. */
    delete(kind: SinkKind, name: string): Promise<void>;
    /** Kept records, newest first: queue messages, inbox notifications, stream records, delivered files, items, data points, log events, alarm states. */
    records(kind: SinkKind, name: string, query?: SinkRecordQuery): Promise<SinkRecord[]>;
    /** A queue's visible, in-flight and delayed message counts. NotFound for a missing queue. */
    queueCounts(queue: string): Promise<QueueCounts>;
    /** SendMessage, with SQS's checks and messages (FIFO queues need a group id; delays are for standard queues). */
    send(queue: string, input: QueueSendInput): Promise<QueueSent>;
    /** ReceiveMessage without waiting: the messages are in flight for the visibility timeout, their receipt handles returned. */
    receive(queue: string, input?: QueueReceiveInput): Promise<QueueReceived[]>;
    /** DeleteMessage by a receipt handle (an already deleted message is no error, as on AWS). */
    deleteMessage(queue: string, receiptHandle: string): Promise<void>;
    /** PurgeQueue: every message goes; once per 60 seconds per queue (Conflict otherwise, as on AWS). */
    purge(queue: string): Promise<void>;
    /** A notification topic's subscriptions (the inbox is not one: it always receives). */
    subscriptions(topic: string): Promise<TopicSubscription[]>;
    /** Subscribe (a queue or function by name or ARN); the same subscription again answers it unchanged. */
    subscribe(topic: string, input: TopicSubscribeInput): Promise<TopicSubscription>;
    /** Unsubscribe by subscription ARN. */
    unsubscribe(subscriptionArn: string): Promise<void>;
    /** Publish to a notification topic, as SNS Publish. */
    publish(topic: string, input: TopicPublishInput): Promise<{ messageId: string; sequenceNumber?: string }>;
    /** The local S3's buckets (Firehose's and the `s3` action's, and those made with the S3 API), by name. */
    buckets(): Promise<BucketSummary[]>;
    /** A bucket's objects (the local S3 Firehose and the `s3` action write to), in key order. */
    objects(bucket: string, query?: ObjectQuery): Promise<ObjectPage>;
    /** One object for a viewer (text or JSON, gzip decoded; hex head of binary) and its bytes for a download. */
    object(bucket: string, key: string): Promise<ObjectContent>;
    /** A DynamoDB Query by partition key (and a sort key condition) over a table or one of its indexes. */
    query(table: string, input: TableQueryInput): Promise<TableQueryResult>;
  };
  /** Local Lambda functions (engine/functions): from `<dataDir>/functions` files and the Lambda API. */
  functions: {
    list(): Promise<FunctionSummary[]>;
    /** A function's configuration and deployment package's files. NotFound for a missing function. */
    get(name: string): Promise<FunctionDetail>;
    /** Runs a function with a test event (RequestResponse); resolves with its result or error, never rejects for a failed run. */
    invoke(name: string, event: JsonValue): Promise<FunctionInvokeResult>;
    /** The function's recent invocations from its log group `/aws/lambda/<name>`, newest first. */
    invocations(name: string, limit?: number): Promise<FunctionInvocation[]>;
    /**
     * Creates a function as CreateFunction does, from one handler file zipped on its own (Lambda's validation and
     * errors: the name pattern, the runtime list, AlreadyExists when the name is taken). The role defaults to a local one.
     */
    create(input: FunctionCreateInput): Promise<FunctionSummary>;
    /**
     * Changes a function's timeout, memory size, environment variables, description or role as
     * UpdateFunctionConfiguration does (Lambda's validation and errors); a `<dataDir>/functions` file is refused (Conflict).
     */
    update(name: string, input: FunctionUpdateInput): Promise<FunctionSummary>;
    /** Deletes a function created with the Lambda API or here (DeleteFunction); a `<dataDir>/functions` file is refused (Conflict). */
    delete(name: string): Promise<void>;
  };
  /** Virtual devices: fleets from device models, run in worker threads against the engine itself. */
  devices: {
    /** The built-in models and the custom ones in `<dataDir>/models`, with the custom files that did not load. */
    models(): Promise<DeviceModelList>;
    /**
     * Starts a fleet; resolves once its things are registered (and certificates provisioned, for a model with
     * `certificate: provision`) and its devices are built; they then connect at the connect rate. NotFound for an
     * unknown model; InvalidInput for a model that does not load or cannot run here.
     */
    start(input: FleetStartInput): Promise<FleetInfo>;
    /** Running fleets, then the most recently stopped ones. */
    list(): Promise<FleetInfo[]>;
    /** Disconnects every device cleanly (no wills) and ends the fleet's worker; resolves with its final counters. */
    stop(id: string): Promise<FleetInfo>;
    /** Applies a fault (drop, disconnect, partition, network, …) to the fleet's devices (thing names or client ids; default: every device). */
    fault(id: string, fault: FleetFault, devices?: string[]): Promise<FleetFaultResult>;
    /** A running fleet's devices, one page at a time in index order: state, counters, last activity, will topic. */
    members(id: string, query?: FleetMemberQuery): Promise<FleetMemberPage>;
    /**
     * A device's log (thing name or client id), oldest first, after entry `after`: connections, faults, transitions,
     * deltas, commands, and its publishes from the first read on. NotFound for an unknown device; Conflict once stopped.
     */
    log(id: string, device: string, after?: number): Promise<DeviceLogEntry[]>;
  };
  /** Scenario runs against the engine itself; progress arrives as `scenarios.step` events. */
  scenarios: {
    /** Every problem of a scenario's text as `file:line:col`; empty when it would run. Never fails on a bad scenario. */
    validate(text: string, file?: string): Promise<ScenarioProblem[]>;
    /**
     * Starts a run and resolves with it at once (`run-1`, …). InvalidInput with every problem when the scenario does
     * not load, or with the sentence when the engine cannot do what a step needs; NotFound for a missing file.
     */
    run(input: ScenarioRunInput): Promise<ScenarioRunInfo>;
    /** Running runs, then the most recently finished ones (with their results). */
    runs(): Promise<ScenarioRunInfo[]>;
    /** Aborts a run; resolves once its cleanup has run. */
    cancel(id: string): Promise<ScenarioRunInfo>;
    /** The shipped examples, then the `.yaml` files of `<dataDir>/scenarios` (top level), with their text. */
    files(): Promise<ScenarioFile[]>;
    /** The scenario file's JSON Schema (`schemas/scenario.schema.json`), composed from every step's schema: for editors. */
    schema(): Promise<Record<string, unknown>>;
    /**
     * Plays a recording into the engine itself as its original publishers (one MQTT connection per recorded client
     * id), at `speed`; resolves when it has played. InvalidInput with `FILE:line` problems for a bad recording;
     * Conflict while another replay plays (one at a time).
     */
    replay(input: ReplayInput): Promise<ReplayResult>;
    /** Stops the replay that is playing (after the message being published); false when none was. */
    stopReplay(): Promise<boolean>;
  };
  /**
   * Target profiles (`<dataDir>/targets.json`, shared with `thingbench target`): where labs can run besides the
   * engine itself, with what each can do. Secrets stay in their files and variables.
   */
  targets: {
    /** The engine itself (`local`), then every profile by name, with its capabilities and why one is missing. */
    list(): Promise<TargetInfo[]>;
    /** Adds or replaces a profile (InvalidInput naming the first problem: a missing option, a relative or unreadable file). */
    put(name: string, profile: TargetProfileInput): Promise<TargetInfo>;
    /** NotFound for an unknown profile; the engine itself cannot be removed. */
    delete(name: string): Promise<void>;
    /** Opens the target as a run would and closes it: `ok`, or the reason in a sentence. Never rejects for a target that fails. */
    test(name: string): Promise<TargetTestResult>;
  };
  /**
   * Workshop labs, against the engine itself (or a target profile). A started lab on the engine is re-checked as
   * things change and each change of a check's status arrives as a `labs.checked` event.
   */
  labs: {
    /** The catalogue, with this attendee's progress. */
    list(input?: LabTargetInput): Promise<LabSummary[]>;
    /** One lab: its names, environment, checks and guide. NotFound for an unknown lab. */
    get(lab: string, input?: LabTargetInput): Promise<LabDetail>;
    /** Sets up the starting state; Conflict when an earlier run left resources under the lab's names (unless `fresh`). */
    start(lab: string, input?: LabStartInput): Promise<LabStartResult>;
    /** Every check, with the reason and the first missing check's hint. */
    check(lab: string, input?: LabTargetInput): Promise<LabCheckReport>;
    /** The reference solution's scenario text, to read (NotFound for an unknown lab). */
    solution(lab: string): Promise<LabSolution>;
    /** Runs the reference solution (its steps arrive as `scenarios.step` events) and checks the lab. */
    solve(lab: string, input?: LabTargetInput): Promise<LabSolveResult>;
    /** Removes everything under the lab's names and forgets its progress. */
    reset(lab: string, input?: LabTargetInput): Promise<LabResetResult>;
    /**
     * Applies a fault (the same as `devices.fault`) to the devices a start of this lab runs: every one, or those named
     * (thing names or client ids; NotFound for another). Conflict when the lab's devices are not running.
     */
    fault(lab: string, fault: FleetFault, devices?: string[], input?: LabTargetInput): Promise<FleetFaultResult>;
  };
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
