import type {
  DeviceConnectionState, DeviceLogEntry, DeviceModelList, FleetFault, FleetFaultResult, FleetInfo, FleetMember, FleetStartInput,
  MessageRecord, ThingbenchClient,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { appendLog } from './models/device-log.js';

/** Members read per request (the contract's pages). */
const PAGE = 200;
/** The visible members, the selected device's log and its will are read again this often while the view is open. */
const REFRESH_MS = 1_000;
/** Log entries kept for the selected device. */
const LOG_KEPT = 500;

/** A fault's outcome as the view shows it. */
export interface FaultOutcome {
  fleet: string;
  /** 'fleet', the device's thing name, or `N devices`. */
  target: string;
  result?: FleetFaultResult;
  error?: string;
  at: number;
}

/**
 * Virtual device fleets: the models, the fleets with their live counters (`devices.status`), and for the selected fleet
 * its members (read a page at a time around the rows in view, so a fleet of 100,000 costs what the window shows) and
 * the selected device's log and last will.
 */
export class DevicesStore {
  models = $state.raw<DeviceModelList | null>(null);
  fleets = $state.raw<readonly FleetInfo[]>([]);
  loaded = $state(false);
  selectedFleet = $state<string | null>(null);
  /** Members of the selected fleet that match the filter. */
  memberTotal = $state(0);
  /** Changes whenever member rows arrive (the list asks for its rows again). */
  memberVersion = $state(0);
  membersLoaded = $state(false);
  memberSearch = $state('');
  memberState = $state<DeviceConnectionState | ''>('');
  selectedDevice = $state<string | null>(null);
  /** Devices ticked in the list (thing names), for a fault on just them. */
  marked = $state.raw<readonly string[]>([]);
  log = $state.raw<readonly DeviceLogEntry[]>([]);
  /** The newest message on the selected device's will topic (null: none yet). */
  will = $state.raw<MessageRecord | null>(null);
  lastFault = $state.raw<FaultOutcome | null>(null);

  private rows: (FleetMember | undefined)[] = [];
  /** Per device (thing name): its count of messages sent when last read, and its rate since the read before. */
  // Plain on purpose: rows reach views through `memberVersion`.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private rates = new Map<string, { at: number; published: number; perSec: number }>();
  private window = { start: 0, end: 0 };
  // Plain on purpose: status batches reach views through `fleets`, at most once per frame.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private pending = new Map<string, FleetInfo>();
  private readonly publish = perFrame(() => this.flushStatus());
  private reading = false;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Follows the fleets while the view is open; returns the stop function. */
  watch(): () => void {
    const sub = this.client.on('devices.status', (batch) => {
      for (const f of batch) this.pending.set(f.id, f);
      this.publish();
    });
    void this.reload();
    const timer = setInterval(() => void this.refresh(), REFRESH_MS);
    return () => {
      sub.dispose();
      clearInterval(timer);
    };
  }

  async reload(): Promise<void> {
    try {
      const [models, fleets] = await Promise.all([this.client.devices.models(), this.client.devices.list()]);
      this.models = models;
      this.fleets = fleets;
      this.loaded = true;
      // A fleet picked by its route before the list arrived.
      if (this.selectedFleet && !this.membersLoaded) void this.readMembers();
    } catch (err) {
      this.connection.reportError('Could not read the fleets')(err);
    }
  }

  fleet(id: string | null = this.selectedFleet): FleetInfo | undefined {
    return id ? this.fleets.find((f) => f.id === id) : undefined;
  }

  selectFleet(id: string | null): void {
    if (id === this.selectedFleet) return;
    this.selectedFleet = id;
    this.selectDevice(null);
    this.marked = [];
    this.resetMembers();
  }

  /** Filters the members (thing name or client id text, connection state). */
  filterMembers(search: string, state: DeviceConnectionState | ''): void {
    if (search === this.memberSearch && state === this.memberState) return;
    this.memberSearch = search;
    this.memberState = state;
    this.resetMembers();
  }

  /** The rows in view changed: reads the pages they need. */
  showRows(start: number, end: number): void {
    this.window = { start, end };
    if (this.rows.slice(start, end).some((r) => r === undefined)) void this.readMembers();
  }

  /** Rows `start`..`end` as known (undefined while their page is being read). */
  memberRows(start: number, end: number): (FleetMember | undefined)[] {
    return Array.from({ length: Math.max(0, end - start) }, (_, i) => this.rows[start + i]);
  }

  selectDevice(thingName: string | null): void {
    if (thingName === this.selectedDevice) return;
    this.selectedDevice = thingName;
    this.log = [];
    this.will = null;
    if (thingName) void this.readDevice();
  }

  /** Messages a second the device sent between the last two reads of its row (undefined until read twice). */
  rate(thingName: string): number | undefined {
    const r = this.rates.get(thingName);
    return r && r.perSec >= 0 ? r.perSec : undefined;
  }

  /** Ticks or unticks a device for a fault on the ticked devices. */
  toggleMark(thingName: string): void {
    this.marked = this.marked.includes(thingName) ? this.marked.filter((t) => t !== thingName) : [...this.marked, thingName];
  }

  clearMarks(): void {
    this.marked = [];
  }

  /** The selected device's row, when it is among the rows read. */
  device(): FleetMember | undefined {
    return this.selectedDevice ? this.rows.find((r) => r?.thingName === this.selectedDevice) : undefined;
  }

  async start(input: FleetStartInput): Promise<FleetInfo> {
    const fleet = await this.client.devices.start(input);
    this.merge([fleet]);
    return fleet;
  }

  async stop(id: string): Promise<void> {
    try {
      this.merge([await this.client.devices.stop(id)]);
    } catch (err) {
      this.connection.reportError(`Could not stop ${id}`)(err);
    }
  }

  /** Applies a fault to the fleet, or to some of its devices (thing names); the outcome is kept in `lastFault`. */
  async fault(id: string, fault: FleetFault, devices?: readonly string[]): Promise<void> {
    const target = !devices ? 'fleet' : devices.length === 1 ? devices[0] : `${devices.length} devices`;
    try {
      const result = await this.client.devices.fault(id, fault, devices ? [...devices] : undefined);
      this.lastFault = { fleet: id, target, result, at: Date.now() };
    } catch (err) {
      this.lastFault = { fleet: id, target, error: err instanceof Error ? err.message : String(err), at: Date.now() };
    }
    void this.refresh();
  }

  private flushStatus(): void {
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.merge(batch);
  }

  private merge(batch: readonly FleetInfo[]): void {
    if (!batch.length) return;
    const byId: Record<string, FleetInfo> = Object.fromEntries(batch.map((f) => [f.id, f]));
    const next = this.fleets.map((f) => byId[f.id] ?? f);
    const fresh = batch.filter((f) => !this.fleets.some((k) => k.id === f.id));
    this.fleets = [...fresh, ...next];
  }

  private noteRate(m: FleetMember, at: number): void {
    const prev = this.rates.get(m.thingName);
    const perSec = prev && at - prev.at >= 200 ? ((m.published - prev.published) * 1000) / (at - prev.at) : prev?.perSec ?? -1;
    if (!prev || at - prev.at >= 200) this.rates.set(m.thingName, { at, published: m.published, perSec });
    if (this.rates.size > 5000) this.rates.delete(this.rates.keys().next().value!);
  }

  private resetMembers(): void {
    this.rows = [];
    this.rates.clear();
    this.memberTotal = 0;
    this.membersLoaded = false;
    this.memberVersion++;
    if (this.selectedFleet) void this.readMembers();
  }

  private async refresh(): Promise<void> {
    if (this.fleet()?.state === 'running') {
      await this.readMembers(true);
      await this.readDevice();
    }
  }

  /** Reads the pages under the rows in view (all of them again with `again`, else only those not read yet). */
  private async readMembers(again = false): Promise<void> {
    const id = this.selectedFleet;
    if (!id || this.reading || this.fleet(id)?.state !== 'running') return;
    this.reading = true;
    const filter = { search: this.memberSearch, state: this.memberState };
    try {
      const { start, end } = this.window;
      const first = Math.floor(start / PAGE) * PAGE;
      for (let offset = first; offset < Math.max(end, first + 1); offset += PAGE) {
        if (!again && this.membersLoaded && this.rows.slice(offset, Math.min(offset + PAGE, end)).every((r) => r !== undefined)) continue;
        const page = await this.client.devices.members(id, {
          offset, limit: PAGE, ...(filter.search ? { search: filter.search } : {}), ...(filter.state ? { state: filter.state } : {}),
        });
        if (id !== this.selectedFleet || filter.search !== this.memberSearch || filter.state !== this.memberState) return;
        if (page.total !== this.memberTotal) this.rows.length = Math.min(this.rows.length, page.total);
        const at = Date.now();
        page.members.forEach((m, i) => {
          this.noteRate(m, at);
          this.rows[offset + i] = m;
        });
        this.memberTotal = page.total;
        this.membersLoaded = true;
        this.memberVersion++;
      }
    } catch (err) {
      if (id === this.selectedFleet && this.fleet(id)?.state === 'running') this.connection.reportError(`Could not read the devices of ${id}`)(err);
    } finally {
      this.reading = false;
    }
  }

  /** Reads the selected device's new log entries and its will topic's newest message. */
  private async readDevice(): Promise<void> {
    const id = this.selectedFleet, device = this.selectedDevice;
    if (!id || !device || this.fleet(id)?.state !== 'running') return;
    try {
      const after = this.log.at(-1)?.seq ?? 0;
      const entries = await this.client.devices.log(id, device, after);
      if (device !== this.selectedDevice) return;
      this.log = appendLog(this.log, entries, LOG_KEPT); // the interval's read and a selection's may overlap
      const willTopic = this.device()?.willTopic;
      if (willTopic) {
        const [newest] = await this.client.broker.messages({ filter: willTopic, limit: 1 });
        if (device === this.selectedDevice && newest && newest.id !== this.will?.id) this.will = newest;
      }
    } catch (err) {
      if (device === this.selectedDevice && this.fleet(id)?.state === 'running') this.connection.reportError(`Could not read the log of ${device}`)(err);
    }
  }
}
