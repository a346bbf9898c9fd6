export { StreamService, streamArn, MAX_STREAM_FILES, type Stream, type StreamFile, type StreamFileInput, type StreamObjects } from './stream-service.js';
export { parseGet, parseDescribe, plannedBlocks, DeliveryRejection, type DeliveryErrorCode, type GetRequest } from './block-request.js';
export { streamsApi } from './streams-api.js';
