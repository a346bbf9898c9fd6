import type {
  SinkInfo, SinkKind, SinkOptions, SinkRecord, SinkRecorded, ThingbenchClient,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { readSoon } from './soon.js';

/** Records read for the selected sink (the contract's most), newest first. */
export const RECORDS_LIMIT = 1000;
/** Queues change without events (receive, delete, visibility): the list and the selected sink are read again this often. */
const RESYNC_MS = 5_000;
/** The list is read again at most this often while records arrive (its counts follow). */
const LIST_MS = 1_000;

export interface SinkAddress {
  kind: SinkKind;
  name: string;
}

/**
 * Kinds whose kept records only grow at the top (new ids): the rest (queue messages leave when received and deleted,
 * table items change in place) are read whole again when they change.
 */
const appendOnly: ReadonlySet<SinkKind> = new Set(['notify', 'stream', 'firehose', 'metric', 'log', 'alarm']);

/**
 * The local sinks: every sink with its count, and the selected sink's records newest first, kept live by
 * `sinks.recorded` while the Sinks view watches. Record batches arrive at most 4 times a second, so reads follow them
 * directly, one at a time.
 */
export class SinksStore {
  list = $state.raw<readonly SinkInfo[]>([]);
  /** False until the first list arrived. */
  loaded = $state(false);
  selected = $state.raw<SinkAddress | null>(null);
  /** The selected sink's records, newest first, at most `RECORDS_LIMIT`. */
  records = $state.raw<readonly SinkRecord[]>([]);
  recordsLoaded = $state(false);
  /** Ids of records that arrived while the view was open (shown highlighted once). */
  fresh = $state.raw<readonly number[]>([]);
  /** Older records were read beyond the newest `RECORDS_LIMIT` (append-only kinds, page by page). */
  olderLoaded = $state(0);
  /** False once a page of older records came back short: there are no more. */
  moreOlder = $state(true);
  loadingOlder = $state(false);

  private reading: Promise<void> | null = null;
  private readAgain = false;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Follows new records while the view is open; returns the stop function. */
  watch(): () => void {
    const listSoon = readSoon(() => this.readList(), LIST_MS);
    const sub = this.client.on('sinks.recorded', (batch) => {
      listSoon.request();
      this.onRecorded(batch);
    });
    void this.reload();
    const timer = setInterval(() => void this.reload(), RESYNC_MS);
    return () => {
      sub.dispose();
      clearInterval(timer);
      listSoon.dispose();
    };
  }

  /** Reads the list again, and the selected sink's records. */
  async reload(): Promise<void> {
    await this.readList();
    if (this.selected) this.readRecords(true);
  }

  /** Shows one sink's records (or none). */
  select(address: SinkAddress | null): void {
    const s = this.selected;
    if ((address && s && address.kind === s.kind && address.name === s.name) || (!address && !s)) return;
    this.selected = address;
    this.records = [];
    this.recordsLoaded = false;
    this.fresh = [];
    this.olderLoaded = 0;
    this.moreOlder = true;
    if (address) this.readRecords(true);
  }

  /** The selected sink's entry in the list (undefined while loading, or once deleted). */
  info(address: SinkAddress | null = this.selected): SinkInfo | undefined {
    return address ? this.list.find((s) => s.kind === address.kind && s.name === address.name) : undefined;
  }

  /** Creates a sink (the engine returns an existing one unchanged); rejects with the engine's error. */
  async create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo> {
    const info = await this.client.sinks.create(kind, name, options);
    await this.readList();
    return info;
  }

  /** Deletes a sink and its records. */
  async remove(kind: SinkKind, name: string): Promise<void> {
    await this.client.sinks.delete(kind, name);
    await this.readList();
    const s = this.selected;
    if (s && s.kind === kind && s.name === name) {
      this.records = [];
      this.fresh = [];
    }
  }

  /**
   * Reads the page of records before the oldest shown (log events, stream records, notifications, …: the kinds that
   * only grow), so a long tail scrolls past the newest `RECORDS_LIMIT`.
   */
  async loadOlder(): Promise<void> {
    const at = this.selected;
    const last = this.records.at(-1);
    if (!at || !last || !appendOnly.has(at.kind) || this.loadingOlder || !this.moreOlder || this.records.length < RECORDS_LIMIT) return;
    this.loadingOlder = true;
    try {
      const got = await this.client.sinks.records(at.kind, at.name, { limit: RECORDS_LIMIT, before: last.id });
      const s = this.selected;
      if (!s || s.kind !== at.kind || s.name !== at.name) return;
      this.records = [...this.records, ...got];
      this.olderLoaded += got.length;
      if (got.length < RECORDS_LIMIT) this.moreOlder = false;
    } catch (err) {
      this.connection.reportError(`Could not read older records of ${at.name}`)(err);
    } finally {
      this.loadingOlder = false;
    }
  }

  private async readList(): Promise<void> {
    try {
      this.list = await this.client.sinks.list();
      this.loaded = true;
    } catch (err) {
      this.connection.reportError('Could not list the sinks')(err);
    }
  }

  private onRecorded(batch: SinkRecorded[]): void {
    const s = this.selected;
    if (s && batch.some((r) => r.kind === s.kind && r.name === s.name)) this.readRecords(false);
  }

  /** Reads the selected sink's records; one read at a time, a request during one reads once more after it. */
  private readRecords(whole: boolean): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    const at = this.selected;
    if (!at) return;
    this.reading = this.read(at, whole).finally(() => {
      this.reading = null;
      if (this.readAgain) {
        this.readAgain = false;
        this.readRecords(false);
      }
    });
  }

  private async read(at: SinkAddress, whole: boolean): Promise<void> {
    // Once older pages are shown, an append-only sink is only read forward (a whole read would drop them).
    const incremental = (!whole || this.olderLoaded > 0) && this.recordsLoaded && appendOnly.has(at.kind) && this.records.length > 0;
    const after = incremental ? this.records[0]!.id : undefined;
    try {
      const got = await this.client.sinks.records(at.kind, at.name, { limit: RECORDS_LIMIT, ...(after === undefined ? {} : { after }) });
      const s = this.selected;
      if (!s || s.kind !== at.kind || s.name !== at.name) return;
      const known: Record<number, true> = {};
      for (const r of this.records) known[r.id] = true;
      const next = incremental ? [...got, ...this.records].slice(0, RECORDS_LIMIT + this.olderLoaded) : got;
      // New ids are highlighted once they arrive live (not on the first read).
      this.fresh = this.recordsLoaded ? got.filter((r) => !known[r.id]).map((r) => r.id) : [];
      this.records = next;
      this.recordsLoaded = true;
    } catch (err) {
      const s = this.selected;
      if (s && s.kind === at.kind && s.name === at.name) this.recordsLoaded = true;
      this.connection.reportError(`Could not read the records of ${at.name}`)(err);
    }
  }
}
