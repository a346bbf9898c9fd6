/**
 * Browser-mode server (engine/host/serve.ts) against a real engine: who may open `/rpc`, what the socket does with
 * bad input, flow control for a client that stops reading, and the static side (headers, traversal).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultConfig } from '../../engine/config.js';
import { createClient, unpackBatch, type MessageRecord, type WireMessage } from '../../engine/contract/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { startUiServer, type UiServer } from '../../engine/host/index.js';
import { nodeTransport } from '../helpers/ui-transport.js';

let tmp: string;
let engine: Engine;
let ui: UiServer;
let origin: string;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-ui-'));
  // A tiny stand-in for renderer/dist, with a secret next to it that traversal must not reach.
  const staticDir = path.join(tmp, 'dist');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>tb</title>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'export {};');
  fs.writeFileSync(path.join(tmp, 'package.json'), '{"secret":"TRAVERSAL-MARKER"}');
  engine = await createEngine(defaultConfig({ dataDir: path.join(tmp, 'data'), ports: { mqtt: 0, ws: 0, http: 0 } }));
  await engine.start();
  ui = await startUiServer(engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });
  origin = `http://127.0.0.1:${ui.port}`;
});

afterAll(async () => {
  sockets.forEach((s) => s.terminate());
  await ui?.close();
  await engine?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Opens `/rpc`; resolves with the socket once open, or with the HTTP status of a refused upgrade. */
function openRpc(opts: { token?: string | null; origin?: string | null; host?: string } = {}): Promise<{ socket?: WebSocket; status?: number }> {
  const token = opts.token === undefined ? ui.token : opts.token;
  const url = `ws://127.0.0.1:${ui.port}/rpc${token === null ? '' : `?token=${token}`}`;
  const headers: Record<string, string> = opts.host ? { Host: opts.host } : {};
  const socket = new WebSocket(url, { headers, ...(opts.origin === null ? {} : { origin: opts.origin ?? origin }) });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      res.resume();
    });
    socket.once('error', (err) => reject(err));
  });
}

function nextMessage(socket: WebSocket, match: (msg: WireMessage) => boolean): Promise<WireMessage> {
  return new Promise((resolve) => {
    const listener = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as WireMessage;
      if (!match(msg)) return;
      socket.off('message', listener);
      resolve(msg);
    };
    socket.on('message', listener);
  });
}

