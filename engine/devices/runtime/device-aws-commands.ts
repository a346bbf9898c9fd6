/**
 * A virtual device's side of AWS IoT Commands [DG:iot-remote-command]: it subscribes to
 * `$aws/commands/things/{thing}/executions/+/request/#` and answers each request on `…/response/json`:
 *   1. a request whose `operation` (or `action`) is not one the model runs → REJECTED (`UNSUPPORTED_OPERATION`);
 *      with the seeded reject probability → REJECTED (`DEVICE_BUSY`);
 *   2. otherwise IN_PROGRESS at once (unless the model says not to), then after the delay on the device clock
 *      FAILED (`EXECUTION_FAILED`) with the seeded failure probability, else SUCCEEDED with the model's `result`.
 * Requests in JSON and CBOR are read (others are passed to the result templates as text); answers are JSON.
 *
 * LIMITATIONS: the device does not wait for the `…/response/accepted` reply before its next report; a request that
 * arrives twice (QoS 1 redelivery) is answered twice (the service rejects the second terminal report).
 */
import { decodeCbor } from '../../core/index.js';
import type { DeviceClock, TimerHandle } from './device-clock.js';
import type { AwsCommandsSpec } from './device-spec.js';

export interface AwsCommandsPort {
  thingName: string;
  clock: DeviceClock;
  /** A QoS 1 publish now; false when the device is offline (the answer is then lost, as a device's would be). */
  publish(topic: string, payload: string): boolean;
  /** Called for each answer sent. */
  onAnswer(e: { requestTopic: string; replyTopic: string }): void;
}

export type AwsCommandOutcome = 'SUCCEEDED' | 'FAILED' | 'REJECTED';

export class DeviceAwsCommands {
  private readonly prefix: string;
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly spec: AwsCommandsSpec, private readonly port: AwsCommandsPort) {
    this.prefix = `$aws/commands/things/${port.thingName}/executions/`;
  }

  filters(): string[] {
    return [`${this.prefix}+/request/#`];
  }

  /** Handles a command request; false for any other topic. */
  onMessage(topic: string, payload: Buffer): boolean {
    if (!topic.startsWith(this.prefix)) return false;
    const rest = topic.slice(this.prefix.length).split('/');
    if (rest.length < 2 || rest.length > 3 || rest[1] !== 'request') return false;
    const executionId = rest[0];
    const request = decode(rest[2], payload);
    const replyTopic = `${this.prefix}${executionId}/response/json`;
    const answer = (doc: Record<string, unknown>) => {
      if (this.port.publish(replyTopic, JSON.stringify(doc))) this.port.onAnswer({ requestTopic: topic, replyTopic });
    };
    const operation = operationOf(request);
    if (this.spec.operations && !(operation !== undefined && this.spec.operations.includes(operation))) {
      answer({ status: 'REJECTED', statusReason: { reasonCode: 'UNSUPPORTED_OPERATION', reasonDescription: `This device does not run ${operation ?? 'requests without an operation'}` } });
      return true;
    }
    const outcome = this.spec.outcome(executionId);
    if (outcome === 'REJECTED') {
      answer({ status: 'REJECTED', statusReason: { reasonCode: 'DEVICE_BUSY', reasonDescription: 'The device is busy' } });
      return true;
    }
    if (this.spec.inProgress) answer({ status: 'IN_PROGRESS' });
    const timer = this.port.clock.setTimer(() => {
      this.timers.delete(timer);
      if (outcome === 'FAILED') return answer({ status: 'FAILED', statusReason: { reasonCode: 'EXECUTION_FAILED', reasonDescription: 'The device could not run the command' } });
      const result = this.spec.result?.(request, executionId);
      answer({ status: 'SUCCEEDED', ...(result && Object.keys(result).length ? { result: resultValues(result) } : {}) });
    }, this.spec.delayMs);
    this.timers.add(timer);
    return true;
  }

  stop(): void {
    for (const t of this.timers) this.port.clock.clearTimer(t);
    this.timers.clear();
  }
}

function decode(format: string | undefined, payload: Buffer): unknown {
  try {
    if (format === 'cbor') return decodeCbor(payload);
    if (format === 'json') return JSON.parse(payload.toString('utf8'));
  } catch {
    // An unreadable request is passed on as text.
  }
  return payload.toString('utf8');
}

function operationOf(request: unknown): string | undefined {
  if (!request || typeof request !== 'object') return undefined;
  const r = request as Record<string, unknown>;
  const op = r.operation ?? r.action;
  return typeof op === 'string' ? op : undefined;
}

/** The result map of the response document: booleans as `b`, everything else as text `s`. */
function resultValues(result: Record<string, unknown>): Record<string, { s: string } | { b: boolean }> {
  return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, typeof v === 'boolean' ? { b: v } : { s: typeof v === 'string' ? v : JSON.stringify(v) }]));
}
