import { ObjectService } from '../objects/index.js';
import { encodeName } from '../security/index.js';
import { SignerService } from '../signer/index.js';
import { StreamService } from '../streams/index.js';
import type { EngineBase } from './engine-base.js';
import type { IotArea } from './compose-iot.js';

/** Files: the local S3, AWS IoT streams of its files, and code signing of them. */
export type FilesArea = ReturnType<typeof composeFiles>;

export function composeFiles({ config, clock, logs, store }: EngineBase, { broker, security }: IotArea) {
  // The local S3: its own buckets and objects, and where Firehose delivers.
  const objects = new ObjectService(store, clock, { dataDir: config.dataDir, logger: logs });
  // AWS IoT streams: files in the local S3 that devices fetch block by block over MQTT.
  const streams = new StreamService(store, clock, objects, broker, logs);
  // Code signing (AWS Signer): signing certificates issued by the engine's root CA, files signed in the local S3.
  const signer = new SignerService(store, clock, objects, (cn, spki) => security.ca.issue(encodeName([['O', 'Thingbench'], ['CN', cn]]), spki).toString());
  return { objects, streams, signer };
}
