import {
  RpcError, type ShadowDeleteResult, type ShadowDocument, type ShadowPatch, type ShadowSummary, type ShadowUpdateResult,
  type ShadowUpdated, type ShadowVersion, type ThingbenchClient, type WireErrorCode,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { ShadowIndex } from './models/shadow-document.js';

/** Versions asked of the engine for the history (it keeps a bounded number per shadow). */
const HISTORY_SIZE = 100;
/** Shadow events are dropped while the engine's link is congested; the list is read again this often while watched. */
const RESYNC_MS = 15_000;

export interface ShadowAddress {
  thing: string;
  /** null: the classic shadow. */
  name: string | null;
}

/** A failed shadow call as AWS would answer it: the HTTP status of the error's kind and AWS's message. */
export interface ShadowFailure {
  status: number;
  message: string;
}

const statuses: Record<WireErrorCode, number> = {
  InvalidInput: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, AlreadyExists: 409,
  TooLarge: 413, Throttled: 429, Unavailable: 503, Internal: 500,
};

/** The status and message of a rejected shadow call (the same mapping as the shadow service's `…/rejected`). */
export function shadowFailure(err: unknown): ShadowFailure {
  if (err instanceof RpcError) return { status: statuses[err.code] ?? 500, message: err.message };
  return { status: 500, message: err instanceof Error ? err.message : String(err) };
}

/**
 * Device shadows: the list of every live shadow (classic and named), and the selected one's document and stored
 * versions, kept live by `shadow.updated` while the Shadows view watches. Events go into the store at once and
 * reach the view at most once per frame.
 */
export class ShadowsStore {
  list = $state.raw<readonly ShadowSummary[]>([]);
  /** False until the first list arrived. */
  loaded = $state(false);
  selected = $state.raw<ShadowAddress | null>(null);
  /** The selected shadow's document; null while loading or when it does not exist (`missing`). */
  document = $state.raw<ShadowDocument | null>(null);
  /** AWS's 404 for the selected shadow: it was never created, or was deleted. */
  missing = $state<ShadowFailure | null>(null);
  /** Stored versions of the selected shadow, newest first. */
  history = $state.raw<readonly ShadowVersion[]>([]);

  private readonly rows = new ShadowIndex();
  private listDirty = false;
  private selectedDirty = false;
  private readonly schedule = perFrame(() => this.flush());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Follows shadow changes while the view is open; returns the stop function. */
  watch(): () => void {
    const sub = this.client.on('shadow.updated', (e) => this.onUpdated(e));
    void this.reload();
    const timer = setInterval(() => void this.reload(), RESYNC_MS);
    return () => {
      sub.dispose();
      clearInterval(timer);
    };
  }

  /** Reads the whole list again, and the selected shadow. */
  async reload(): Promise<void> {
    try {
      const list = await this.client.shadow.list();
      this.rows.replace(list);
      this.listDirty = true;
      this.loaded = true;
      this.schedule();
    } catch (err) {
      this.connection.reportError('Could not list the shadows')(err);
    }
    if (this.selected) await this.refresh();
  }

  /** Shows one shadow (or none). Selecting a shadow that does not exist yet is how a new one is written. */
  select(address: ShadowAddress | null): void {
    const same = address && this.selected && address.thing === this.selected.thing && address.name === this.selected.name;
    if (same || (!address && !this.selected)) return;
    this.selected = address;
    this.document = null;
    this.missing = null;
    this.history = [];
    if (address) void this.refresh();
  }

  /** Sends an update request to the selected shadow; rejects with the engine's error (see `shadowFailure`). */
  async update(patch: ShadowPatch): Promise<ShadowUpdateResult> {
    const at = this.current();
    const result = await this.client.shadow.update(at.thing, patch, at.name);
    await this.refresh(at);
    return result;
  }

  /** Deletes the selected shadow; its version carries on if it is written again (AWS keeps it for 48 hours). */
  async remove(): Promise<ShadowDeleteResult> {
    const at = this.current();
    const result = await this.client.shadow.delete(at.thing, at.name);
    this.rows.remove(at.thing, at.name);
    this.listDirty = true;
    this.schedule();
    await this.refresh(at);
    return result;
  }

  private current(): ShadowAddress {
    if (!this.selected) throw new Error('no shadow is selected');
    return this.selected;
  }

  private isSelected(thing: string, name: string | null): boolean {
    return this.selected !== null && this.selected.thing === thing && this.selected.name === name;
  }

  private onUpdated(e: ShadowUpdated): void {
    this.rows.apply(e);
    this.listDirty = true;
    if (this.isSelected(e.thing, e.name)) this.selectedDirty = true;
    this.schedule();
  }

  /** Reads the selected shadow's document and history; answers that arrive after another selection are dropped. */
  private async refresh(at: ShadowAddress | null = this.selected): Promise<void> {
    if (!at) return;
    const [doc, history] = await Promise.allSettled([
      this.client.shadow.get(at.thing, at.name),
      this.client.shadow.history(at.thing, at.name, HISTORY_SIZE),
    ]);
    if (!this.isSelected(at.thing, at.name)) return;
    if (doc.status === 'fulfilled') {
      // Two reads racing: keep the newer document.
      if (!this.document || this.missing || doc.value.version >= this.document.version) {
        this.document = doc.value;
        this.missing = null;
      }
    } else {
      const failure = shadowFailure(doc.reason);
      if (failure.status === 404) {
        this.document = null;
        this.missing = failure;
      } else this.connection.reportError('Could not read the shadow')(doc.reason);
    }
    if (history.status === 'fulfilled') this.history = history.value;
  }

  private flush(): void {
    if (this.listDirty) this.list = this.rows.list();
    if (this.selectedDirty) void this.refresh();
    this.listDirty = this.selectedDirty = false;
  }
}
