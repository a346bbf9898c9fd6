/**
 * One real engine per fuzz file, and what every fuzz target asserts about it: each request is answered in bounded
 * time with an AWS-shaped response (never a 5xx for bad input), the engine logs no internal failure, its memory
 * stays bounded, and a QoS 1 canary acknowledged during the fuzz is delivered and retained afterwards.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { expect } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { BrokerMode } from '../../engine/contract/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

/** A request must be answered within this (a hang is a failure). */
export const ANSWER_MS = 5000;

export interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

export class FuzzEngine {
  private canaryClient!: MqttClient;
  private readonly delivered = new Set<string>();
  private canaries = 0;
  /** Canary topics no generated input can guess, so fuzz publishes never count as canaries. */
  private readonly canaryPrefix = `canary/${randomBytes(6).toString('hex')}`;
  private rssAtStart = 0;
  private failuresSeen = 0;
  private constructor(readonly te: TestEngine) {}

  static async start(mode: BrokerMode = 'aws'): Promise<FuzzEngine> {
    const f = new FuzzEngine(await startTestEngine({ mode }));
    f.canaryClient = await connect(f.te.mqttPort, { clientId: 'fz-canary-watch' });
    await f.canaryClient.subscribeAsync(`${f.canaryPrefix}/#`, { qos: 1 });
    f.canaryClient.on('message', (t) => { if (t.startsWith(`${f.canaryPrefix}/`)) f.delivered.add(t); });
    f.rssAtStart = process.memoryUsage().rss;
    process.on('uncaughtException', f.onUncaught).on('unhandledRejection', f.onUncaught);
    return f;
  }

  /** A crash inside the engine: recorded so the input that caused it is the one reported (vitest reports it too). */
  private readonly uncaught: string[] = [];
  private readonly onUncaught = (e: unknown) => { this.uncaught.push(`uncaught: ${e instanceof Error ? e.stack : String(e)}`); };

  get httpPort(): number { return Number(new URL(this.te.httpUrl).port); }

  /** One raw HTTP request; rejects when no complete answer arrives within ANSWER_MS. */
  request(method: string, rawPath: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
    // Only printable ASCII goes raw (Node's client refuses control characters; a parser that rejects Latin-1 bytes
    // cannot know the method, so its error has a body even for HEAD): the rest is percent-encoded UTF-8.
    const path = rawPath.replace(/[^\u0021-\u007e]/g, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.httpPort, method, path, agent: false,
        headers: { 'content-type': 'application/json', ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }); });
        res.on('error', (e) => { clearTimeout(timer); reject(e); });
      });
      const timer = setTimeout(() => { req.destroy(); reject(new Error(`no answer to ${method} ${path.slice(0, 120)} within ${ANSWER_MS} ms`)); }, ANSWER_MS);
      req.on('error', (e) => { clearTimeout(timer); reject(e); });
      req.end(body);
    });
  }

  /** A publish acknowledged now must be delivered to the canary subscriber and be the retained message after the fuzz. */
  async canary(): Promise<void> {
    const topic = `${this.canaryPrefix}/${++this.canaries}`;
    await this.canaryClient.publishAsync(topic, `canary ${this.canaries}`, { qos: 1, retain: true });
  }

  /** The engine's state after the fuzz: canaries delivered and retained, no internal failure logged, memory bounded. */
  async verifyHealthy(): Promise<void> {
    await this.canary();
    await expect.poll(() => this.delivered.size, { timeout: ANSWER_MS }).toBe(this.canaries);
    for (let i = 1; i <= this.canaries; i++) expect(this.delivered.has(`${this.canaryPrefix}/${i}`), `canary ${i} delivered`).toBe(true);
    const retained = await this.request('GET', `/retainedMessage/${encodeURIComponent(`${this.canaryPrefix}/${this.canaries}`)}`);
    expect(retained.status).toBe(200);
    expect(Buffer.from(JSON.parse(retained.body).payload as string, 'base64').toString()).toBe(`canary ${this.canaries}`);
    const fresh = await connect(this.te.mqttPort, { clientId: 'fz-after' }); // still accepting connections
    await fresh.endAsync();
    expect(this.internalFailures()).toEqual([]);
    const grownMb = (process.memoryUsage().rss - this.rssAtStart) / 2 ** 20;
    expect(grownMb, 'RSS growth during the fuzz (MB)').toBeLessThan(400);
  }

  /** Fails when an internal failure was logged since the last call (so the input that caused it is reported). */
  expectNoNewFailures(): void {
    const all = this.internalFailures();
    const fresh = all.slice(this.failuresSeen);
    this.failuresSeen = all.length;
    expect(fresh, 'internal failures logged for this input').toEqual([]);
  }

  /** Error-level log entries: each is an internal failure (a 500, a crashed handler). */
  internalFailures(): string[] {
    return [...this.uncaught, ...this.te.logs.filter((l) => l.level === 'error').map((l) => `${l.source}: ${l.message}`)];
  }

  async stop(): Promise<void> {
    process.off('uncaughtException', this.onUncaught).off('unhandledRejection', this.onUncaught);
    await this.canaryClient?.endAsync(true);
    await this.te.stop();
  }
}

/**
 * An answer is AWS-shaped: a status below 500 and, for errors, a JSON body with a message and an error type header —
 * or, for a request signed for a REST-XML or query service (S3, SNS), that service's XML error with a code and message.
 */
export function expectAwsShaped(a: Answer, what: string): void {
  expect(a.status, `${what} → ${a.status} ${a.body.slice(0, 300)}`).toBeLessThan(500);
  expect(a.status, what).toBeGreaterThanOrEqual(200);
  if (a.status >= 400 && /xml/.test(String(a.headers['content-type']))) {
    expect(a.body, `${what}: XML error`).toMatch(/<Error>[\s\S]*<Code>[A-Za-z.]+<\/Code>[\s\S]*<Message>[\s\S]*<\/Message>/);
  } else if (a.status >= 400) {
    expect(a.headers['x-amzn-errortype'], `${what}: error type header`).toMatch(/^[A-Za-z]+(Exception|Error)?/);
    expect(typeof (JSON.parse(a.body) as { message?: unknown }).message, `${what}: body ${a.body.slice(0, 200)}`).toBe('string');
  }
}
