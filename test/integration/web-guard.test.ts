/**
 * Who may reach what (core/local-guard.ts): on every HTTP and WebSocket listener of a real engine, a Host that does
 * not name the engine (DNS rebinding) and an Origin that is neither loopback nor allowed (another site's page) get
 * 403 before any work; JSON routes refuse non-JSON body types (415); off loopback the plain listeners enforce
 * policies unless `--plain allow-all` is said, and then the engine warns.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultConfig } from '../../engine/config.js';
import type { EngineInfo } from '../../engine/contract/index.js';
import type { LogEntry, Logger } from '../../engine/core/index.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { closeAll, open, uid } from '../helpers/broker-clients.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';

const ALLOWED = 'http://lab.example:8000';

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One HTTP request with exactly these headers (Host included), over http or https (any certificate). */
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', headers: opts.headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A WebSocket upgrade with subprotocol `mqtt`: 101 when it opens, else the refusal's status. */
function upgrade(url: string, opts: { host?: string; origin?: string } = {}): Promise<number> {
  const ws = new WebSocket(url, 'mqtt', { headers: opts.host ? { Host: opts.host } : {}, origin: opts.origin, rejectUnauthorized: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

async function startEngine(overrides: Parameters<typeof defaultConfig>[0] = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-guard-'));
  const logs: LogEntry[] = [];
  const logger: Logger = { log: (level, source, message, details) => logs.push({ level, source, message, time: Date.now(), details }) };
  const engine = await createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 }, ...overrides }), { logger });
  const info = await engine.start();
  const stop = async () => {
    await engine.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { engine, info, logs, stop };
}

