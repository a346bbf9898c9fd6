import type { MessageBatch, MessageRecord, ThingbenchClient, TopicStats, TopicTable } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { nextTask, perFrame, RedrawClock } from './frame.js';
import { MessageStore } from './models/message-store.js';
import { PreviewQueue } from './models/preview-queue.js';
import { RowPreviews } from './models/row-previews.js';
import { TopicTree, type TopicFigures, type TopicNode } from './models/topic-tree.js';
import { FilteredRows, parsePayloadQuery, parseTopicQuery, topicSetQuery, type PayloadQuery } from './models/tree-filter.js';

/** How many messages the list keeps and asks the history for. */
const LIST_SIZE = 500;
/**
 * Topics (of the opening snapshot, or of a big live batch) are taken in a slice at a time, for at most this long per
 * task: then the page paints and answers, and the rest follows in the next task.
 */
const INTAKE_BUDGET_MS = 10;
const INTAKE_SLICE = 250;
/**
 * Topics per later answer of the opening's topic table: about 1.3 MB, parsed in about 10 ms. Each answer also waits a
 * round trip through both event loops, so fewer, larger pages fill the tree sooner (100,000 topics: median 0.65–0.7 s
 * with pages of 25,000, 0.77–0.84 s with 10,000; `bench ui --opens 8`).
 */
const TABLE_PAGE = 25_000;
/** Enough for the first screen whatever is expanded, and quick to prepare, send and take in. */
const FIRST_TABLE_PAGE = 1_000;
/** How often the tree is redrawn while the opening's table is still coming in. */
const BULK_REDRAW_MS = 200;
/** How long the list says it shows a sample after the engine last skipped live messages for the UI. */
const SAMPLE_NOTICE_MS = 5000;
const FLASH_MS = 700;
/**
 * The live list is redrawn at most this often: under a flood every row changes at each redraw, and each redraw lays out
 * every row's text again. Those layout objects are Blink's, which only V8's mark-compacts free, so their rate sets how
 * often the page marks its whole heap: 2.7 MB/s at four redraws a second (at any flood rate), 1.5 MB/s at two with
 * fewer rows kept beyond the screen (the list's overscan), against 0.2 MB/s for the rest of the page. A message that
 * arrives after a quiet moment still shows in the next frame; a selection or search shows at once.
 */
const LIST_REDRAW_MS = 500;
const HIDE_AWS_KEY = 'thingbench.explorer.hideAws';

/** One row of the tree as shown now: a fresh object per change, since the nodes themselves change in place. */
export interface TopicRow {
  node: TopicNode;
  total: number;
  /** The topic's last figures (undefined: nothing was published to exactly this topic). */
  stats: TopicFigures | undefined;
  open: boolean;
  hasChildren: boolean;
  /** A live message arrived on this topic since the previous frame. */
  flashing: boolean;
  activity: number;
  /** The last payload, one short line (null: nothing was published to exactly this topic). */
  preview: string | null;
  /** The topic matches the filter. */
  match: boolean;
  /** The part of the level's name that matches a text or regular-expression filter. */
  highlight: [number, number] | null;
}

/**
 * The topic tree and the message list of the selected subtree, fed by the `broker.topics` snapshot and the live
 * `broker.messages` batches (subscribed first, so nothing published in between is missed; both merge idempotently).
 * The models are plain objects; `version` and `messages` change at most once per frame, which is what views watch.
 */
