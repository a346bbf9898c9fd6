/**
 * Function logs as Lambda writes them: to the log group `/aws/lambda/<name>`, the instance's stream, framed by
 * `START RequestId: … Version: $LATEST`, `END RequestId: …` and the `REPORT` line (durations, memory). The lines
 * go to the CloudWatch Logs domain through a narrow port (`FunctionLogSink`); `LogType: Tail` gets the last 4 KB.
 */
import type { Invocation } from './invocation.js';

/** Where function logs go: the CloudWatch Logs groups (created on first write, as Lambda does). */
export interface FunctionLogSink {
  write(group: string, stream: string, events: Array<{ timestamp: number; message: string }>): Promise<void>;
}

export const logGroupOf = (name: string) => `/aws/lambda/${name}`;

/** The log events of one finished invocation, START to REPORT. */
export function invocationLogEvents(inv: Invocation, memoryMb: number): Array<{ timestamp: number; message: string }> {
  const start = inv.startedAt || inv.endedAt;
  const end = inv.endedAt || start;
  const ms = inv.result?.durationMs ?? 0;
  const events = [{ timestamp: start, message: `START RequestId: ${inv.requestId} Version: $LATEST` }];
  for (const line of inv.output) events.push({ timestamp: end, message: line });
  if (inv.state === 'timedOut') events.push({ timestamp: end, message: `${new Date(end).toISOString()} ${inv.requestId} Task timed out after ${(inv.timeoutMs / 1000).toFixed(2)} seconds` });
  events.push({ timestamp: end, message: `END RequestId: ${inv.requestId}` });
  const used = Math.min(memoryMb, Math.max(1, inv.usage.maxMemoryMb ?? 1));
  const init = inv.usage.initDurationMs !== undefined ? `\tInit Duration: ${inv.usage.initDurationMs.toFixed(2)} ms` : '';
  events.push({
    timestamp: end,
    message: `REPORT RequestId: ${inv.requestId}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(ms))} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${used} MB${init}\t`,
  });
  return events;
}

/** `X-Amz-Log-Result`: the last 4 KB of the invocation's log, base64. */
export function logTail(events: Array<{ message: string }>): string {
  const text = Buffer.from(events.map((e) => (e.message.endsWith('\n') ? e.message : `${e.message}\n`)).join(''), 'utf8');
  return text.subarray(Math.max(0, text.length - 4096)).toString('base64');
}