describe('an engine on loopback', () => {
  let engine: Engine;
  let info: EngineInfo;
  let stop: () => Promise<void>;
  let logs: LogEntry[];
  let api: string;
  let apiHost: string;
  let iot: IoTClient;
  const clients: Parameters<typeof closeAll>[0] = [];

  beforeAll(async () => {
    ({ engine, info, logs, stop } = await startEngine({ security: { allowOrigins: [ALLOWED] } }));
    api = info.endpoints.http;
    apiHost = new URL(api).host;
    iot = new IoTClient({ endpoint: api, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    await closeAll(clients);
    await stop?.();
  });

  const thingExists = (name: string) => iot.send(new DescribeThingCommand({ thingName: name })).then(() => true, (e: Error) => {
    if (e.name === 'ResourceNotFoundException') return false;
    throw e;
  });

  describe('Host', () => {
    it('the HTTP API answers a foreign Host (DNS rebinding) or another port with 403 ForbiddenException, its own names as usual', async () => {
      const port = new URL(api).port;
      for (const host of [`rebind.evil.test:${port}`, 'rebind.evil.test', `127.0.0.1:${Number(port) + 1}`, `127.0.0.1.evil.test:${port}`]) {
        const res = await request(`${api}/things`, { headers: { Host: host } });
        expect(res.status, host).toBe(403);
        expect(res.headers['x-amzn-errortype']).toMatch(/^ForbiddenException/);
        expect(JSON.parse(res.body).message).toBe(`Host '${host}' does not name this endpoint`);
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, '127.0.0.1']) {
        expect((await request(`${api}/things`, { headers: { Host: host } })).status, host).toBe(200);
      }
    });

    it('an HTTP/1.0 request without Host (not a browser) is served', async () => {
      const socket = net.connect(Number(new URL(api).port), '127.0.0.1');
      socket.end('GET /things HTTP/1.0\r\n\r\n');
      let out = '';
      for await (const chunk of socket) out += String(chunk);
      expect(out).toMatch(/^HTTP\/1\.1 200 /);
    });

    it('MQTT over WebSocket refuses a foreign Host with 403, on the upgrade and on plain requests', async () => {
      const ws = info.endpoints.ws;
      const port = new URL(ws).port;
      expect(await upgrade(ws, { host: `rebind.evil.test:${port}` })).toBe(403);
      expect(await upgrade(ws, { host: `localhost:${Number(port) + 1}` })).toBe(403);
      expect((await request(ws.replace('ws:', 'http:'), { headers: { Host: `rebind.evil.test:${port}` } })).status).toBe(403);
      expect((await request(ws.replace('ws:', 'http:'), { headers: { Host: `127.0.0.1:${port}` } })).status).toBe(426);
      expect(await upgrade(ws, { host: `localhost:${port}` })).toBe(101);
      expect(await upgrade(ws, { host: `[::1]:${port}` })).toBe(101);
    });

    it('MQTT over secure WebSocket refuses a foreign Host with 403 before any certificate check', async () => {
      const wss = info.endpoints.wss;
      const port = new URL(wss).port;
      expect(await upgrade(wss, { host: `rebind.evil.test:${port}` })).toBe(403);
      expect((await request(wss.replace('wss:', 'https:'), { headers: { Host: `rebind.evil.test:${port}` } })).status).toBe(403);
      // A loopback Host passes the web guard; the HTTPS device endpoint behind it then closes a connection without a
      // client certificate, as AWS's 8443 refuses the handshake.
      await expect(request(wss.replace('wss:', 'https:'), { headers: { Host: `127.0.0.1:${port}` } })).rejects.toThrow(/socket hang up|ECONNRESET/);
    });
  });

  describe('Origin', () => {
    it('the HTTP API refuses another site\'s page (403) and does nothing; loopback pages and --allow-origin pass', async () => {
      for (const origin of ['https://evil.test', 'http://127.0.0.1.evil.test:8080', 'null', 'http://lab.example:8001']) {
        const name = uid('from-page');
        const res = await request(`${api}/things/${name}`, { method: 'POST', headers: { Host: apiHost, Origin: origin, 'Content-Type': 'application/json' }, body: '{}' });
        expect(res.status, origin).toBe(403);
        expect(JSON.parse(res.body).message).toBe(`Origin '${origin}' is not allowed (see --allow-origin)`);
        expect(await thingExists(name)).toBe(false);
      }
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8000', ALLOWED]) {
        const name = uid('from-page');
        const res = await request(`${api}/things/${name}`, { method: 'POST', headers: { Host: apiHost, Origin: origin, 'Content-Type': 'application/json' }, body: '{}' });
        expect(res.status, origin).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(await thingExists(name)).toBe(true);
      }
    });

    it('MQTT over WebSocket refuses another site\'s page (403); loopback pages and --allow-origin connect', async () => {
      for (const origin of ['https://evil.test', 'null', 'http://127.0.0.2:3000']) expect(await upgrade(info.endpoints.ws, { origin }), origin).toBe(403);
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:9999', ALLOWED]) expect(await upgrade(info.endpoints.ws, { origin }), origin).toBe(101);
      expect(await upgrade(info.endpoints.wss, { origin: 'https://evil.test' })).toBe(403);
    });
  });

  describe('content types on JSON routes', () => {
    it.each(['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('refuses %s with 415 before reading it', async (type) => {
      const name = uid('ct');
      const res = await request(`${api}/things/${name}`, { method: 'POST', headers: { Host: apiHost, 'Content-Type': type }, body: '{}' });
      expect(res.status).toBe(415);
      expect(res.headers['x-amzn-errortype']).toMatch(/^UnsupportedMediaTypeException/);
      expect(await thingExists(name)).toBe(false);
    });

    it('accepts JSON (with a charset) and no type at all (bodiless calls of the CLI and SDKs)', async () => {
      const name = uid('ct');
      expect((await request(`${api}/things/${name}`, { method: 'POST', headers: { Host: apiHost, 'Content-Type': 'application/json; charset=utf-8' }, body: '{}' })).status).toBe(200);
      expect((await request(`${api}/things`, { headers: { Host: apiHost } })).status).toBe(200);
      expect(await thingExists(name)).toBe(true);
    });

    it('payload routes (Publish) take any type, as AWS does', async () => {
      const sub = await open(info.endpoints.mqtt);
      clients.push(sub.client);
      await sub.client.subscribeAsync('guard/plain', { qos: 1 });
      const res = await request(`${api}/topics/guard%2Fplain?qos=1`, { method: 'POST', headers: { Host: apiHost, 'Content-Type': 'text/plain' }, body: 'hello' });
      expect(res.status).toBe(200);
      await vi.waitFor(() => expect(sub.messages.map((m) => m.payload.toString())).toEqual(['hello']));
    });
  });

  it('keeps the plain listeners open to all on loopback, without a warning; refusals are logged', () => {
    expect(engine.config.security.plain).toBe('allow-all');
    expect(logs.filter((l) => /anyone on the network/.test(l.message))).toEqual([]);
    expect(logs.some((l) => l.level === 'warn' && l.source === 'api.http' && l.message === "refused a request: Origin 'https://evil.test' is not allowed (see --allow-origin)")).toBe(true);
  });
});

