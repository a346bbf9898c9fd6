import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../core/index.js';
import { SqlJsStore } from '../storage/index.js';
import { filtersOverlap, specificity } from './delivery-mappings.js';
import { EventStore } from './event-store.js';

const dirs: string[] = [];
const stores: SqlJsStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

async function open(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-events-'))) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const store = await SqlJsStore.open(dir);
  stores.push(store);
  const logs: Array<Omit<LogEntry, 'time'>> = [];
  const events = new EventStore(store, { events: 3, bytes: 10 }, { log: (level, source, message) => logs.push({ level, source, message }) });
  return { dir, store, events, logs };
}

const event = (topic: string, payload: string, expiresAt = 1e15) => ({ topic, payload: Buffer.from(payload), publishedAt: 0, expiresAt });
const all = () => true;

describe('EventStore', () => {
  it('drops the oldest beyond the count bound, counts them and says so once', async () => {
    const { events, logs } = await open();
    for (const p of ['1', '2', '3', '4', '5']) await events.keep(event('t', p), ['app']);
    expect(events.take('app', all, 0).map((e) => e.payload.toString())).toEqual(['3', '4', '5']);
    expect(events.dropped).toBe(2);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('drops the oldest beyond the byte bound, keeping the newest even when it alone is over', async () => {
    const { events } = await open();
    await events.keep(event('t', 'aaaa'), ['app']);
    await events.keep(event('t', 'bbbb'), ['app']);
    await events.keep(event('t', 'cccc'), ['app']); // 12 bytes > 10: 'aaaa' goes
    await events.keep(event('t', 'x'.repeat(20)), ['app']);
    expect(events.take('app', all, 0).map((e) => e.payload.length)).toEqual([20]);
    expect(events.dropped).toBe(3);
  });

  it('bounds each consumer apart, takes only the topics asked for, and sweeps what expired', async () => {
    const { events } = await open();
    await events.keep(event('a/1', 'x', 100), ['c1', 'c2']);
    await events.keep(event('b/1', 'y'), ['c1']);
    expect(events.sweep(100)).toBe(0);
    expect(events.sweep(101)).toBe(2); // one event, waited for by two consumers
    expect(events.list().map((e) => [e.consumer, e.topic])).toEqual([['c1', 'b/1']]);
    expect(events.take('c1', (t) => t.startsWith('a/'), 0)).toEqual([]);
    expect(events.take('c1', (t) => t.startsWith('b/'), 0).map((e) => e.topic)).toEqual(['b/1']);
    expect(events.list()).toEqual([]);
  });

  it('reloads what waits, for whom, in order', async () => {
    const first = await open();
    await first.events.keep(event('t', '1'), ['c1', 'c2']);
    await first.events.keep(event('t', '2'), ['c2']);
    first.events.take('c1', all, 0);
    await first.store.write([]);
    await first.store.close();
    stores.splice(stores.indexOf(first.store), 1);
    const again = await open(first.dir);
    expect(again.events.list().map((e) => [e.consumer, e.seq])).toEqual([['c2', 1], ['c2', 2]]);
    await again.events.keep(event('t', '3'), ['c1']);
    expect(again.events.list('c1').map((e) => e.seq)).toEqual([3]);
  });
});

describe('delivery mappings', () => {
  it.each([
    ['a/b/c', 'a/+/c'], ['a/+/c', 'a/#'], ['a/#', '#'], ['a/b', 'a/+'], ['+/+/+', '#'],
  ])('%s is more specific than %s', (more, less) => expect(specificity(more)).toBeGreaterThan(specificity(less)));

  it.each([
    ['a/#', 'a/b/c', true], ['a/+', 'a/#', true], ['a/+', '+/b', true], ['a/b', 'a/c', false], ['a/b', 'a/b/c', false], ['#', 'x', true], ['a/+/c', 'a/b', false],
  ])('%s and %s overlap: %s', (a, b, overlap) => {
    expect(filtersOverlap(a, b)).toBe(overlap);
    expect(filtersOverlap(b, a)).toBe(overlap);
  });
});
