/**
 * The desktop app's engine process without Electron's binary: `runEngineHost` (what electron/engine-process/main.ts
 * runs inside the utility process) driven over real message channels, with the real engine. The main process's side
 * is a channel carrying `start`/`connect`/`stop` (ports transferred as Electron transfers them), and each "window" is
 * a contract client on its own MessagePort, speaking JSON text as the preload does.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../engine/config.js';
import { createClient, type Disposable, type ThingbenchClient, type Transport, type WireMessage } from '../../engine/contract/index.js';
import type { LogEntry, Logger } from '../../engine/core/index.js';
import { createEngine } from '../../engine/engine.js';
import { runEngineHost } from '../../electron/engine-process/engine-host.js';
import type { PortLike } from '../../electron/engine-process/port-transport.js';
import { parseEngineMessage, parseHostMessage, type EngineToHost, type HostToEngine } from '../../electron/engine-process/protocol.js';
import { stopEngineProcess, type StoppableProcess } from '../../electron/main/stop-engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const nodePort = (port: MessagePort): PortLike => ({
  postMessage: (data) => port.postMessage(data),
  onMessage: (cb) => void port.on('message', cb),
  onClose: (cb) => void port.once('close', cb),
  close: () => port.close(),
});

/** The renderer's side of a window's port: JSON text each way, like electron/preload/preload.ts. */
class WindowPort implements Transport {
  constructor(readonly port: MessagePort) {}
  send(msg: WireMessage): void {
    this.port.postMessage(JSON.stringify(msg));
  }
  onMessage(cb: (msg: WireMessage) => void): Disposable {
    const listener = (data: unknown) => cb(JSON.parse(String(data)) as WireMessage);
    this.port.on('message', listener);
    return { dispose: () => void this.port.off('message', listener) };
  }
}

