/** AWS IoT Commands as the UI and the CLI see them (`commands.list`, `commands.executions`). Times are epoch ms. */

export type CommandExecutionStatusName = 'CREATED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED' | 'TIMED_OUT';

export interface CommandInfo {
  commandId: string;
  commandArn: string;
  displayName?: string;
  description?: string;
  /** `static` (a fixed payload) or `dynamic` (a payload template filled with parameters). */
  kind: 'static' | 'dynamic';
  /** The payload's content type (dynamic: application/json or application/cbor). */
  contentType?: string;
  /** The mandatory parameters' names. */
  parameters: string[];
  deprecated: boolean;
  pendingDeletion: boolean;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface CommandExecutionInfo {
  executionId: string;
  commandId: string;
  targetArn: string;
  status: CommandExecutionStatusName;
  /** TIMED_OUT set by the execution timer: the device may still report a terminal status. */
  timedOutByService?: boolean;
  statusReason?: { reasonCode: string; reasonDescription?: string };
  /** The device's result values (`S`, `B` or base64 `BIN`). */
  result?: Record<string, { S?: string; B?: boolean; BIN?: string }>;
  executionTimeoutSeconds: number;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
}
