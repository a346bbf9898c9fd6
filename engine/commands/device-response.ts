/**
 * UpdateCommandExecution over MQTT: the document a device publishes on `…/response/{json|cbor}`, checked, and whether
 * the execution may move to the status it reports [DG:commands-troubleshooting "UpdateCommandExecution error codes"]:
 * - a device's SUCCEEDED, FAILED, REJECTED or TIMED_OUT is final: a later terminal report is `TerminalStateReached`,
 *   a later IN_PROGRESS `InvalidStateTransition`;
 * - the service's own TIMED_OUT (the execution timer) is not final: the device may still report a terminal status,
 *   but not IN_PROGRESS (`InvalidStateTransition`).
 * Request document `{ "status", "statusReason": { "reasonCode", "reasonDescription" }, "result": { name: { "s" | "b" | "bin" } } }`.
 */
import {
  DEVICE_STATUSES, TERMINAL, isFinal, type CommandExecution, type ExecutionStatus, type ResultValue, type StatusReason,
} from './command-types.js';

export type RejectedCode = 'InvalidTopic' | 'InvalidJson' | 'InvalidRequest' | 'InvalidStateTransition' | 'ResourceNotFound' | 'TerminalStateReached' | 'InternalError';

/** A refusal, answered on `…/response/rejected/{format}`. */
export class ResponseRejected extends Error {
  constructor(readonly code: RejectedCode, message: string) {
    super(message);
  }
}

export interface DeviceUpdate {
  status: ExecutionStatus;
  statusReason?: StatusReason;
  result?: Record<string, ResultValue>;
}

const REASON_CODE = /^[A-Z0-9_-]{1,64}$/;
const bad = (message: string) => new ResponseRejected('InvalidRequest', message);

/** The device's update document, checked (the payload is already decoded from JSON or CBOR). */
export function parseDeviceUpdate(doc: unknown): DeviceUpdate {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('The request must be an object');
  const o = doc as Record<string, unknown>;
  if (!(DEVICE_STATUSES as readonly unknown[]).includes(o.status)) throw bad(`status must be one of ${DEVICE_STATUSES.join(', ')}`);
  const update: DeviceUpdate = { status: o.status as ExecutionStatus };
  if (o.statusReason !== undefined && o.statusReason !== null) {
    const r = o.statusReason as Record<string, unknown>;
    if (typeof r !== 'object' || typeof r.reasonCode !== 'string' || !REASON_CODE.test(r.reasonCode)) throw bad('statusReason.reasonCode must match [A-Z0-9_-]{1,64}');
    if (r.reasonDescription !== undefined && (typeof r.reasonDescription !== 'string' || r.reasonDescription.length > 1024)) throw bad('statusReason.reasonDescription must be a string of at most 1024 characters');
    update.statusReason = { reasonCode: r.reasonCode, ...(typeof r.reasonDescription === 'string' ? { reasonDescription: r.reasonDescription } : {}) };
  }
  if (o.result !== undefined && o.result !== null) {
    if (typeof o.result !== 'object' || Array.isArray(o.result)) throw bad('result must be a map of names to values');
    update.result = Object.fromEntries(Object.entries(o.result as Record<string, unknown>).map(([name, v]) => [name, resultValue(name, v)]));
  }
  return update;
}

function resultValue(name: string, raw: unknown): ResultValue {
  const entries = raw && typeof raw === 'object' && !Array.isArray(raw) && !Buffer.isBuffer(raw) ? Object.entries(raw).filter(([, v]) => v !== undefined && v !== null) : [];
  if (entries.length !== 1) throw bad(`result.${name} must set exactly one of s, b, bin`);
  const [key, v] = entries[0];
  if (key === 's' && typeof v === 'string') return { S: v };
  if (key === 'b' && typeof v === 'boolean') return { B: v };
  if (key === 'bin' && (v instanceof Uint8Array)) return { BIN: Buffer.from(v).toString('base64') };
  if (key === 'bin' && typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v)) return { BIN: v };
  throw bad(`result.${name}.${key} is not a valid value (s: string, b: boolean, bin: binary)`);
}

/** Refuses a move AWS does not allow; otherwise returns nothing. */
export function checkTransition(current: Pick<CommandExecution, 'status' | 'timedOutByService'>, next: ExecutionStatus): void {
  if (isFinal(current)) {
    if (TERMINAL.has(next)) throw new ResponseRejected('TerminalStateReached', `The command execution is already in the terminal state ${current.status} and cannot be updated`);
    throw new ResponseRejected('InvalidStateTransition', `The command execution cannot move from ${current.status} to ${next}`);
  }
  if (current.timedOutByService && !TERMINAL.has(next)) {
    throw new ResponseRejected('InvalidStateTransition', `The command execution timed out: it can only move to a terminal status, not to ${next}`);
  }
}