export class TopicsStore {
  readonly tree = new TopicTree();
  /** Bumped when the tree changed; read it in a `$derived` to recompute what a view shows from `tree`. */
  version = $state(0);
  /** Rows the tree shows now (filtered or not), and topics known. */
  rowCount = $state(1);
  topicCount = $state(0);
  /** Whether the opening snapshot of the topics is still being taken in. */
  loading = $state(true);
  messages = $state.raw<readonly MessageRecord[]>([]);
  selected = $state.raw<TopicNode>(this.tree.root);
  message = $state.raw<MessageRecord | null>(null);
  /** Why the detail shows a preview instead of the full payload, if it does. */
  messageNote = $state('');
  /** The filter box's text, why it is not a valid filter, and how many topics match it. */
  query = $state('');
  queryError = $state<string | null>(null);
  matchCount = $state(0);
  hideAws = $state(false);
  /** The filter box searches the payloads of the history (and of live messages) instead of the topic names. */
  searchPayloads = $state(false);
  /** While the user looks further down the list, it stays as it was; `unseen` counts what arrived meanwhile. */
  paused = $state(false);
  unseen = $state(0);
  /** Live messages the engine skipped for the UI in the last seconds: the list then shows a sample of the flood. */
  skipped = $state(0);
  private skippedPending = 0;
  private sampleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly list = new MessageStore(LIST_SIZE);
  private filtered: FilteredRows | null = null;
  private readonly previews = new RowPreviews();
  /** Topics waiting to be taken into the tree, in arrival order (snapshot, live batches, removals). */
  private readonly intake: Intake[] = [];
  private intakeRunning = false;
  private readonly previewQueue = new PreviewQueue<TopicNode>();
  private fetching = false;
  private lastBulkRedraw = -Infinity;
  private bulkRedraw: ReturnType<typeof setTimeout> | undefined;
  private payloadQuery: PayloadQuery | null = null;
  /** Topics with a message whose payload matched the search: what the tree shows while searching payloads. */
  private payloadTopics = topicSetQuery().topics;
  /** Rows flash while their last live message is younger than FLASH_MS: `flashedBefore` is the activity then. */
  private flashedBefore = 0;
  private readonly flashMarks: { time: number; activity: number }[] = [];
  private treeDirty = false;
  private treeDrawn = false;
  private listDirty = false;
  /** The list shows the next change in the next frame, not after LIST_REDRAW_MS (a new selection or search). */
  private listUrgent = false;
  private readonly schedule = perFrame(() => this.flush());
  private readonly listClock = new RedrawClock(LIST_REDRAW_MS, this.schedule);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {
    this.hideAws = typeof localStorage !== 'undefined' && localStorage.getItem(HIDE_AWS_KEY) === '1';
    this.tree.hideAws = this.list.hideAws = this.hideAws;
    client.on('broker.messages', (batch: MessageBatch) => {
      if (batch.topics.length) this.take({ size: batch.topics.length, slice: (from, to) => batch.topics.slice(from, to), at: 0, live: true, payloads: true });
      if (batch.removed?.length) this.take({ removed: batch.removed });
      if (this.list.merge(batch.messages)) this.listDirty = true;
      if (this.payloadQuery) this.notePayloadMatches(batch.messages.filter((m) => this.payloadQuery!.test(m.payload)));
      if (batch.dropped) {
        this.skippedPending += batch.dropped;
        this.listDirty = true;
        clearTimeout(this.sampleTimer);
        this.sampleTimer = setTimeout(() => (this.skipped = 0), SAMPLE_NOTICE_MS);
      }
      this.schedule();
    });
    this.loadTable();
    void this.select(this.tree.root);
  }

  /**
   * The compact table (no payloads) opens a big tree fast; the rows on screen then ask for their previews. It comes
   * in pages: one answer for 100,000 topics took the page over 50 ms just to receive and parse. A small first page
   * fills the first screen; each next page is asked for as soon as one arrives, so the engine prepares it while the
   * tree takes this one in.
   */
  private loadTable(after?: string): void {
    this.client.broker.topicTable(undefined, { after, limit: after === undefined ? FIRST_TABLE_PAGE : TABLE_PAGE }).then((table) => {
      const next = table.next;
      if (next !== undefined) this.loadTable(next);
      this.take({ ...tableReader(table), at: 0, live: false, payloads: false, done: next === undefined ? () => (this.loading = false) : undefined });
    }, (err: unknown) => {
      this.loading = false;
      this.connection.reportError('Could not load the topics')(err);
    });
  }

  /** The MQTT filter of the selected subtree, what the list shows (read from `selected`, so views follow it). */
  get filter(): string {
    return this.selected.filter;
  }

