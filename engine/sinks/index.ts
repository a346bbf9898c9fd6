export { SinkService, type SinkEvents, type SinkServiceOptions } from './sink-service.js';
export { defaultSinkLimits, type FunctionRunner, type SinkLimits } from './sink-context.js';
export type { MessageAttribute, ReceivedMessage, SentMessage } from './queue.js';
export type { IteratorType, StreamRecord } from './stream.js';
export type { MetricDatum } from './cloudwatch.js';
export { alarmStates, arnOf, type AlarmState } from './sink-options.js';
export { shardFor } from './stream.js';
export { sinksApi } from './sinks-api.js';
