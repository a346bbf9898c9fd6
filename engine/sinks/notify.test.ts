import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../core/index.js';
import { openSinks, type SinkHarness } from '../../test/helpers/sinks.js';

const open: SinkHarness[] = [];
const servers: http.Server[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close().catch(() => {});
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  }
  for (const s of servers.splice(0)) s.close();
});

/** A loopback webhook answering with the given statuses in turn (then 200). */
async function webhook(statuses: number[]) {
  const got: Array<{ headers: http.IncomingHttpHeaders; body: unknown }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: JSON.parse(body) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

const until = async (p: () => boolean) => {
  for (let i = 0; i < 300 && !p(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(p()).toBe(true);
};

describe('notify sink (SNS-like)', () => {
  it("keeps every message in the inbox and POSTs AWS's notification to a webhook, retrying with backoff", async () => {
    const hook = await webhook([500]);
    const h = await openSinks({ limits: { webhook: { attempts: 3, backoffMs: 20, timeoutMs: 1000 } } });
    open.push(h);
    await h.sinks.create('notify', 'alerts', { subscriptions: [{ protocol: 'http', endpoint: hook.url }] });
    const { messageId } = await h.sinks.topics.publish('alerts', 'too hot', { subject: 'Alert', traceId: 't1' });
    await until(() => hook.got.length === 2);
    expect(hook.got[1].body).toMatchObject({
      Type: 'Notification', MessageId: messageId, TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts', Subject: 'Alert', Message: 'too hot',
    });
    expect(hook.got[1].headers['x-amz-sns-message-type']).toBe('Notification');
    expect(h.sinks.records('notify', 'alerts')).toEqual([expect.objectContaining({ traceId: 't1', data: expect.objectContaining({ messageId, message: 'too hot' }) })]);
  });

  it('publishes to an MQTT subscription and picks per-protocol messages with the JSON format', async () => {
    const published: Array<{ topic: string; payload: string }> = [];
    const h = await openSinks({ publish: async (m) => void published.push({ topic: m.topic, payload: m.payload.toString() }) });
    open.push(h);
    await h.sinks.create('notify', 'alerts', { subscriptions: [{ protocol: 'mqtt', endpoint: 'alerts/out' }] });
    await h.sinks.topics.publish('alerts', 'plain');
    await h.sinks.topics.publish('alerts', JSON.stringify({ default: 'fallback', mqtt: 'for mqtt' }), { messageStructure: 'json' });
    await expect(h.sinks.topics.publish('alerts', '{"nodefault":1}', { messageStructure: 'json' })).rejects.toThrow(/default/);
    expect(published).toEqual([{ topic: 'alerts/out', payload: 'plain' }, { topic: 'alerts/out', payload: 'for mqtt' }]);
  });

  it('does not deliver to hosts that are neither loopback nor allowed, and gives up after the last attempt', async () => {
    const logs: LogEntry[] = [];
    const logger = { log: (level: LogEntry['level'], source: string, message: string) => logs.push({ level, source, message, time: 0 }) };
    const hook = await webhook([500, 500]);
    const h = await openSinks({ logger, limits: { webhook: { attempts: 2, backoffMs: 5, timeoutMs: 1000 } } });
    open.push(h);
    await h.sinks.create('notify', 'x', { subscriptions: [{ protocol: 'https', endpoint: 'https://example.com/hook' }, { protocol: 'http', endpoint: hook.url }] });
    await h.sinks.topics.publish('x', 'm');
    await until(() => logs.some((l) => /failed after 2 attempt/.test(l.message)));
    expect(hook.got).toHaveLength(2);
    expect(logs.some((l) => /example\.com is neither loopback nor an allowed host/.test(l.message))).toBe(true);
    await expect(h.sinks.create('notify', 'y', { subscriptions: [{ protocol: 'mqtt', endpoint: 'a/#' }] })).rejects.toThrow(/wildcards/);
  });
});

describe('notify sink: desktop subscriptions', () => {
  it('emits `notified` per message, at most desktopPerSecond a second; the inbox keeps them all', async () => {
    const logs: LogEntry[] = [];
    const logger = { log: (level: LogEntry['level'], source: string, message: string) => logs.push({ level, source, message, time: 0 }) };
    const h = await openSinks({ logger, limits: { desktopPerSecond: 2 } });
    open.push(h);
    const shown: string[] = [];
    h.sinks.events.on('notified', (n) => shown.push(`${n.topic}:${n.subject ?? '-'}:${n.message}`));
    await h.sinks.create('notify', 'ops', { subscriptions: [{ protocol: 'desktop' }] });
    for (const m of ['a', 'b', 'c', 'd']) await h.sinks.topics.publish('ops', m, { subject: 'S' });
    expect(shown).toEqual(['ops:S:a', 'ops:S:b']);
    expect(logs.filter((l) => /more than 2 desktop notifications this second/.test(l.message))).toHaveLength(1);
    expect(h.sinks.records('notify', 'ops')).toHaveLength(4);
    h.clock.t += 1000; // the next second
    await h.sinks.topics.publish('ops', 'e');
    expect(shown.at(-1)).toBe('ops:-:e');
  });
});

describe('CloudWatch sinks', () => {
  it('keeps alarm states with their history and refuses unknown units', async () => {
    const h = await openSinks();
    open.push(h);
    await h.sinks.create('alarm', 'Hot');
    expect(h.sinks.cloudwatch.alarmState('Hot')).toEqual({ state: 'INSUFFICIENT_DATA', reason: null });
    await h.sinks.cloudwatch.setAlarmState('Hot', 'ALARM', 'temperature 80');
    expect(h.sinks.records('alarm', 'Hot')[0].data).toEqual({ previousState: 'INSUFFICIENT_DATA', state: 'ALARM', reason: 'temperature 80' });
    open.splice(0);
    const again = await h.reopen();
    open.push(again);
    expect(again.sinks.cloudwatch.alarmState('Hot')).toEqual({ state: 'ALARM', reason: 'temperature 80' });
    await expect(again.sinks.cloudwatch.putMetric('NS', { metricName: 'm', value: 1, unit: 'Furlongs' })).rejects.toThrow(/unit/);
  });
});