  /**
   * The rows `start` to `end` (exclusive) of the tree as shown now: the rows on screen, whose payloads the tree keeps
   * from now on (`nodeAt` reads a row without that).
   */
  rows(start: number, end: number): TopicRow[] {
    const nodes = this.window(start, end);
    this.tree.watch(nodes);
    this.previews.begin();
    const query = this.filtered?.query;
    return nodes.map((node) => ({
      node,
      total: node.total,
      stats: this.tree.figures(node),
      open: this.isOpen(node),
      hasChildren: this.filtered ? this.filtered.hasMatchBelow(node) : node.children.size > 0,
      flashing: node.activity > this.flashedBefore,
      activity: node.activity,
      preview: node.isTopic ? this.preview(node) : null,
      match: this.filtered?.matched.has(node) ?? false,
      highlight: query && node.parent ? query.highlight(node.name) : null,
    }));
  }

  /** The node of row `index` as shown now. */
  nodeAt(index: number): TopicNode | undefined {
    return this.window(index, index + 1)[0];
  }

  private window(start: number, end: number): TopicNode[] {
    return this.filtered ? this.filtered.window(start, end) : this.tree.window(start, end);
  }

  /** A row's preview. A topic whose payload the tree does not hold (from the topic table, or changed out of sight) asks the engine. */
  private preview(node: TopicNode): string | null {
    const payload = node.payload;
    if (payload !== undefined) return this.previews.text(node, payload);
    this.previewQueue.want(node);
    if (!this.fetching && this.previewQueue.pending) {
      this.fetching = true;
      setTimeout(() => void this.fetchPreviews(), 0);
    }
    return null;
  }

  /** Fetches the statistics with payloads of the rows on screen whose payloads the tree does not hold. */
  private async fetchPreviews(): Promise<void> {
    const nodes = this.previewQueue.take(500);
    try {
      const stats = await this.client.broker.topicStats(nodes.map((node) => node.path));
      this.applyTopics(stats, false, true);
      this.previewQueue.answered(stats.flatMap((s) => this.tree.get(s.topic) ?? []));
      this.treeDirty = true;
      this.schedule();
    } catch (err) {
      this.connection.reportError('Could not load the topic previews')(err);
    } finally {
      this.fetching = false;
      if (this.previewQueue.pending) {
        this.fetching = true;
        setTimeout(() => void this.fetchPreviews(), 0);
      }
    }
  }

  /** Row index of `node` as the tree shows it now, or -1. */
  indexOf(node: TopicNode): number {
    return this.filtered ? this.filtered.indexOf(node) : this.tree.indexOf(node);
  }

  isOpen(node: TopicNode): boolean {
    return this.filtered ? this.filtered.isOpen(node) : node.open;
  }

  /** Expands or collapses a node (under a filter, only for as long as the filter stays). */
  setOpen(node: TopicNode, open: boolean): void {
    if (this.filtered) this.filtered.setOpen(node, open);
    else this.tree.setOpen(node, open);
    this.redrawTree();
  }

  /** Filters the tree by text, an MQTT topic filter (`+`, `#`) or a `/regular expression/`. */
  setQuery(text: string): void {
    this.query = text;
    if (this.searchPayloads || this.payloadQuery) {
      this.searchInPayloads(text);
      return;
    }
    const { query, error } = parseTopicQuery(text);
    this.queryError = error;
    if (error) return; // keep showing the last valid filter's rows
    this.filtered = query ? new FilteredRows(this.tree, query) : null;
    this.redrawTree();
  }

  /** Switches the filter box between topic names and payloads (the same text is applied again). */
  setSearchPayloads(on: boolean): void {
    this.searchPayloads = on;
    if (!on && this.payloadQuery) this.searchInPayloads(''); // leave payload search
    this.setQuery(this.query);
  }

  private searchInPayloads(text: string): void {
    const { query, error } = this.searchPayloads ? parsePayloadQuery(text) : { query: null, error: null };
    this.queryError = error;
    if (error) return;
    this.payloadQuery = query;
    this.list.payloadTest = query ? (m) => query.test(m.payload) : null;
    const found = topicSetQuery();
    this.payloadTopics = found.topics;
    this.filtered = query ? new FilteredRows(this.tree, found.query) : null;
    this.redrawTree();
    void this.select(this.selected);
  }

