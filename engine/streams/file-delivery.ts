/**
 * MQTT-based file delivery [DG:mqtt-based-file-delivery-in-devices]: answers DescribeStream on
 * `$aws/things/{thing}/streams/{streamId}/describe/{json|cbor}` with `…/description/{format}` and GetStream on
 * `…/get/{format}` with one `…/data/{format}` message per block (`c`, `f`, `l`, `i`, `p`: base64 text in JSON, a byte
 * string in CBOR); a refused request gets `…/rejected/{format}` with `o` (code), `m` (message) and `c`.
 *
 * LIMITATIONS: replies are ordinary publishes (QoS 1) that every client subscribed to the reply topic and allowed to
 * receive it gets, as for shadows; the thing name in the topic is not checked against the registry; blocks are read
 * from the local S3 when asked for, so a changed object is refused with ETagMismatch rather than served from a copy.
 */
import fs from 'node:fs';
import type { Disposable, Logger } from '../core/index.js';
import type { Publisher, TappedMessage } from '../broker/index.js';
import { DeliveryRejection, parseDescribe, parseGet, plannedBlocks } from './block-request.js';
import { deliveryCodecs, type DeliveryCodec, type DeliveryFormat } from './delivery-codec.js';
import type { Stream, StreamFile } from './stream-service.js';

/** What file delivery reads: streams by id and their files' bodies in the local S3. */
export interface DeliverySources {
  stream(id: string): Stream | undefined;
  /** The object now (size, ETag) and a descriptor to read it from; the caller closes it. */
  open(bucket: string, key: string): { info: { size: number; etag: string }; fd: number };
}

/** QoS of the replies: QoS 1 subscribers get QoS 1. */
const REPLY_QOS = 1;

export class FileDelivery {
  private taps: Disposable[] = [];

  constructor(private readonly pub: Publisher, private readonly sources: DeliverySources, private readonly logger: Logger) {}

  start(): void {
    this.taps = Object.keys(deliveryCodecs).flatMap((format) => ['describe', 'get'].map((op) => this.pub.tap(`$aws/things/+/streams/+/${op}/${format}`, (msg) => {
      if (msg.will) return; // a client's last will is nobody's request
      void this.answer(msg, op as 'describe' | 'get', format as DeliveryFormat).catch((e: unknown) => {
        this.logger.log('warn', 'streams', `could not answer ${msg.topic}: ${e instanceof Error ? e.message : String(e)}`);
      });
    })));
  }

  stop(): void {
    for (const tap of this.taps) tap.dispose();
    this.taps = [];
  }

  private async answer(msg: TappedMessage, op: 'describe' | 'get', format: DeliveryFormat): Promise<void> {
    const levels = msg.topic.split('/');
    const base = levels.slice(0, 5).join('/'); // $aws/things/{thing}/streams/{streamId}
    const codec = deliveryCodecs[format];
    try {
      const doc = codec.decode(msg.payload);
      const stream = this.sources.stream(levels[4]);
      if (op === 'describe') {
        const req = parseDescribe(doc);
        if (!stream) throw new DeliveryRejection('ResourceNotFound', `Stream ${levels[4]} does not exist`, req.clientToken);
        await this.reply(`${base}/description/${format}`, codec, {
          ...(req.clientToken !== undefined ? { c: req.clientToken } : {}), s: stream.version,
          ...(stream.description !== undefined ? { d: stream.description } : {}),
          r: stream.files.map((f) => ({ f: f.fileId, z: f.size })),
        });
        return;
      }
      const req = parseGet(doc);
      const c = req.clientToken;
      if (!stream) throw new DeliveryRejection('ResourceNotFound', `Stream ${levels[4]} does not exist`, c);
      if (req.streamVersion !== undefined && req.streamVersion !== stream.version) {
        throw new DeliveryRejection('VersionMismatch', `The stream version ${req.streamVersion} does not match the version of stream ${stream.id} (${stream.version})`, c);
      }
      const file = stream.files.find((f) => f.fileId === req.fileId);
      if (!file) throw new DeliveryRejection('ResourceNotFound', `Stream ${stream.id} has no file ${req.fileId}`, c);
      const blocks = plannedBlocks(req, file.size);
      const fd = this.openFile(file, c);
      try {
        for (const block of blocks) {
          const start = block * req.blockSize;
          const buf = Buffer.alloc(Math.min(req.blockSize, file.size - start));
          const read = fs.readSync(fd, buf, 0, buf.length, start);
          await this.reply(`${base}/data/${format}`, codec, {
            ...(c !== undefined ? { c } : {}), f: file.fileId, l: read, i: block, p: codec.bytes(buf.subarray(0, read)),
          });
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      const rejection = e instanceof DeliveryRejection ? e : new DeliveryRejection('InternalError', 'An internal error occurred in MQTT-based file delivery');
      if (!(e instanceof DeliveryRejection)) this.logger.log('error', 'streams', `answering ${msg.topic} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      await this.reply(`${base}/rejected/${format}`, codec, {
        o: rejection.code, m: rejection.message, ...(rejection.clientToken !== undefined ? { c: rejection.clientToken } : {}),
      });
    }
  }

  /** The file's object, refused when it is gone or is no longer the object the stream recorded. */
  private openFile(file: StreamFile, clientToken: string | undefined): number {
    let opened: { info: { size: number; etag: string }; fd: number };
    try {
      opened = this.sources.open(file.bucket, file.key);
    } catch {
      throw new DeliveryRejection('ResourceNotFound', `The S3 object s3://${file.bucket}/${file.key} of file ${file.fileId} was not found`, clientToken);
    }
    if (opened.info.etag !== file.etag || opened.info.size !== file.size) {
      fs.closeSync(opened.fd);
      throw new DeliveryRejection('ETagMismatch', `The S3 ETag of file ${file.fileId} does not match the ETag of the latest S3 object s3://${file.bucket}/${file.key}`, clientToken);
    }
    return opened.fd;
  }

  private reply(topic: string, codec: DeliveryCodec, body: Record<string, unknown>): Promise<void> {
    return this.pub.publish({ topic, payload: codec.encode(body), qos: REPLY_QOS, retain: false });
  }
}