function get(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    // `path` is sent as written: no client-side normalisation of `..` or percent escapes.
    const req = http.request({ host: '127.0.0.1', port: ui.port, path: rawPath, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('/rpc access', () => {
  it('prints a URL that carries the token', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/?token=${ui.token}`);
    expect(ui.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a connection without the token (401)', async () => {
    expect(await openRpc({ token: null })).toEqual({ status: 401 });
  });

  it('refuses a wrong token of the right length (401)', async () => {
    expect(await openRpc({ token: ui.token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) })).toEqual({ status: 401 });
  });

  it('refuses a foreign Origin (403)', async () => {
    expect(await openRpc({ origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await openRpc({ origin: `http://127.0.0.1:${ui.port + 1}` })).toEqual({ status: 403 });
  });

  it('refuses a missing Origin (403)', async () => {
    expect(await openRpc({ origin: null })).toEqual({ status: 403 });
  });

  it('refuses a foreign Host, as DNS rebinding would send (403)', async () => {
    expect(await openRpc({ host: `rebind.example:${ui.port}`, origin: `http://rebind.example:${ui.port}` })).toEqual({ status: 403 });
    expect(await openRpc({ host: `127.0.0.1:${ui.port + 1}` })).toEqual({ status: 403 });
  });

  it('accepts the token with the own origin, in both spellings, and a call round-trips', async () => {
    for (const own of [origin, `http://localhost:${ui.port}`]) {
      const { socket } = await openRpc({ origin: own });
      expect(socket).toBeDefined();
      const client = createClient(nodeTransport(socket!));
      const info = await client.engine.info();
      expect(info.brokerMode).toBe('aws');
      expect(info.endpoints.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      client.dispose();
    }
  });
});

describe('/rpc robustness', () => {
  it('answers malformed JSON and unknown methods with wire errors and keeps serving', async () => {
    const { socket } = await openRpc();
    const ws = socket!;
    const malformed = nextMessage(ws, (m) => m.kind === 'error' && m.id === 0);
    ws.send('{"kind":"call",');
    expect(await malformed).toMatchObject({ kind: 'error', id: 0, error: { code: 'InvalidInput' } });

    const unknown = nextMessage(ws, (m) => m.kind === 'error' && m.id === 41);
    ws.send(JSON.stringify({ kind: 'call', id: 41, method: 'engine.shutdown', args: [] }));
    expect(await unknown).toMatchObject({ error: { code: 'NotFound' } });

    const badArgs = nextMessage(ws, (m) => m.kind === 'error' && m.id === 42);
    ws.send(JSON.stringify({ kind: 'call', id: 42, method: 'broker.topics', args: 'x' }));
    expect(await badArgs).toMatchObject({ error: { code: 'InvalidInput' } });

    const binary = nextMessage(ws, (m) => m.kind === 'error' && m.id === 0);
    ws.send(Buffer.from([1, 2, 3]));
    expect(await binary).toMatchObject({ error: { code: 'InvalidInput' } });

    const ok = nextMessage(ws, (m) => m.kind === 'result' && m.id === 43);
    ws.send(JSON.stringify({ kind: 'call', id: 43, method: 'broker.topics', args: [] }));
    expect(await ok).toMatchObject({ kind: 'result', id: 43 });
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('coalesces live batches for a client that stops reading and accounts for every message', async () => {
    const { socket } = await openRpc();
    const ws = socket!;
    const topic = 'flood/coalesce';
    const total = 2000;
    const payload = Buffer.alloc(12 * 1024, 7).toString('base64');
    let seen = 0;
    let dropped = 0;
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as WireMessage;
        if (msg.kind !== 'event' || msg.name !== 'broker.messages') return;
        const batch = unpackBatch(msg.data);
        seen += batch.messages.filter((m) => m.topic === topic).length;
        dropped += batch.dropped;
        if (batch.topics.some((t) => t.topic === topic && t.count === total)) resolve();
      });
    });

    ws.pause(); // the client stops reading its socket: the server's send buffer fills up
    for (let i = 1; i <= total; i++) {
      const record: MessageRecord = { id: 1e9 + i, topic, payload, size: 12 * 1024, truncated: false, qos: 0, retain: false, clientId: 'flood', time: i };
      engine.events.emit('broker.messages', {
        messages: [record], dropped: 0,
        topics: [{ topic, count: i, rate: 0, lastPayload: '', lastSize: 0, lastQos: 0, retained: false, lastPublisher: 'flood', lastTime: i }],
      });
    }
    ws.resume();
    await done;
    expect(dropped).toBeGreaterThan(0);
    expect(seen + dropped).toBeGreaterThanOrEqual(total);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('static files', () => {
  it('serves the renderer with a strict CSP and nosniff', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).toContain(`ws://127.0.0.1:${ui.port}`);
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('lets the browser keep the hashed assets for good and asks for the page afresh each time', async () => {
    expect((await get('/assets/app.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/')).headers['cache-control']).toBe('no-cache');
    expect((await get('/index.html')).headers['cache-control']).toBe('no-cache');
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E/package.json',
    '/..%2fpackage.json',
    '/%2e%2e%2fpackage.json',
    '/..%5cpackage.json',
    '/assets/../../package.json',
    '/assets/..%2f..%2fpackage.json',
    '/%252e%252e/package.json',
    '/.%2e/package.json',
    '/assets%00/../../package.json',
  ])('refuses traversal %s', async (rawPath) => {
    const res = await get(rawPath);
    expect([400, 403, 404]).toContain(res.status);
    expect(res.body).not.toContain('TRAVERSAL-MARKER');
  });

  it('refuses a foreign Host header or Origin (403) and other methods (405)', async () => {
    expect((await get('/', { Host: 'rebind.example' })).status).toBe(403);
    expect((await get('/', { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get('/', { Origin: `http://localhost:${ui.port}` })).status).toBe(200);
    const status = await new Promise<number>((resolve, reject) => {
      http.request({ host: '127.0.0.1', port: ui.port, path: '/', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(status).toBe(405);
  });
});
