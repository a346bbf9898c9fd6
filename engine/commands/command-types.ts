/**
 * AWS IoT Commands' resources as the engine keeps them [API:CreateCommand, API:GetCommandExecution]. Names follow
 * AWS's members; binary values (`BIN`, payload content) stay base64 text, as they travel in restJson1.
 */

export type CommandNamespace = 'AWS-IoT' | 'AWS-IoT-FleetWise';
export const EXECUTION_STATUSES = ['CREATED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** What a device may report on the response topic (CREATED is the service's own). */
export const DEVICE_STATUSES: readonly ExecutionStatus[] = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT'];
export const PARAMETER_TYPES = ['STRING', 'BOOLEAN', 'INTEGER', 'LONG', 'DOUBLE', 'BINARY', 'UNSIGNEDLONG'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];
export const COMPARISON_OPERATORS = [
  'EQUALS', 'NOT_EQUALS', 'LESS_THAN', 'LESS_THAN_EQUALS', 'GREATER_THAN', 'GREATER_THAN_EQUALS', 'IN_SET', 'NOT_IN_SET', 'IN_RANGE', 'NOT_IN_RANGE',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** One of AWS's typed values (exactly one member set). `BIN` is base64. */
export interface ParameterValue {
  S?: string;
  B?: boolean;
  I?: number;
  L?: number;
  D?: number;
  BIN?: string;
  UL?: string;
}

export interface ValueCondition {
  comparisonOperator: ComparisonOperator;
  operand: { number?: string; numbers?: string[]; string?: string; strings?: string[]; numberRange?: { min: string; max: string } };
}

export interface CommandParameter {
  name: string;
  type?: ParameterType;
  value?: ParameterValue;
  defaultValue?: ParameterValue;
  valueConditions?: ValueCondition[];
  description?: string;
}

export interface Command {
  commandId: string;
  commandArn: string;
  namespace: CommandNamespace;
  displayName?: string;
  description?: string;
  /** The static payload: content as base64. */
  payload?: { content?: string; contentType?: string };
  payloadTemplate?: string;
  preprocessor?: { awsJsonSubstitution?: { outputFormat: 'JSON' | 'CBOR' } };
  mandatoryParameters?: CommandParameter[];
  roleArn?: string;
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
  deprecated: boolean;
  /** When it was last marked deprecated (ms): DeleteCommand deletes at once after the longest execution timeout. */
  deprecatedAt?: number;
  pendingDeletion: boolean;
  /** When a scheduled deletion happens (ms). */
  deleteAt?: number;
}

/** The device's `result` values: a string, a boolean or base64 binary. */
export interface ResultValue {
  S?: string;
  B?: boolean;
  BIN?: string;
}

export interface StatusReason {
  reasonCode: string;
  reasonDescription?: string;
}

export interface CommandExecution {
  executionId: string;
  commandId: string;
  commandArn: string;
  targetArn: string;
  /** `things` (a registered thing) or `clients` (an MQTT client id): the topics' `{devices}` segment. */
  deviceType: 'things' | 'clients';
  deviceId: string;
  status: ExecutionStatus;
  statusReason?: StatusReason;
  result?: Record<string, ResultValue>;
  parameters?: Record<string, ParameterValue>;
  executionTimeoutSeconds: number;
  createdAt: number;
  lastUpdatedAt: number;
  startedAt: number;
  completedAt?: number;
  timeToLive: number;
  /** TIMED_OUT set by the service's timer (not final: the device may still report) rather than by the device. */
  timedOutByService?: boolean;
  clientToken?: string;
  /** What the idempotent request asked (target, command, parameters, timeout), to tell a retry from a conflict. */
  requestKey?: string;
}

export const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT']);

/** Final: a device's terminal report. A TIMED_OUT the service set is not final until the device reports. */
export const isFinal = (e: Pick<CommandExecution, 'status' | 'timedOutByService'>): boolean => TERMINAL.has(e.status) && !e.timedOutByService;
