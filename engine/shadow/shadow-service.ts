/**
 * The Device Shadow service: classic and named shadows, reached through the reserved MQTT topics (tapped from the
 * broker, no MQTT connection of its own), the HTTP data plane and the UI contract [DG:iot-device-shadows].
 *
 * LIMITATIONS:
 * - No authorization (iot:GetThingShadow, iot:UpdateThingShadow, …); 401/403 are never produced.
 * - Shadows exist for any valid thing name, as AWS allows for names not in the registry; the registry does not
 *   exist yet (see `ShadowServiceOptions` for the seam).
 * - AWS's request limits hold in aws mode only (standard mode: off; `EngineConfig.shadow.limits`, 0 = off): an 11th
 *   unanswered MQTT request of one connection (client id), or a request over 20 per second for one thing (MQTT and
 *   HTTP together; a bucket that allows a burst of 20), is answered 429. AWS documents no message text for its 429;
 *   Thingbench sends `Too Many Requests`. A rule's republish counts for its thing but has no connection; the UI and
 *   in-engine readers are not limited. A global bound on requests waiting for the disk also answers 429 past it.
 * - A deleted shadow's version is remembered for 48 hours of engine clock, as AWS documents; the row stays afterwards.
 * - Fine points the AWS docs leave open follow the commonly observed behaviour: `/update/delta` is published only
 *   when the request had a `desired` section; the first `/update/documents` has no `previous`; an emptied section
 *   is removed; `null` fields are echoed in `/update/accepted`; HTTP updates and deletes also publish `/accepted`.
 */
