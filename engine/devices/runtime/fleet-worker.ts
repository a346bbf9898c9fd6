/**
 * The fleet's worker thread: builds every device from the model, starts them at the connect rate, reports status to
 * the parent, and obeys faults and stop. Loaded by `fleet.ts` through tsx inside the worker.
 */
import type { MessagePort } from 'node:worker_threads';
import type { FleetMember, FleetMemberPage, FleetMemberQuery } from '../../contract/index.js';
import { FleetJournal } from './device-journal.js';
import { deviceSpecFromModel } from './model-device.js';
import { deviceSeed } from './seeded-random.js';
import type { FleetOptions, FleetStatus, FromWorker, ToWorker } from './fleet-messages.js';
import { createDevice, type FleetDevice } from './fleet-device.js';

export function runFleetWorker(port: MessagePort, opts: FleetOptions): void {
  const post = (m: FromWorker) => port.postMessage(m);
  const seed = opts.seed ?? 1;
  let devices: FleetDevice[];
  try {
    devices = Array.from({ length: opts.count }, (_, index) => createDevice(deviceSpecFromModel(opts.model, {
      index, seed, url: opts.url, tls: deviceTls(opts, index), login: opts.login, replay: opts.replay, token: opts.identities?.[index]?.token,
    }), { seed: deviceSeed(seed, index) }));
  } catch (e) {
    post({ type: 'fatal', message: (e as Error).message });
    return;
  }
  const journal = new FleetJournal();
  for (const d of devices) journal.attach(d);
  let byId: Map<string, FleetDevice> | undefined;
  const find = (id: string) => {
    if (!byId) {
      byId = new Map();
      for (const d of devices) byId.set(d.spec.thingName, d).set(d.spec.clientId, d);
    }
    return byId.get(id);
  };
  const startedAt = Date.now();
  let started = 0;
  let last = { at: startedAt, published: 0, acked: 0 };
  const status = (): FleetStatus => {
    const s = { devices: devices.length, connected: 0, started, connects: 0, published: 0, acked: 0, buffered: 0, dropped: 0 };
    for (const d of devices) {
      if (d.state === 'online') s.connected++;
      s.connects += d.stats.connects;
      s.published += d.stats.published;
      s.acked += d.stats.acked;
      s.buffered += d.stats.buffered;
      s.dropped += d.stats.dropped;
    }
    const now = Date.now();
    const secs = Math.max(0.001, (now - last.at) / 1000);
    const out = { ...s, publishRate: Math.round((s.published - last.published) / secs), ackRate: Math.round((s.acked - last.acked) / secs), elapsedMs: now - startedAt };
    last = { at: now, published: s.published, acked: s.acked };
    return out;
  };

  // Start at the connect rate, in batches every 10 ms.
  const perTick = Math.max(1, Math.round((opts.connectRate ?? 500) / 100));
  const starter = setInterval(() => {
    for (let i = 0; i < perTick && started < devices.length; i++) devices[started++].start();
    if (started >= devices.length) clearInterval(starter);
  }, 10);
  const reporter = setInterval(() => post({ type: 'status', status: status() }), opts.statusIntervalMs ?? 1000);

  port.on('message', (m: ToWorker) => {
    if (m.type === 'fault') {
      let targets = devices;
      if (m.devices) {
        const missing = m.devices.find((id) => !find(id));
        if (missing !== undefined) return post({ type: 'faulted', reqId: m.reqId, notFound: missing });
        targets = [...new Set(m.devices.map((id) => find(id)!))];
      }
      let applied = 0;
      for (const d of targets) if (d.fault(m.spec)) applied++;
      post({ type: 'faulted', reqId: m.reqId, result: { kind: m.spec.kind, targeted: targets.length, applied } });
    } else if (m.type === 'members') {
      post({ type: 'members', reqId: m.reqId, page: memberPage(devices, m.query) });
    } else if (m.type === 'log') {
      const device = find(m.device);
      post(device ? { type: 'log', reqId: m.reqId, entries: journal.read(device, m.after) } : { type: 'log', reqId: m.reqId, notFound: m.device });
    } else if (m.type === 'stop') {
      clearInterval(starter);
      clearInterval(reporter);
      void Promise.all(devices.map((d) => d.stop())).then(() => {
        post({ type: 'stopped', status: status() });
        port.close();
      });
    }
  });
  post({ type: 'ready', devices: devices.map((d) => ({ thingName: d.spec.thingName, clientId: d.spec.clientId })) });
}

/** The fleet's TLS settings with device `index`'s own certificate and key, when it has one. */
function deviceTls(opts: FleetOptions, index: number): FleetOptions['tls'] {
  const own = opts.identities?.[index];
  return own?.cert ? { ...opts.tls, cert: own.cert, key: own.key } : opts.tls;
}

/** The members that match `query`, in index order, one page of them. */
function memberPage(devices: readonly FleetDevice[], query: FleetMemberQuery): FleetMemberPage {
  const offset = query.offset ?? 0, limit = query.limit ?? 200;
  const search = query.search?.toLowerCase();
  const matches = (d: FleetDevice) => (!query.state || d.state === query.state)
    && (!search || d.spec.thingName.toLowerCase().includes(search) || d.spec.clientId.toLowerCase().includes(search));
  const members: FleetMember[] = [];
  let total = 0;
  devices.forEach((d, index) => {
    if (!matches(d)) return;
    if (total >= offset && members.length < limit) members.push(member(d, index));
    total++;
  });
  return { total, offset, members };
}

function member(d: FleetDevice, index: number): FleetMember {
  const { stats, spec } = d;
  return {
    index, thingName: spec.thingName, clientId: spec.clientId, state: d.state,
    connects: stats.connects, published: stats.published, acked: stats.acked, buffered: stats.buffered,
    ...(d.lastActivityAt !== undefined ? { lastActivity: d.lastActivityAt } : {}),
    ...(d.machineState !== undefined ? { machineState: d.machineState } : {}),
    ...(spec.will ? { willTopic: spec.will.topic } : {}),
  };
}