  private notePayloadMatches(messages: readonly MessageRecord[]): void {
    const nodes: TopicNode[] = [];
    for (const m of messages) {
      if (this.payloadTopics.has(m.topic)) continue;
      this.payloadTopics.set(m.topic);
      const node = this.tree.get(m.topic);
      if (node) nodes.push(node);
    }
    if (nodes.length && this.filtered?.add(nodes)) this.treeDirty = true;
  }

  /** Hides or shows the `$aws/…` topics in the tree and the list. */
  setHideAws(hide: boolean): void {
    this.hideAws = hide;
    localStorage.setItem(HIDE_AWS_KEY, hide ? '1' : '0');
    this.tree.hideAws = hide;
    this.list.hideAws = hide;
    this.filtered?.invalidate();
    this.treeDirty = true;
    void this.select(this.selected.path.startsWith('$aws') && hide ? this.tree.root : this.selected);
    this.flush();
  }

  /** Shows the messages of `node` and its subtree: live ones from now on, and the history. */
  async select(node: TopicNode): Promise<void> {
    this.selected = node;
    const filter = node.filter;
    this.list.reset(filter);
    this.paused = false;
    this.listDirty = this.listUrgent = true;
    this.schedule();
    const payload = this.payloadQuery;
    try {
      const history = await this.client.broker.messages({ filter, limit: LIST_SIZE, ...payload?.engine });
      if (this.list.filter !== filter || this.payloadQuery !== payload) return; // another topic or search came meanwhile
      if (this.list.merge(history)) this.listDirty = this.listUrgent = true;
      if (payload) this.notePayloadMatches(history);
      this.schedule();
    } catch (err) {
      // The engine runs payload regexes as RE2, which refuses some that JavaScript takes (look-behind, back-references).
      if (payload && (err as { code?: string }).code === 'InvalidInput') this.queryError = (err as Error).message;
      else this.connection.reportError('Could not load the message history')(err);
    }
  }

  /** Opens a message in the detail pane, fetching the full payload when the list holds only a preview. */
  async open(message: MessageRecord | null): Promise<void> {
    this.message = message;
    this.messageNote = '';
    if (!message?.truncated) return;
    try {
      const full = await this.client.broker.message(message.id);
      if (this.message?.id !== message.id) return;
      this.message = full ?? message;
      this.messageNote = full ? '' : 'This message has left the history; showing its preview.';
    } catch (err) {
      this.connection.reportError('Could not load the full payload')(err);
    }
  }

  /** Keeps the list as it is while the user reads further down; `resume` shows the newest again. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.unseen = 0;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.unseen = 0;
    this.messages = this.list.messages;
  }

  /**
   * Queues topics for the tree and takes in what the time budget allows now; the rest follows in the next tasks. A
   * live batch arriving while nothing waits goes in at once; the opening snapshot always starts in a task of its own
   * (not the one that parsed it).
   */
  private take(item: Intake): void {
    this.intake.push(item);
    if (this.intakeRunning) return;
    this.intakeRunning = true;
    if ('removed' in item || item.live) this.runIntake();
    else nextTask(this.runIntake);
  }

  private readonly runIntake = (): void => {
    const until = performance.now() + INTAKE_BUDGET_MS;
    while (this.intake.length) {
      const item = this.intake[0]!;
      if ('removed' in item) {
        this.removeTopics(item.removed);
        this.intake.shift();
      } else {
        const to = Math.min(item.at + INTAKE_SLICE, item.size);
        this.applyTopics(item.slice(item.at, to), item.live, item.payloads);
        item.at = to;
        if (to >= item.size) {
          this.intake.shift();
          item.done?.();
        }
      }
      if (performance.now() >= until) break;
    }
    if (this.loading) this.redrawSoon();
    else this.schedule();
    if (this.intake.length) nextTask(this.runIntake);
    else this.intakeRunning = false;
  };

