import type { MessageBatch, MessageProperties, MessageRecord, TopicStats } from './types.js';

/**
 * `broker.messages` as it crosses the wire (`packBatch` on the engine's side, `unpackBatch` in the client): column by
 * column, so the field names are written once a batch instead of once a message and once a topic, and a changed
 * topic's last payload is the index of the batch's message that carries it when that message is in the batch. A flood
 * batch (1,000 messages, 1,000 topics) is about half the JSON: less to write for the engine, and less of the
 * WebSocket data a page keeps until its next mark-compact.
 */
export interface WireBatch {
  dropped: number;
  removed?: string[];
  messages: {
    id: number[]; topic: string[]; payload: string[]; size: number[]; qos: (0 | 1 | 2)[]; clientId: (string | null)[]; time: number[];
    /** Indexes of the messages whose payload is a preview, and of the retained ones. */
    truncated: number[]; retain: number[];
    /** The MQTT 5 properties of the messages that have them, by index. */
    properties: [number, MessageProperties][];
  };
  topics: {
    topic: string[]; count: number[]; rate: number[]; lastSize: number[]; lastQos: (0 | 1 | 2)[]; lastPublisher: (string | null)[]; lastTime: number[];
    /** Indexes of the topics holding a retained message. */
    retained: number[];
    /** The last payload's preview, or the index of the message in `messages` with that same payload. */
    lastPayload: (string | number)[];
  };
}

export function packBatch(batch: MessageBatch): WireBatch {
  const m: WireBatch['messages'] = { id: [], topic: [], payload: [], size: [], qos: [], clientId: [], time: [], truncated: [], retain: [], properties: [] };
  const lastOfTopic = new Map<string, number>();
  batch.messages.forEach((r, i) => {
    m.id.push(r.id);
    m.topic.push(r.topic);
    m.payload.push(r.payload);
    m.size.push(r.size);
    m.qos.push(r.qos);
    m.clientId.push(r.clientId);
    m.time.push(r.time);
    if (r.truncated) m.truncated.push(i);
    if (r.retain) m.retain.push(i);
    if (r.properties) m.properties.push([i, r.properties]);
    lastOfTopic.set(r.topic, i);
  });
  const t: WireBatch['topics'] = { topic: [], count: [], rate: [], lastSize: [], lastQos: [], lastPublisher: [], lastTime: [], retained: [], lastPayload: [] };
  batch.topics.forEach((s, i) => {
    t.topic.push(s.topic);
    t.count.push(s.count);
    t.rate.push(s.rate);
    t.lastSize.push(s.lastSize);
    t.lastQos.push(s.lastQos);
    t.lastPublisher.push(s.lastPublisher);
    t.lastTime.push(s.lastTime);
    if (s.retained) t.retained.push(i);
    const last = lastOfTopic.get(s.topic);
    t.lastPayload.push(last !== undefined && m.payload[last] === s.lastPayload ? last : s.lastPayload);
  });
  const wire: WireBatch = { dropped: batch.dropped, messages: m, topics: t };
  if (batch.removed) wire.removed = batch.removed;
  return wire;
}

export function unpackBatch(wire: WireBatch): MessageBatch {
  const m = wire.messages;
  const truncated = new Set(m.truncated);
  const retain = new Set(m.retain);
  const properties = new Map(m.properties);
  const messages = m.id.map((id, i): MessageRecord => {
    const record: MessageRecord = {
      id, topic: m.topic[i]!, payload: m.payload[i]!, size: m.size[i]!, truncated: truncated.has(i), qos: m.qos[i]!,
      retain: retain.has(i), clientId: m.clientId[i]!, time: m.time[i]!,
    };
    const props = properties.get(i);
    if (props) record.properties = props;
    return record;
  });
  const t = wire.topics;
  const retained = new Set(t.retained);
  const topics = t.topic.map((topic, i): TopicStats => {
    const payload = t.lastPayload[i]!;
    return {
      topic, count: t.count[i]!, rate: t.rate[i]!, lastPayload: typeof payload === 'number' ? m.payload[payload]! : payload,
      lastSize: t.lastSize[i]!, lastQos: t.lastQos[i]!, retained: retained.has(i), lastPublisher: t.lastPublisher[i]!, lastTime: t.lastTime[i]!,
    };
  });
  const batch: MessageBatch = { messages, dropped: wire.dropped, topics };
  if (wire.removed) batch.removed = wire.removed;
  return batch;
}
