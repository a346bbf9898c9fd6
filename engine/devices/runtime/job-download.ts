/**
 * How a virtual device fetches and checks a job's files: HTTP(S) downloads (presigned local-S3 URLs among them), the
 * checks a file must pass (size, SHA-256, code-signing signature), and the MQTT stream download of AWS IoT's
 * MQTT-based file delivery (`$aws/things/{thing}/streams/{streamId}/…/json`, blocks requested in windows).
 *
 * LIMITATIONS: streams are fetched in JSON only (not CBOR); no resume across reconnections (a download starts over);
 * redirects are not followed.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { JobFile } from './job-document.js';
import { verifyFileSignature } from '../../core/index.js';

export class DownloadError extends Error {}

/** GETs `url` into memory; fails on a non-2xx status, more than `maxBytes`, or no end within `timeoutMs`. */
export function downloadUrl(url: string, opts: { ca?: string; maxBytes: number; timeoutMs: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const secure = url.toLowerCase().startsWith('https:');
    const fail = (message: string) => { req.destroy(); reject(new DownloadError(message)); };
    const req = (secure ? https : http).get(url, secure && opts.ca ? { ca: opts.ca } : {}, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        return fail(`download answered HTTP ${status}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBytes) fail(`the file is larger than ${opts.maxBytes} bytes`);
        else chunks.push(c);
      });
      res.on('end', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
      res.on('error', (e) => fail(`download failed: ${e.message}`));
    });
    const timer = setTimeout(() => fail(`download took longer than ${opts.timeoutMs} ms`), opts.timeoutMs);
    req.on('error', (e) => { clearTimeout(timer); reject(new DownloadError(`download failed: ${e.message}`)); });
    req.on('close', () => clearTimeout(timer));
  });
}

/** Why a downloaded file fails its checks, or undefined when it passes. */
export function checkFile(file: JobFile, data: Buffer): string | undefined {
  if (file.size !== undefined && data.length !== file.size) return `${file.name}: ${data.length} bytes, the document says ${file.size}`;
  if (file.sha256 && createHash('sha256').update(data).digest('hex') !== file.sha256) return `${file.name}: SHA-256 mismatch`;
  const sig = file.signature;
  if (!sig) return undefined;
  if (!sig.certificate?.includes('-----BEGIN')) return `${file.name}: no PEM certificate to verify the signature with`;
  return verifyFileSignature(data, sig.value, sig.certificate) ? undefined : `${file.name}: signature verification failed`;
}

/** What a stream download needs from its device. */
export interface StreamPort {
  thingName: string;
  publish(topic: string, payload: string): boolean;
  subscribe(filters: string[]): Promise<void>;
  unsubscribe(filters: string[]): void;
}

/** Blocks asked for per GetStream request: AWS answers at most 128 KB per request. */
const MAX_WINDOW = 32;
const MAX_REQUEST_BYTES = 131_072;

/**
 * One file of a stream over MQTT (JSON): DescribeStream when the size is unknown, then GetStream for windows of
 * blocks until every block arrived. The device hands it every message on the stream's topics (`onMessage`).
 */
export class StreamDownload {
  private readonly base: string;
  private readonly token: string;
  private blocks: (Buffer | undefined)[] = [];
  private missing = 0;
  private nextWindow = 0;
  private size: number | undefined;
  private settle: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private progress: (fraction: number) => void = () => {};

  constructor(private readonly port: StreamPort, private readonly file: { streamId: string; fileId: number; size?: number },
    private readonly blockSize: number, private readonly maxBytes: number) {
    this.base = `$aws/things/${port.thingName}/streams/${file.streamId}`;
    this.token = `${port.thingName}-${file.fileId}-${Date.now() % 1e9}`.slice(0, 64);
  }

  get filters(): string[] {
    return [`${this.base}/data/json`, `${this.base}/description/json`, `${this.base}/rejected/json`];
  }

  /** Resolves with the whole file; rejects on a `rejected` reply, a lost connection or after `timeoutMs`. */
  async run(timeoutMs: number, onProgress: (fraction: number) => void): Promise<Buffer> {
    this.progress = onProgress;
    await this.port.subscribe(this.filters);
    const result = new Promise<Buffer>((resolve, reject) => { this.settle = { resolve, reject }; });
    const timer = setTimeout(() => this.fail(`the stream download took longer than ${timeoutMs} ms`), timeoutMs);
    try {
      if (this.file.size === undefined) this.send('describe', { c: this.token });
      else this.start(this.file.size);
      return await result;
    } finally {
      clearTimeout(timer);
      this.port.unsubscribe(this.filters);
    }
  }

  /** True when the message was this download's. */
  onMessage(topic: string, payload: Buffer): boolean {
    if (!topic.startsWith(`${this.base}/`)) return false;
    let msg: Record<string, unknown>;
    try { msg = JSON.parse(payload.toString('utf8')) as Record<string, unknown>; } catch { return true; }
    if (msg.c !== undefined && msg.c !== this.token) return true;
    const kind = topic.slice(this.base.length + 1);
    if (kind === 'rejected/json') this.fail(`the stream request was rejected: ${String(msg.o ?? 'error')}${msg.m ? ` (${String(msg.m)})` : ''}`);
    else if (kind === 'description/json' && this.size === undefined) {
      const entry = Array.isArray(msg.r) ? (msg.r as Array<Record<string, unknown>>).find((r) => r.f === this.file.fileId) : undefined;
      if (!entry || typeof entry.z !== 'number') this.fail(`stream ${this.file.streamId} has no file ${this.file.fileId}`);
      else this.start(entry.z);
    } else if (kind === 'data/json') this.onBlock(msg);
    return true;
  }

  /** Ends the download (the connection went away). */
  abort(reason: string): void {
    this.fail(reason);
  }

  private start(size: number): void {
    if (size > this.maxBytes) return this.fail(`the file is larger than ${this.maxBytes} bytes`);
    this.size = size;
    const count = Math.ceil(size / this.blockSize);
    this.blocks = new Array<Buffer | undefined>(count);
    this.missing = count;
    if (!count) return this.done();
    this.requestWindow();
  }

  private requestWindow(): void {
    const count = this.blocks.length;
    const window = Math.max(1, Math.min(MAX_WINDOW, Math.floor(MAX_REQUEST_BYTES / this.blockSize)));
    const o = this.nextWindow, n = Math.min(window, count - o);
    this.nextWindow += n;
    this.send('get', { c: this.token, f: this.file.fileId, l: this.blockSize, o, n });
  }

  private onBlock(msg: Record<string, unknown>): void {
    const i = msg.i;
    if (msg.f !== this.file.fileId || typeof i !== 'number' || i < 0 || i >= this.blocks.length || this.blocks[i] || typeof msg.p !== 'string') return;
    this.blocks[i] = Buffer.from(msg.p, 'base64');
    this.missing--;
    if (!this.missing) return this.done();
    const received = this.blocks.length - this.missing;
    this.progress(received / this.blocks.length);
    // The window is complete: ask for the next one.
    if (received === this.nextWindow && this.nextWindow < this.blocks.length) this.requestWindow();
  }

  private done(): void {
    const data = Buffer.concat(this.blocks as Buffer[]);
    this.settle?.resolve(this.size === undefined ? data : data.subarray(0, this.size));
    this.settle = undefined;
  }

  private fail(message: string): void {
    this.settle?.reject(new DownloadError(message));
    this.settle = undefined;
  }

  private send(verb: 'describe' | 'get', body: object): void {
    if (!this.port.publish(`${this.base}/${verb}/json`, JSON.stringify(body))) this.fail('the device went offline');
  }
}