  /**
   * While the opening's table streams in, the tree is drawn as its first rows arrive and then at most every
   * BULK_REDRAW_MS: each redraw lays the page out and paints it again, work that on two cores slowed the intake itself.
   */
  private redrawSoon(): void {
    const wait = this.lastBulkRedraw + BULK_REDRAW_MS - performance.now();
    if (wait <= 0) {
      this.lastBulkRedraw = performance.now();
      this.schedule();
    } else {
      this.bulkRedraw ??= setTimeout(() => {
        this.bulkRedraw = undefined;
        this.lastBulkRedraw = performance.now();
        this.schedule();
      }, wait);
    }
  }

  private removeTopics(topics: readonly string[]): void {
    const gone = this.tree.remove(topics);
    if (!gone.length) return;
    this.filtered?.remove(gone);
    for (const node of gone) this.payloadTopics.delete(node.path);
    this.previewQueue.forget(gone);
    this.treeDirty = true;
  }

  private applyTopics(topics: readonly TopicStats[], live: boolean, withPayloads: boolean): void {
    if (topics.length === 0) return;
    const { changed, added } = this.tree.apply(topics, live, withPayloads);
    if (changed || added.length) this.treeDirty = true;
    if (this.filtered && added.length) this.filtered.add(added);
  }

  /** Shows a change the user made to the tree's rows (expand, filter, toggle) at once. */
  private redrawTree(): void {
    this.treeDirty = true;
    this.flush();
  }

  private flush(): void {
    // The frame that first draws the tree's rows draws nothing else: the list's rows follow in the next frame, so
    // neither first drawing (both build their rows from nothing) makes a long frame of the other's.
    const firstRows = this.treeDirty && !this.treeDrawn;
    if (firstRows && this.listDirty) this.schedule();
    const now = performance.now();
    if (this.treeDirty) {
      this.treeDirty = false;
      this.treeDrawn = true;
      this.flashMarks.push({ time: now, activity: this.tree.activity });
      while (this.flashMarks.length > 1 && this.flashMarks[1]!.time <= now - FLASH_MS) this.flashMarks.shift();
      const mark = this.flashMarks[0]!;
      if (mark.time <= now - FLASH_MS) this.flashedBefore = mark.activity;
      this.version++;
      this.rowCount = this.filtered ? this.filtered.count : this.tree.rowCount;
      this.topicCount = this.tree.size;
      this.matchCount = this.filtered?.matchCount ?? 0;
    }
    if (this.listDirty && !firstRows && this.listClock.ready(now, this.listUrgent)) this.flushList();
  }

  /** Shows the list's changes. */
  private flushList(): void {
    this.listDirty = this.listUrgent = false;
    this.skipped += this.skippedPending;
    this.skippedPending = 0;
    if (!this.paused) this.messages = this.list.messages;
    else {
      const newestShown = this.messages[0]?.id ?? -Infinity;
      let unseen = 0;
      for (const m of this.list.messages) if (m.id > newestShown) unseen++;
      else break;
      this.unseen = unseen;
    }
  }
}

/** Topics waiting for the tree: statistics read a slice at a time, or topics the engine stopped following. */
type Intake =
  | { size: number; slice(from: number, to: number): TopicStats[]; at: number; live: boolean; payloads: boolean; done?: () => void }
  | { removed: readonly string[] };

/** Statistics read from the topic table: no payload yet, so their rows fetch it when shown (`broker.topicStats`). */
class TableStats implements TopicStats {
  readonly lastPayload = '';
  readonly lastQos = 0;
  readonly lastPublisher = null;
  constructor(
    readonly topic: string, readonly count: number, readonly rate: number, readonly lastSize: number,
    readonly retained: boolean, readonly lastTime: number,
  ) {}
}

/** Reads the topic table's columns as statistics without payloads, a slice at a time. */
function tableReader(table: TopicTable): { size: number; slice(from: number, to: number): TopicStats[] } {
  const retained = new Set(table.retained);
  return {
    size: table.topics.length,
    slice(from, to) {
      const out: TopicStats[] = [];
      for (let i = from; i < Math.min(to, table.topics.length); i++) {
        out.push(new TableStats(table.topics[i]!, table.count[i]!, table.rate[i]!, table.lastSize[i]!, retained.has(i), table.lastTime[i]!));
      }
      return out;
    },
  };
}