describe('off loopback (127.0.0.2)', () => {
  it('the plain listeners enforce policies by default: a CONNECT without a certificate is refused, and the guard knows the address', async () => {
    const e = await startEngine({ host: '127.0.0.2' });
    try {
      expect(e.engine.config.security.plain).toBe('enforce');
      expect(e.logs.filter((l) => l.level === 'warn' && /anyone on the network/.test(l.message))).toEqual([]);
      await expect(open(e.info.endpoints.mqtt)).rejects.toThrow(/Not authorized|Connection refused/i);
      const port = new URL(e.info.endpoints.ws).port;
      expect(await upgrade(e.info.endpoints.ws, { host: `127.0.0.2:${port}` })).toBe(101);
      expect(await upgrade(e.info.endpoints.ws, { host: `rebind.evil.test:${port}` })).toBe(403);
    } finally {
      await e.stop();
    }
  });

  it('--plain allow-all must be said, and then the engine warns that anyone on the network can publish', async () => {
    const e = await startEngine({ host: '127.0.0.2', security: { plain: 'allow-all' } });
    const clients: Parameters<typeof closeAll>[0] = [];
    try {
      expect(e.logs.find((l) => l.level === 'warn' && l.source === 'security')?.message).toBe(
        '--plain allow-all on 127.0.0.2: anyone on the network can connect to the plain MQTT and WebSocket listeners and publish or subscribe to any topic, with no policy checks');
      const c = await open(e.info.endpoints.mqtt);
      clients.push(c.client);
      expect(c.client.connected).toBe(true);
    } finally {
      await closeAll(clients);
      await e.stop();
    }
  });
});

describe('thingbench --allow-origin', () => {
  let cli: RunningCli | undefined;
  afterAll(async () => {
    await cli?.kill9();
    if (cli) fs.rmSync(cli.ready.dataDir, { recursive: true, force: true });
  });

  it('refuses a value that is not an origin (exit 2) and is in --help', async () => {
    const bad = runCli(['up', '--allow-origin', 'http://lab.example:8000/page']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toContain("--allow-origin must be an origin like http://host:port (scheme, host and port only) or null, not 'http://lab.example:8000/page'");
    const help = runCli(['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toMatch(/--allow-origin ORIGIN/);
  });

  it('lets the named origin in on the WebSocket listener and the HTTP API; other sites stay out', async () => {
    cli = await startCli(fs.mkdtempSync(path.join(os.tmpdir(), 'tb-guard-cli-')), ['--allow-origin', 'HTTP://Lab.Example:8000/', '--allow-origin', 'null']);
    const ws = cli.ready.endpoints.ws;
    expect(await upgrade(ws, { origin: ALLOWED })).toBe(101);
    expect(await upgrade(ws, { origin: 'null' })).toBe(101);
    expect(await upgrade(ws, { origin: 'http://other.example:8000' })).toBe(403);
    const host = new URL(cli.httpUrl).host;
    expect((await request(`${cli.httpUrl}/things`, { headers: { Host: host, Origin: ALLOWED } })).status).toBe(200);
    expect((await request(`${cli.httpUrl}/things`, { headers: { Host: host, Origin: 'http://other.example:8000' } })).status).toBe(403);
  });
});
