import { afterEach, describe, expect, it, vi } from 'vitest';
import coap, { type IncomingMessage, type OutgoingMessage, type Server } from 'coap';
import type { Socket } from 'node:dgram';
import { AskingDevice } from './asking-device.js';
import { CoapUplink } from './coap-uplink.js';
import { VirtualClock } from './device-clock.js';
import type { DeviceSpec } from './device-spec.js';

/**
 * The device side of CoAP over real UDP sockets: the server here answers as Hono's CoAP adapter does (2.04, a command
 * in Location-Query options for a request with hono-ttd), so what is checked is what the device puts on the wire and
 * does with the answers. The engine's own CoAP adapter is exercised in test/integration/asking-devices.test.ts.
 */
interface Seen { path: string; query: URLSearchParams; payload: string; confirmable: boolean }

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function listen(answer: (req: Seen, res: OutgoingMessage) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = coap.createServer((req: IncomingMessage, res: OutgoingMessage) => {
    const [path, q = ''] = req.url.split('?');
    const s = { path, query: new URLSearchParams(q), payload: req.payload.toString('utf8'), confirmable: req._packet.confirmable === true };
    seen.push(s);
    answer(s, res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `coap://127.0.0.1:${(server!._sock as Socket).address().port}`, seen };
}

const spec = (url: string, extra: Partial<DeviceSpec> = {}): DeviceSpec => ({
  thingName: 'meter-1', clientId: 'meter-1', connection: { url, token: 'secret-1' },
  reconnect: { minMs: 1000, maxMs: 1000, factor: 1, jitter: 0 },
  telemetry: [
    { name: 'telemetry', topic: 'meters/meter-1/telemetry', intervalMs: 1000, qos: 0, payload: ({ seq }) => ({ seq }) },
    { name: 'alarm', topic: 'meters/meter-1/alarm', intervalMs: 1000, phaseMs: 500, qos: 1, payload: ({ seq }) => ({ alarm: seq }) },
  ],
  ...extra,
});

/** A started device whose first telemetry and event went through. */
async function online(url: string) {
  const clock = new VirtualClock();
  const d = new AskingDevice(spec(url), new CoapUplink({ url, thingName: 'meter-1', token: 'secret-1' }), { clock });
  d.start();
  clock.advance(1000);
  await vi.waitFor(() => expect(d.stats.acked).toBe(1));
  return { d, clock };
}

describe('AskingDevice over CoAP', () => {
  it('publishes telemetry and events as POST /topics/{topic} with its thing, token and QoS', async () => {
    const { url, seen } = await listen((_, res) => { res.code = '2.04'; res.end(); });
    const { d } = await online(url);
    expect(d.state).toBe('online');
    expect(seen.map((s) => [s.path, s.query.get('thing'), s.query.get('token'), s.query.get('qos'), s.payload]).sort()).toEqual([
      ['/topics/meters/meter-1/alarm', 'meter-1', 'secret-1', '1', '{"alarm":0}'],
      ['/topics/meters/meter-1/telemetry', 'meter-1', 'secret-1', '0', '{"seq":0}'],
    ]);
    expect(seen.every((s) => s.confirmable)).toBe(true);
    await d.stop();
  });

  it('keeps events through a partition and sends them in order after it; telemetry meanwhile is dropped', async () => {
    const { url, seen } = await listen((_, res) => { res.code = '2.04'; res.end(); });
    const { d, clock } = await online(url);
    expect(d.fault({ kind: 'partition', durationMs: 5000 })).toBe(true);
    for (let i = 0; i < 5; i++) clock.advance(1000);
    await vi.waitFor(() => expect(d.stats.buffered).toBeGreaterThanOrEqual(4));
    expect(d.state).toBe('backoff');
    clock.advance(1500); // the partition ends; the back-off runs out and the kept events go, oldest first
    await vi.waitFor(() => expect(d.stats.buffered).toBe(0));
    await vi.waitFor(() => expect(d.stats.acked).toBeGreaterThanOrEqual(6));
    const alarms = seen.filter((s) => s.path.endsWith('/alarm')).map((s) => JSON.parse(s.payload).alarm as number);
    expect(alarms).toEqual([...alarms].sort((a, b) => a - b));
    expect(new Set(alarms).size).toBe(alarms.length);
    expect(alarms.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(d.stats.dropped).toBeGreaterThan(0); // telemetry during the partition
    await d.stop();
  });

  it('asks with hono-ttd and answers a command on /command/res/{reqId} with hono-cmd-status', async () => {
    let sent = false;
    const { url, seen } = await listen((req, res) => {
      if (req.query.get('hono-ttd') && !sent) {
        sent = true;
        res.setOption('Location-Query', [Buffer.from('hono-command=setInterval'), Buffer.from('hono-cmd-req-id=r42')]);
        res.code = '2.04';
        return res.end(JSON.stringify({ seconds: 30 }));
      }
      res.code = '2.04';
      res.end();
    });
    const clock = new VirtualClock();
    const handled: unknown[] = [];
    const d = new AskingDevice(spec(url, {
      commandTtdMs: 5000,
      commands: [{ name: 'setInterval', requestTopic: '', handle: (request) => { handled.push(request); return { ok: true, seconds: request.seconds }; } }],
    }), new CoapUplink({ url, thingName: 'meter-1', token: 'secret-1' }), { clock });
    d.start();
    clock.advance(1000);
    await vi.waitFor(() => expect(d.stats.commandsAnswered).toBe(1));
    expect(handled).toEqual([{ seconds: 30 }]);
    const answer = seen.find((s) => s.path.startsWith('/command/res/'))!;
    expect(answer.path).toBe('/command/res/r42');
    expect(answer.query.get('hono-cmd-status')).toBe('200');
    expect(answer.query.get('token')).toBe('secret-1');
    expect(JSON.parse(answer.payload)).toEqual({ ok: true, seconds: 30 });
    expect(seen.find((s) => s.path.endsWith('/telemetry'))!.query.get('hono-ttd')).toBe('5');
    await d.stop();
  });

  it('keeps its answer to a command handed over just as a partition began, and sends it once the link is back', async () => {
    let hold: ((res: OutgoingMessage) => void) | undefined;
    const { url, seen } = await listen((req, res) => {
      if (req.query.get('hono-ttd') && !hold) {
        hold = (r) => { // the command comes back in the answer to a request already on its way
          r.setOption('Location-Query', [Buffer.from('hono-command=setInterval'), Buffer.from('hono-cmd-req-id=r7')]);
          r.code = '2.04';
          r.end(JSON.stringify({ seconds: 5 }));
        };
        return void Promise.resolve().then(() => waiting.push(res));
      }
      res.code = '2.04';
      res.end();
    });
    const waiting: OutgoingMessage[] = [];
    const clock = new VirtualClock();
    const d = new AskingDevice(spec(url, {
      telemetry: [{ name: 'telemetry', topic: 'meters/meter-1/telemetry', intervalMs: 1000, qos: 0, payload: ({ seq }) => ({ seq }) }],
      commandTtdMs: 5000,
      commands: [{ name: 'setInterval', requestTopic: '', handle: (request) => ({ ok: true, seconds: request.seconds }) }],
    }), new CoapUplink({ url, thingName: 'meter-1', token: 'secret-1' }), { clock });
    d.start();
    clock.advance(1000);
    await vi.waitFor(() => expect(waiting).toHaveLength(1));
    expect(d.fault({ kind: 'partition', durationMs: 3000 })).toBe(true);
    hold!(waiting[0]);
    await vi.waitFor(() => expect(d.state).toBe('backoff')); // the answer did not get through
    const answers = () => seen.filter((s) => s.path.startsWith('/command/res/'));
    expect(answers()).toHaveLength(0);
    const attempts: number[] = [];
    d.events.on('reconnecting', ({ attempt }) => attempts.push(attempt));
    clock.advance(3000); // tried again during the partition; then the partition ends
    await vi.waitFor(() => expect(attempts).toEqual([2]));
    clock.advance(1000); // the back-off runs out: the kept answer goes first
    await vi.waitFor(() => expect(d.stats.commandsAnswered).toBe(1));
    expect(answers().map((s) => [s.path, s.query.get('hono-cmd-status'), s.payload])).toEqual([['/command/res/r7', '200', '{"ok":true,"seconds":5}']]);
    await d.stop();
  });

  it('sends non-confirmable requests when told to, and drops an event the engine refuses as too large (4.13) without retrying it', async () => {
    const { url, seen } = await listen((req, res) => { res.code = req.path.endsWith('/alarm') ? '4.13' : '2.04'; res.end(); });
    const clock = new VirtualClock();
    const d = new AskingDevice(spec(url), new CoapUplink({ url, thingName: 'meter-1', token: 'secret-1', confirmable: false }), { clock });
    d.start();
    clock.advance(1000);
    await vi.waitFor(() => expect(seen.length).toBe(2));
    await vi.waitFor(() => expect(d.stats.dropped).toBe(1));
    expect(d.stats.buffered).toBe(0);
    expect(seen.every((s) => !s.confirmable)).toBe(true);
    clock.advance(1000);
    await vi.waitFor(() => expect(seen.length).toBe(4)); // the next alarm is a new one, not the refused one again
    expect(seen.filter((s) => s.path.endsWith('/alarm')).map((s) => s.payload)).toEqual(['{"alarm":0}', '{"alarm":1}']);
    await d.stop();
  });

  it('keeps an event refused for its policy (4.03) and sends it again after a back-off: once allowed, every kept event arrives in order', async () => {
    let allowed = false;
    const accepted: number[] = [];
    const { url, seen } = await listen((req, res) => {
      const alarm = req.path.endsWith('/alarm');
      res.code = alarm && !allowed ? '4.03' : '2.04';
      if (alarm && allowed) accepted.push(JSON.parse(req.payload).alarm as number);
      res.end();
    });
    const clock = new VirtualClock();
    const d = new AskingDevice(spec(url), new CoapUplink({ url, thingName: 'meter-1', token: 'secret-1' }), { clock });
    d.start();
    clock.advance(1000);
    await vi.waitFor(() => expect(d.state).toBe('backoff'));
    expect(d.stats.buffered).toBe(1);
    for (let i = 0; i < 3; i++) clock.advance(1000); // tried again and refused again; the next alarms are kept behind it
    // The server saw the retry, and the device took its refusal (armed its next try) before the clock moves on.
    await vi.waitFor(() => {
      expect(seen.filter((s) => s.path.endsWith('/alarm') && s.payload === '{"alarm":0}').length).toBeGreaterThan(1);
      expect(d.state).toBe('backoff');
    });
    allowed = true; // a policy now lets it publish
    for (let i = 0; i < 3; i++) clock.advance(1000);
    await vi.waitFor(() => expect(accepted.length).toBeGreaterThanOrEqual(4));
    expect(accepted.slice(0, 4)).toEqual([0, 1, 2, 3]); // none lost, none out of order (telemetry meanwhile was dropped)
    await d.stop();
  });
});
