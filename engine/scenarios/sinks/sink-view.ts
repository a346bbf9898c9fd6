/**
 * What a `sink.expect` predicate sees of a sink record: the message a rule delivered, as an MQTT expectation sees a
 * payload. A notification's message, a queue message's body, a stream record's data, a log event's message and a
 * delivered file's content are text, parsed as JSON when they are JSON; a table item, a metric data point and an
 * alarm state change are objects.
 */
import type { JsonValue, SinkKind, SinkRecord } from '../../contract/index.js';

/** The names a scenario may use for a sink kind: the engine's, or the AWS service's. */
export const sinkKindAliases: Record<string, SinkKind> = {
  queue: 'queue', sqs: 'queue',
  notify: 'notify', notification: 'notify', sns: 'notify',
  stream: 'stream', kinesis: 'stream',
  firehose: 'firehose',
  table: 'table', dynamodb: 'table',
  metric: 'metric', cloudwatchMetric: 'metric',
  log: 'log', cloudwatchLogs: 'log',
  alarm: 'alarm', cloudwatchAlarm: 'alarm',
};

const field = (data: JsonValue, name: string): JsonValue | undefined =>
  data && typeof data === 'object' && !Array.isArray(data) ? data[name] : undefined;

/** The text a predicate is matched against (an object as JSON text), and a notification's subject. */
export function sinkView(kind: SinkKind, record: SinkRecord): { text: string; subject?: string | null } {
  const d = record.data;
  const text = (name: string) => {
    const v = field(d, name);
    return typeof v === 'string' ? v : '';
  };
  switch (kind) {
    case 'notify': {
      const subject = field(d, 'subject');
      return { text: text('message'), subject: typeof subject === 'string' ? subject : null };
    }
    case 'queue': return { text: text('body') };
    case 'stream': return { text: typeof field(d, 'text') === 'string' ? text('text') : `base64:${text('data')}` };
    case 'log': return { text: text('message') };
    case 'firehose': return { text: text('content') };
    default: return { text: JSON.stringify(d) };
  }
}
