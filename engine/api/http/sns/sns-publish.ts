/** Publish and PublishBatch of SNS: to a topic by TopicArn (or TargetArn naming a topic), with message attributes. */
import { isEngineError } from '../../../core/index.js';
import type { NotifyAttribute, NotifySink } from '../../../sinks/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';

type WireAttribute = { DataType: string; StringValue?: string; BinaryValue?: Buffer | Uint8Array | string };
interface Message {
  Message: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, WireAttribute>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}
interface PublishInput extends Message { TopicArn?: string; TargetArn?: string; PhoneNumber?: string }
interface BatchEntry extends Message { Id: string }

const MAX_BYTES = 262_144;
const invalid = (what: string) => serviceError('InvalidParameterException', `Invalid parameter: ${what}`);

/** Attributes as the domain keeps them: binary values base64 (as SNS writes them in notifications). */
function attributes(wire: Record<string, WireAttribute> | undefined): Record<string, NotifyAttribute> {
  const out: Record<string, NotifyAttribute> = {};
  for (const [name, a] of Object.entries(wire ?? {})) {
    out[name] = {
      DataType: a.DataType,
      ...(a.StringValue === undefined ? {} : { StringValue: a.StringValue }),
      ...(a.BinaryValue === undefined ? {} : { BinaryValue: typeof a.BinaryValue === 'string' ? a.BinaryValue : Buffer.from(a.BinaryValue).toString('base64') }),
    };
  }
  return out;
}

function publishOptions(m: Message) {
  if (m.MessageStructure !== undefined && m.MessageStructure !== 'json') throw invalid('MessageStructure');
  return {
    ...(m.Subject === undefined ? {} : { subject: m.Subject }),
    ...(m.MessageStructure === 'json' ? { messageStructure: 'json' as const } : {}),
    attributes: attributes(m.MessageAttributes),
    ...(m.MessageGroupId === undefined ? {} : { messageGroupId: m.MessageGroupId }),
    ...(m.MessageDeduplicationId === undefined ? {} : { messageDeduplicationId: m.MessageDeduplicationId }),
  };
}

export function snsPublishOperations(notify: NotifySink): Record<string, OperationHandler> {
  const topics = notify.topics;
  /** The topic a Publish names; the Target form is accepted when it names a topic (platform endpoints do not exist here). */
  const topicOf = (input: PublishInput): string => {
    if (input.PhoneNumber !== undefined && input.TopicArn === undefined && input.TargetArn === undefined) {
      throw invalid('PhoneNumber Reason: Thingbench sends no SMS; publish to a topic with an sms subscription (kept in the topic\'s inbox)');
    }
    const arn = input.TopicArn ?? input.TargetArn;
    if (arn === undefined) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    return topics.topic(arn).name;
  };
  return {
    Publish: async (input: PublishInput) => {
      const topic = topicOf(input);
      const sent = await notify.publish(topic, input.Message, publishOptions(input));
      return { MessageId: sent.messageId, ...(sent.sequenceNumber ? { SequenceNumber: sent.sequenceNumber } : {}) };
    },
    PublishBatch: async (input: { TopicArn: string; PublishBatchRequestEntries?: BatchEntry[] }) => {
      const topic = topics.topic(input.TopicArn).name;
      const entries = input.PublishBatchRequestEntries ?? [];
      if (!entries.length) throw serviceError('EmptyBatchRequestException', 'The batch request doesn\'t contain any entries.');
      if (entries.length > 10) throw serviceError('TooManyEntriesInBatchRequestException', 'The batch request contains more entries than permissible.');
      const ids = new Set<string>();
      for (const e of entries) {
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(e.Id ?? '')) {
          throw serviceError('InvalidBatchEntryIdException', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
        }
        if (ids.has(e.Id)) throw serviceError('BatchEntryIdsNotDistinctException', 'Two or more batch entries in the request have the same Id.');
        ids.add(e.Id);
      }
      const total = entries.reduce((n, e) => n + Buffer.byteLength(e.Message ?? ''), 0);
      if (total > MAX_BYTES) throw serviceError('BatchRequestTooLongException', 'The length of all the messages put together is more than the limit.');
      const Successful: Array<{ Id: string; MessageId: string; SequenceNumber?: string }> = [];
      const Failed: Array<{ Id: string; Code: string; SenderFault: boolean; Message: string }> = [];
      for (const e of entries) {
        try {
          const sent = await notify.publish(topic, e.Message ?? '', publishOptions(e));
          Successful.push({ Id: e.Id, MessageId: sent.messageId, ...(sent.sequenceNumber ? { SequenceNumber: sent.sequenceNumber } : {}) });
        } catch (err) {
          if (!isEngineError(err) && !(err instanceof Error && err.name === 'ServiceError')) throw err;
          const reason = isEngineError(err) ? (err.details as { reason?: string } | undefined)?.reason : undefined;
          Failed.push({ Id: e.Id, Code: reason ?? 'InvalidParameter', SenderFault: true, Message: err.message });
        }
      }
      return { Successful, Failed };
    },
  };
}
