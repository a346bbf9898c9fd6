/** AWS IoT streams (MQTT file delivery) as the UI and the CLI see them (`streams.list`). Times are epoch ms. */

export interface StreamFileInfo {
  fileId: number;
  bucket: string;
  key: string;
  /** Bytes, as recorded when the stream was last set. */
  size: number;
}

export interface StreamInfo {
  streamId: string;
  streamArn: string;
  version: number;
  description?: string;
  files: StreamFileInfo[];
  createdAt: number;
  updatedAt: number;
}