import { EngineError, TypedEmitter, type Clock, type Disposable, type Logger, type Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { Publisher, TappedMessage } from '../broker/index.js';
import type { ShadowSummary, ShadowUpdated, ShadowVersion } from '../contract/index.js';
import {
  acceptedDocument, applyState, deletedDocument, deltaDocument, documentsJson, getDocument, type UpdateRequest,
} from './shadow-doc.js';
import {
  MAX_STATE_BYTES, messages, parseReadPayload, parseUpdatePayload, salvageClientToken, validateNames,
} from './shadow-request.js';
import { ShadowStore } from './shadow-store.js';
import { parseRequestTopic, replyTopic, SHADOW_REQUEST_FILTERS, type ShadowAddress, type ShadowOperation } from './shadow-topics.js';
import { rejectedDocument } from './shadow-rejections.js';
import type { ShadowLimits } from './shadow-limits.js';
import { InFlightPerConnection, ThingRate } from './shadow-throttle.js';

export interface ShadowEvents {
  updated: ShadowUpdated;
}

export interface ShadowServiceOptions {
  /** Versions kept per shadow for the UI's history (0: none). */
  historySize: number;
  logger: Logger;
  /** Requests waiting for the disk at once; more are answered 429. */
  maxInFlight?: number;
  /** AWS's per-connection and per-thing limits (absent: off). */
  limits?: ShadowLimits;
  // Registry seam (issue 5): when the registry lands, pass a lookup here and refuse named shadows of unknown things
  // if AWS requires it; classic shadows stay available for any valid thing name.
}

/** AWS forgets a deleted shadow's version after 48 hours [DG:device-shadow-data-flow]. */
const VERSION_MEMORY_MS = 48 * 3600 * 1000;
/** QoS of the service's own publishes: QoS 1 subscribers (and their persistent sessions) get QoS 1. */
const REPLY_QOS = 1;

/** One thing's billed Device Shadow operations. */
export interface ShadowUsage {
  thing: string;
  operations: number;
  /** In 1 KB increments. */
  billed: number;
}

export class ShadowService implements Service {
  readonly name = 'shadow';
  readonly events = new TypedEmitter<ShadowEvents>();
  private db!: ShadowStore;
  private taps: Disposable[] = [];
  private inFlight = 0;
  /** MQTT requests taken and answered `/rejected` since the start (the pipeline diagram's broker → shadow edge). */
  private readonly counts = { requests: 0, rejected: 0 };
  /** Device Shadow operations per thing, as AWS bills them (1 KB increments), from devices and the HTTP API. */
  private readonly usage = new Map<string, ShadowUsage>();
  private readonly maxInFlight: number;
  private readonly thingRate: ThingRate;
  private readonly connections: InFlightPerConnection;

  constructor(private readonly store: Store, private readonly pub: Publisher, private readonly clock: Clock, private readonly opts: ShadowServiceOptions) {
    this.maxInFlight = opts.maxInFlight ?? 10_000;
    this.thingRate = new ThingRate(opts.limits?.requestsPerSecondPerThing ?? 0);
    this.connections = new InFlightPerConnection(opts.limits?.inFlightPerConnection ?? 0);
  }

  async start(): Promise<void> {
    this.db = new ShadowStore(this.store, this.opts.historySize);
    this.taps = SHADOW_REQUEST_FILTERS.map((filter) => this.pub.tap(filter, (msg) => this.onRequest(msg)));
  }

  async stop(): Promise<void> {
    for (const tap of this.taps) tap.dispose();
    this.taps = [];
  }

  /** Counts a device request (MQTT or HTTP) against its thing's rate; throws Throttled (429) past it. */
  admitRequest(thing: string): void {
    if (!this.thingRate.take(thing, this.clock.now())) throw new EngineError('Throttled', messages.tooManyRequests);
  }

  /**
   * The current document (with its delta): the newest version that is durable and whose `/accepted` was sent, never
   * one still waiting for the disk. Throws NotFound for a shadow never created, or deleted (once that is acknowledged).
   */
  get(address: ShadowAddress, clientToken?: string) {
    validateNames(address.thing, address.name);
    const row = this.db.load(address);
    const stored = row?.acknowledgedState;
    if (!row || !stored) throw notFound(address);
    return getDocument(stored, row.acknowledged.version, this.seconds(), clientToken);
  }

  /**
   * Applies an update and resolves with the accepted document once it is durable; then publishes `/update/accepted`,
   * `/update/delta` (when the request had desired state and a delta remains) and `/update/documents`.
   */
  async update(address: ShadowAddress, request: UpdateRequest) {
    validateNames(address.thing, address.name);
    const now = this.clock.now();
    const ts = Math.floor(now / 1000);
    // Everything up to the write is synchronous, so concurrent updates of one shadow see each other in order.
    // The row in memory: its document is parsed once and never re-serialized; `previous` is its stored JSON.
    const row = this.db.load(address);
    const previousJson = row ? row.json : null;
    const previousVersion = row ? row.version : 0;
    const base = row && (previousJson !== null || now - row.updated < VERSION_MEMORY_MS) ? row.version : 0;
    // AWS IoT shadow: version mismatch → 409 [DG:device-shadow-data-flow#optimistic-locking]
    if (request.version !== undefined && request.version !== base) throw new EngineError('Conflict', messages.versionConflict);
    const next = applyState(row?.stored, request.state, ts);
    // The 8 KB limit counts desired and reported only [DG:diagnosing-shadows]; the same text is what is stored.
    const stateJson = JSON.stringify(next.state);
    if (Buffer.byteLength(stateJson, 'utf8') > MAX_STATE_BYTES) throw new EngineError('TooLarge', messages.tooLarge);
    const json = `{"state":${stateJson},"metadata":${JSON.stringify(next.metadata)}}`;
    const version = base + 1;
    const entry = this.db.writeUpdate(address, version, next, json, now);
    await entry.durable;

    const accepted = acceptedDocument(request, version, ts);
    // From here on (the same turn as the /accepted publish) a get may show this version.
    entry.row.acknowledge(entry.write, version, next, json, now);
    this.reply(address, 'update', 'accepted', JSON.stringify(accepted));
    const hasDesired = request.state !== null && request.state.desired !== undefined && request.state.desired !== null;
    const delta = hasDesired ? deltaDocument(next, version, ts, request.clientToken) : undefined;
    if (delta) this.reply(address, 'update', 'delta', JSON.stringify(delta));
    this.reply(address, 'update', 'documents', documentsJson(previousJson, previousVersion, json, version, ts, request.clientToken));
    this.emit(address, 'update', version, now);
    return accepted;
  }

  /** Deletes a shadow; its version is kept so that a re-created shadow continues from it. */
  async delete(address: ShadowAddress, clientToken?: string) {
    validateNames(address.thing, address.name);
    const now = this.clock.now();
    const row = this.db.load(address);
    if (!row || row.json === null) throw notFound(address);
    const version = row.version;
    const entry = this.db.writeDelete(address, version, now);
    await entry.durable;
    entry.row.acknowledge(entry.write, version, undefined, null, now);
    const doc = deletedDocument(version, Math.floor(now / 1000), clientToken);
    this.reply(address, 'delete', 'accepted', JSON.stringify(doc));
    this.emit(address, 'delete', version, now);
    return doc;
  }

  /** Live named shadows of a thing (never the classic one), sorted, paged by name. */
  listNamed(thing: string, pageSize: number, after?: string): { names: string[]; more: boolean } {
    validateNames(thing, null);
    const names = this.db.namedShadows(thing, pageSize + 1, after);
    return { names: names.slice(0, pageSize), more: names.length > pageSize };
  }

  list(thing?: string): ShadowSummary[] {
    return this.db.list(thing);
  }

  history(address: ShadowAddress, limit = 100): ShadowVersion[] {
    validateNames(address.thing, address.name);
    return this.db.history(address, limit);
  }

  seconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** Shadow requests over MQTT since the start, and how many were answered `/rejected`. */
  requestCounts(): { requests: number; rejected: number } {
    return { ...this.counts };
  }

  /**
   * Counts one billed Device Shadow operation on a thing: `bytes` is the request document of an update, the answered
   * document of a get (AWS meters in 1 KB increments). The MQTT and HTTP edges call it; the engine's own reads
   * (the UI, rules' `get_thing_shadow`) are not counted.
   */
  meter(thing: string, bytes: number): void {
    let u = this.usage.get(thing);
    if (!u) {
      u = { thing, operations: 0, billed: 0 };
      this.usage.set(thing, u);
    }
    u.operations++;
    u.billed += Math.max(1, Math.ceil(bytes / 1024));
  }

  /** Billed operations per thing since the start. */
  operationUsage(): ShadowUsage[] {
    return [...this.usage.values()].map((u) => ({ ...u }));
  }

  // ── MQTT edge ─────────────────────────────────────────────────────────────

  private onRequest(msg: TappedMessage): void {
    // AWS ignores wills on shadow topics [DG:device-shadow-comms-app]; a rule that republishes one is processed.
    if (msg.will) return;
    const request = parseRequestTopic(msg.topic);
    if (!request) return; // our own replies, unknown suffixes
    this.counts.requests++;
    const address = { thing: request.thing, name: request.name };
    const connection = msg.clientId; // null: the engine's own publish (a rule's republish), no connection to limit
    if (!this.thingRate.take(request.thing, this.clock.now()) || this.inFlight >= this.maxInFlight
      || (connection !== null && !this.connections.start(connection))) {
      const doc = rejectedDocument(new EngineError('Throttled', messages.tooManyRequests), this.seconds(), salvageClientToken(msg.payload));
      this.reply(address, request.operation, 'rejected', JSON.stringify(doc));
      return;
    }
    this.inFlight++;
    void this.answer(address, request.operation, msg.payload).finally(() => {
      this.inFlight--;
      if (connection !== null) this.connections.finish(connection);
    });
  }

  private async answer(address: ShadowAddress, operation: ShadowOperation, payload: Buffer): Promise<void> {
    try {
      if (operation === 'get') {
        const json = JSON.stringify(this.get(address, parseReadPayload(payload).clientToken));
        this.meter(address.thing, json.length);
        this.reply(address, 'get', 'accepted', json);
      } else if (operation === 'update') {
        validateNames(address.thing, address.name);
        await this.update(address, parseUpdatePayload(payload));
        this.meter(address.thing, payload.length);
      } else {
        await this.delete(address, salvageClientToken(payload)); // "The content of the message is ignored."
        this.meter(address.thing, payload.length);
      }
    } catch (err) {
      if (!(err instanceof EngineError) || err.code === 'Internal') {
        this.opts.logger.log('error', 'shadow', `${operation} on ${replyTopic(address, operation, 'rejected')} failed: ${(err as Error).message}`, { stack: (err as Error).stack });
      }
      this.reply(address, operation, 'rejected', JSON.stringify(rejectedDocument(err, this.seconds(), salvageClientToken(payload))));
    }
  }

  /** Publishes a reply document (JSON text). */
  private reply(address: ShadowAddress, operation: ShadowOperation, kind: 'accepted' | 'rejected' | 'delta' | 'documents', json: string): void {
    const topic = replyTopic(address, operation, kind);
    if (kind === 'rejected') this.counts.rejected++;
    this.pub.publish({ topic, payload: Buffer.from(json), qos: REPLY_QOS, retain: false }).catch((e: Error) => {
      this.opts.logger.log('warn', 'shadow', `could not publish ${topic}: ${e.message}`);
    });
  }

  private emit(address: ShadowAddress, operation: 'update' | 'delete', version: number, time: number): void {
    if (this.events.has('updated')) this.events.emit('updated', { thing: address.thing, name: address.name, operation, version, time });
  }
}

/** AWS's 404 text names the shadow, or the thing for a classic shadow [DG:using-device-shadows]. */
function notFound(address: ShadowAddress): EngineError {
  return new EngineError('NotFound', `No shadow exists with name: '${address.name ?? address.thing}'`);
}