/** The main process's end: posts control messages (transferring ports) and collects what the engine process says. */
function startHost(logger: Logger) {
  const control = new MessageChannel();
  const received: EngineToHost[] = [];
  const waiters: Array<() => void> = [];
  control.port1.on('message', (data: unknown) => {
    const msg = parseEngineMessage(data);
    if (msg) received.push(msg);
    for (const w of waiters.splice(0)) w();
  });
  const finished = runEngineHost({
    post: (msg) => control.port2.postMessage(msg),
    onMessage: (cb) => void control.port2.on('message', ({ data, ports }: { data: unknown; ports: MessagePort[] }) => cb(data, ports.map(nodePort))),
  }, {
    createEngine: (dataDir) => createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 } }), { logger }),
    logger,
  });
  const post = (data: unknown, ports: MessagePort[] = []) => control.port1.postMessage({ data, ports }, ports);
  const next = async <T extends EngineToHost['type']>(type: T): Promise<Extract<EngineToHost, { type: T }>> => {
    for (;;) {
      const found = received.find((m) => m.type === type);
      if (found) {
        received.splice(received.indexOf(found), 1);
        return found as Extract<EngineToHost, { type: T }>;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const openWindow = (): ThingbenchClient & { port: MessagePort } => {
    const { port1, port2 } = new MessageChannel();
    post({ type: 'connect' } satisfies HostToEngine, [port2]);
    return Object.assign(createClient(new WindowPort(port1)), { port: port1 });
  };
  return { post, next, openWindow, finished, close: () => control.port1.close() };
}

describe('the engine process (utility process) and its protocol', () => {
  const logs: LogEntry[] = [];
  const logger: Logger = { log: (level, source, message, details) => logs.push({ level, source, message, time: Date.now(), details }) };
  let host: ReturnType<typeof startHost>;
  let dataDir: string;
  let endpoints: Record<string, string>;

  beforeAll(async () => {
    dataDir = tempDir('tb-electron-');
    host = startHost(logger);
    // A window may ask for its port before the engine listens: it is served once the engine is ready.
    const early = host.openWindow();
    const info = early.engine.info();
    host.post({ type: 'start', dataDir } satisfies HostToEngine);
    const ready = await host.next('ready');
    dataDir = ready.dataDir;
    endpoints = ready.endpoints;
    expect((await info).dataDir).toBe(dataDir);
    early.dispose();
    early.port.close();
  });

  afterAll(async () => {
    host?.post({ type: 'stop' });
    await host?.finished;
    host?.close();
  });

  it('answers start with ready, its data folder and endpoints, and opens the control socket there', async () => {
    expect(endpoints.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(fs.readdirSync(path.join(dataDir, 'run')).some((f) => /^engine-\d+\.json$/.test(f))).toBe(true);
  });

  it('serves the whole contract on each window\'s port; one window closing leaves the other working', async () => {
    const a = host.openWindow();
    const b = host.openWindow();
    await a.registry.createThing('lamp-1');
    expect((await b.registry.thing('lamp-1')).name).toBe('lamp-1');
    await expect(b.registry.thing('nope')).rejects.toMatchObject({ code: 'NotFound' });
    a.dispose();
    a.port.close();
    expect((await b.registry.thing('lamp-1')).name).toBe('lamp-1');
    b.dispose();
    b.port.close();
  });

  it('answers a port message that is not JSON with an InvalidInput error and keeps serving', async () => {
    const { port1, port2 } = new MessageChannel();
    host.post({ type: 'connect' }, [port2]);
    const reply = new Promise<unknown>((resolve) => port1.once('message', resolve));
    port1.postMessage('{not json');
    expect(JSON.parse(String(await reply))).toEqual({ kind: 'error', id: 0, error: { code: 'InvalidInput', message: 'expected one JSON wire message per port message' } });
    const client = createClient(new WindowPort(port1));
    expect((await client.engine.info()).dataDir).toBe(dataDir);
    client.dispose();
    port1.close();
  });

  it('forwards desktop notifications (sinks.notified) to the main process, not to every window', async () => {
    const win = host.openWindow();
    const topic = await win.sinks.create('notify', 'ops', { subscriptions: [{ protocol: 'desktop' }] });
    await win.rules.put('alerts', {
      sql: "SELECT temp FROM 'sensors/+/temp' WHERE temp > 50", awsIotSqlVersion: '2016-03-23',
      actions: [{ sns: { targetArn: topic.arn, roleArn: 'arn:aws:iam::123456789012:role/sns' } }],
    });
    const device = await mqtt.connectAsync(endpoints.mqtt, { clientId: 'electron-notify', reconnectPeriod: 0 });
    try {
      await device.publishAsync('sensors/boiler/temp', '{"temp":93}');
      expect(await host.next('notification')).toEqual({ type: 'notification', title: 'Thingbench: ops', body: '{"temp":93}' });
    } finally {
      await device.endAsync();
      win.dispose();
      win.port.close();
    }
  });
});

describe('stopping the engine process', () => {
  it('stop disconnects the windows, stops the engine (its broker port closes) and answers stopped', async () => {
    const logger: Logger = { log: () => undefined };
    const host = startHost(logger);
    host.post({ type: 'start', dataDir: tempDir('tb-electron-stop-') });
    const { endpoints } = await host.next('ready');
    const win = host.openWindow();
    await win.engine.info();
    const windowClosed = new Promise<void>((resolve) => win.port.once('close', resolve));
    host.post({ type: 'stop' });
    expect(await host.next('stopped')).toEqual({ type: 'stopped' });
    await host.finished;
    await windowClosed;
    const port = Number(new URL(endpoints.mqtt).port);
    await expect(new Promise((resolve, reject) => net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)))
      .rejects.toMatchObject({ code: 'ECONNREFUSED' });
    host.close();
  });

  it('a start that fails (the data folder is a file) answers failed with the reason', async () => {
    const file = path.join(tempDir('tb-electron-bad-'), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const host = startHost({ log: () => undefined });
    host.post({ type: 'start', dataDir: file });
    const failed = await host.next('failed');
    expect(failed.message).toMatch(/ENOTDIR|not a directory|EEXIST/i);
    host.post({ type: 'stop' });
    await host.finished;
    host.close();
  });

  /** A real child process standing for the utility process: exits on its stop request, or ignores it. */
  const child = (obeys: boolean): StoppableProcess & { pid: number | undefined } => {
    const script = obeys
      ? "process.on('message', () => process.exit(0))"
      : "process.on('message', () => {}); setInterval(() => {}, 1000)";
    const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const exit = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    return { pid: proc.pid, requestStop: () => void proc.send('stop'), exited: () => exit, kill: () => void proc.kill('SIGKILL') };
  };

  it('quitting waits for an engine that stops, and kills one that does not within the timeout', async () => {
    expect(await stopEngineProcess(child(true), 10_000)).toBe('exited');
    const stuck = child(false);
    const started = Date.now();
    expect(await stopEngineProcess(stuck, 300)).toBe('killed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(() => process.kill(stuck.pid!, 0)).toThrow();
  });
});

describe('the main ↔ engine process messages', () => {
  it('accepts exactly the messages of the protocol', () => {
    expect(parseHostMessage({ type: 'start', dataDir: '/d' })).toEqual({ type: 'start', dataDir: '/d' });
    expect(parseHostMessage({ type: 'start', dataDir: '' })).toBeUndefined();
    expect(parseHostMessage({ type: 'start' })).toBeUndefined();
    expect(parseHostMessage({ type: 'connect', extra: 1 })).toEqual({ type: 'connect' });
    expect(parseHostMessage({ type: 'stop' })).toEqual({ type: 'stop' });
    for (const bad of [null, 'stop', 42, [], { type: 'exec' }]) expect(parseHostMessage(bad)).toBeUndefined();

    expect(parseEngineMessage({ type: 'ready', dataDir: '/d', endpoints: { mqtt: 'mqtt://127.0.0.1:1883' } }))
      .toEqual({ type: 'ready', dataDir: '/d', endpoints: { mqtt: 'mqtt://127.0.0.1:1883' } });
    expect(parseEngineMessage({ type: 'ready', dataDir: '/d', endpoints: { mqtt: 1883 } })).toBeUndefined();
    expect(parseEngineMessage({ type: 'failed', message: 'EADDRINUSE' })).toEqual({ type: 'failed', message: 'EADDRINUSE' });
    expect(parseEngineMessage({ type: 'notification', title: 't', body: 'b' })).toEqual({ type: 'notification', title: 't', body: 'b' });
    expect(parseEngineMessage({ type: 'notification', title: 't' })).toBeUndefined();
    expect(parseEngineMessage({ type: 'stopped' })).toEqual({ type: 'stopped' });
    for (const bad of [undefined, 'ready', { type: 'connect' }]) expect(parseEngineMessage(bad)).toBeUndefined();
  });
});
