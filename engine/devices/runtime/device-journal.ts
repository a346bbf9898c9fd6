import type { DeviceLogEntry } from '../../contract/index.js';
import type { JobEvent } from './device-jobs.js';
import type { FleetDevice } from './fleet-device.js';

/** Entries kept per device (the oldest give way). */
export const JOURNAL_SIZE = 200;
/** A device's publishes are logged while its log was read in this last period. */
const WATCH_MS = 60_000;
/** At most this many devices log their publishes at once (the least recently read stops first). */
const MAX_WATCHED = 32;
const PAYLOAD_CHARS = 2048;

/**
 * The per-device logs of a fleet: every device's connections, faults, transitions, deltas and commands (rare events,
 * bounded per device), and the publishes of the devices whose log was read lately (`read` starts that), so a large
 * fleet pays nothing per message for logs nobody looks at.
 */
export class FleetJournal {
  private readonly logs = new Map<FleetDevice, { seq: number; entries: DeviceLogEntry[] }>();
  /** Watched devices with when their log was last read, least recent first. */
  private readonly watched = new Map<FleetDevice, { readAt: number; dispose: () => void }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts logging a device's lifecycle events. */
  attach(device: FleetDevice): void {
    const e = device.events;
    e.on('connected', ({ attempt, sessionPresent }) =>
      this.add(device, 'connected', `connected${attempt ? ` after ${attempt} failed attempt${attempt === 1 ? '' : 's'}` : ''}${sessionPresent ? ' (session present)' : ''}`));
    e.on('disconnected', ({ reason, error }) => this.add(device, 'disconnected', `${DISCONNECTED[reason]}${error ? `: ${error}` : ''}`));
    e.on('reconnecting', ({ attempt, delayMs }) => this.add(device, 'reconnecting', `reconnects in ${delayMs} ms (attempt ${attempt})`));
    e.on('fault', ({ spec, applied }) => this.add(device, 'fault', `${spec.kind} fault ${applied ? 'applied' : 'not applied (the device is offline or stopped)'}`));
    e.on('transition', ({ from, to }) => this.add(device, 'transition', `state ${from} → ${to}`));
    e.on('delta', ({ delta, action, version }) =>
      this.add(device, 'delta', `shadow delta${version !== undefined ? ` v${version}` : ''} ${action === 'apply' ? 'applied' : action === 'refuse' ? 'refused' : 'partly applied'}: ${JSON.stringify(delta).slice(0, 200)}`));
    e.on('job', ({ jobId, executionNumber, status, reason }) =>
      this.add(device, 'job', `job ${jobId} (execution ${executionNumber}): ${JOB_TEXT[status]}${reason ? `: ${reason}` : ''}`));
    e.on('commandAnswered', ({ requestTopic, replyTopic }) => this.add(device, 'command', `answered a command on ${requestTopic} on ${replyTopic}`, requestTopic));
  }

  /** The device's entries after `after` (oldest first), and its publishes from now on for a while. */
  read(device: FleetDevice, after = 0): DeviceLogEntry[] {
    this.watch(device);
    const log = this.logs.get(device);
    return log ? log.entries.filter((x) => x.seq > after) : [];
  }

  private watch(device: FleetDevice): void {
    const now = this.now();
    const known = this.watched.get(device);
    if (known) {
      this.watched.delete(device);
      known.readAt = now;
      this.watched.set(device, known);
    } else {
      const published = device.events.on('published', ({ topic, payload, qos }) => this.add(device, 'published', `published${qos ? ` (QoS ${qos})` : ''}`, topic, text(payload)));
      const buffered = device.events.on('buffered', ({ topic, size, dropped }) =>
        this.add(device, 'buffered', `held while offline (${size} held${dropped ? `, ${dropped} dropped` : ''})`, topic));
      this.watched.set(device, { readAt: now, dispose: () => { published.dispose(); buffered.dispose(); } });
    }
    for (const [d, w] of this.watched) {
      if (this.watched.size <= MAX_WATCHED && now - w.readAt < WATCH_MS) break;
      w.dispose();
      this.watched.delete(d);
    }
  }

  private add(device: FleetDevice, kind: DeviceLogEntry['kind'], message: string, topic?: string, payload?: string): void {
    let log = this.logs.get(device);
    if (!log) this.logs.set(device, (log = { seq: 0, entries: [] }));
    log.entries.push({ seq: ++log.seq, at: this.now(), kind, message, ...(topic !== undefined ? { topic } : {}), ...(payload !== undefined ? { payload } : {}) });
    if (log.entries.length > JOURNAL_SIZE) log.entries.splice(0, log.entries.length - JOURNAL_SIZE);
  }
}

const DISCONNECTED: Record<string, string> = {
  lost: 'connection lost',
  dropped: 'connection dropped by a fault (no DISCONNECT: the broker publishes the will)',
  disconnected: 'disconnected cleanly (no will)',
  'no-connack': 'no CONNACK in time',
  refused: 'connection refused',
  stopped: 'stopped',
};

const JOB_TEXT: Record<JobEvent['status'], string> = {
  IN_PROGRESS: 'taken (IN_PROGRESS)',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  REJECTED: 'REJECTED',
  DROPPED: 'dropped: the service refused an update',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(payload: Buffer): string {
  const head = payload.subarray(0, PAYLOAD_CHARS);
  try {
    // A cut through a multi-byte character is still text: the decoder is asked to stream.
    const s = utf8.decode(head, { stream: head.length < payload.length });
    return head.length < payload.length ? `${s}…` : s;
  } catch {
    return `base64:${head.toString('base64')}`;
  }
}
