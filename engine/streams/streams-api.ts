import type { StreamInfo, ThingbenchApi } from '../contract/index.js';
import type { Stream, StreamService } from './stream-service.js';

const info = (s: Stream): StreamInfo => ({
  streamId: s.id, streamArn: s.arn, version: s.version, ...(s.description !== undefined ? { description: s.description } : {}),
  files: s.files.map((f) => ({ fileId: f.fileId, bucket: f.bucket, key: f.key, size: f.size })),
  createdAt: s.created, updatedAt: s.updated,
});

/** The contract's `streams` area over the stream service. */
export function streamsApi(streams: StreamService): ThingbenchApi['streams'] {
  return {
    list: async () => streams.list(true).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(info),
  };
}
