// SQS queues behind the SQS API (see engine/sinks/queue.ts): FIFO message groups and deduplication, the first receive
// time, system attributes set by the sender; and the 5-minute deduplication window of FIFO queues.
export const sql = `
ALTER TABLE sink_queue_messages ADD COLUMN group_id TEXT;         -- FIFO MessageGroupId (NULL on standard queues)
ALTER TABLE sink_queue_messages ADD COLUMN dedup_id TEXT;         -- FIFO MessageDeduplicationId (given or the body's SHA-256)
ALTER TABLE sink_queue_messages ADD COLUMN first_received INTEGER; -- epoch ms of the first receive
ALTER TABLE sink_queue_messages ADD COLUMN system_attributes TEXT; -- JSON of message system attributes (AWSTraceHeader)
CREATE TABLE sink_queue_dedup (
  queue TEXT NOT NULL,
  dedup_key TEXT NOT NULL,  -- the deduplication id, prefixed with the group when the scope is the message group
  message_id TEXT NOT NULL,
  md5 TEXT NOT NULL,
  seq TEXT NOT NULL,        -- the SequenceNumber the first send got
  expires INTEGER NOT NULL, -- epoch ms: end of the 5-minute window
  PRIMARY KEY (queue, dedup_key)
);
`;
