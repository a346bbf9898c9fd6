import {
  RpcError, type AuthorizationAnswer, type AuthorizationQuestion, type CaCertificateInput, type CaCertificateSummary, type CaCertificateUpdate,
  type CertificateNewStatus, type CertificateSummary, type CreatedCertificate, type PolicySummary, type PolicyVersionInfo, type ThingbenchClient,
  type ThingConnectivity, type ThingCreateInput, type ThingGroupInfo, type ThingGroupInput, type ThingInfo, type ThingSearchHit, type ThingTypeInfo,
  type ThingTypeInput,
} from '../../../engine/contract/index.js';
import { untrack } from 'svelte';
import type { ConnectionStore } from './connection.svelte.js';
import { readSoon } from './soon.js';

/** Things asked for per page of a fleet search (AWS's maximum page is 500). */
const PAGE = 500;
/** Changes arriving together (a fleet registering, a burst of connections) are read once, this long after the first. */
const RELOAD_DELAY_MS = 500;

export type ThingDetail = ThingInfo & { connectivity: ThingConnectivity };

/** A rejected call's message as the engine worded it (AWS's message for AWS's errors). */
export function failureMessage(err: unknown): string {
  return err instanceof RpcError || err instanceof Error ? err.message : String(err);
}

/**
 * The thing registry and security as the Registry view shows them: things found by a fleet search (AWS's query
 * syntax; `*` is every thing), thing types, groups, certificates and policies, the selected thing's detail, and
 * the "would this be allowed?" evaluator. Read when the view opens, then again whenever the engine says the registry
 * changed (`registry.changed`, whoever changed it) and, for the things' connectivity and shadows, when devices
 * connect or disconnect or a shadow changes.
 */
export class RegistryStore {
  /** The fleet-search query of the things list; empty means every thing. */
  query = $state('');
  things = $state.raw<readonly ThingSearchHit[]>([]);
  /** Set when more things match than are loaded (pass to `more()`). */
  thingsAfter = $state<string | undefined>(undefined);
  /** The engine's error for a query it cannot parse (AWS's InvalidQueryException message). */
  queryError = $state<string | null>(null);
  thingsLoaded = $state(false);
  types = $state.raw<readonly ThingTypeInfo[]>([]);
  groups = $state.raw<readonly ThingGroupInfo[]>([]);
  certificates = $state.raw<readonly CertificateSummary[]>([]);
  policies = $state.raw<readonly PolicySummary[]>([]);
  caCertificates = $state.raw<readonly CaCertificateSummary[]>([]);
  /** The field names fleet-search queries can use here, for the search box's completion. */
  searchFields = $state.raw<readonly string[]>([]);
  loaded = $state(false);
  /** Bumped after every reload: views holding data of their own (a group's things, a policy's versions) read again. */
  revision = $state(0);

  /** The selected thing (from the address), its detail and principals; `thingMissing` is the engine's NotFound. */
  thingName = $state<string | null>(null);
  thing = $state.raw<ThingDetail | null>(null);
  principals = $state.raw<readonly string[]>([]);
  thingMissing = $state<string | null>(null);

  private searchSeq = 0;
  private detailSeq = 0;
  /** What the change events since the last read asked for: everything, or the things (connectivity, shadows). */
  private pendingReload: 'all' | 'things' | null = null;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Reads everything now and again on the engine's change events while the view is open; returns the stop function. */
  watch(): () => void {
    // Called in an effect: what the first reload reads must not make that effect run again.
    untrack(() => void this.reload());
    const soon = readSoon(() => this.readPending(), RELOAD_DELAY_MS);
    const reloadSoon = (what: 'all' | 'things') => {
      this.pendingReload = this.pendingReload === 'all' || what === 'all' ? 'all' : 'things';
      soon.request();
    };
    const subs = [
      this.client.on('registry.changed', () => reloadSoon('all')),
      this.client.on('broker.activity', (batch) => {
        if (batch.skipped || batch.events.some((e) => e.kind === 'connected' || e.kind === 'disconnected')) reloadSoon('things');
      }),
      this.client.on('shadow.updated', () => reloadSoon('things')),
    ];
    return () => {
      subs.forEach((s) => s.dispose());
      soon.dispose();
      this.pendingReload = null;
    };
  }

  /** Reads the field names for the search box's completion (when it gets focus: reading every shadow is not free). */
  async loadSearchFields(): Promise<void> {
    try {
      this.searchFields = await this.client.registry.searchFields();
    } catch (err) {
      this.connection.reportError('Could not read the fleet index\'s fields')(err);
    }
  }

  /** Reads what the change events asked for since the last read. */
  private async readPending(): Promise<void> {
    const pending = this.pendingReload;
    this.pendingReload = null;
    if (pending === 'all') await this.reload();
    else if (pending === 'things') await Promise.all([this.search(this.query, true), this.thingName ? this.readThing(this.thingName) : undefined]);
  }

  async reload(): Promise<void> {
    const report = this.connection.reportError('Could not read the registry');
    await Promise.all([
      this.search(this.query, true),
      this.client.registry.thingTypes().then((t) => { this.types = t; }, report),
      this.client.registry.groups().then((g) => { this.groups = g; }, report),
      this.client.security.certificates().then((c) => { this.certificates = c; }, report),
      this.client.security.policies().then((p) => { this.policies = p; }, report),
      this.client.security.caCertificates().then((c) => { this.caCertificates = c; }, report),
      this.thingName ? this.readThing(this.thingName) : Promise.resolve(),
    ]);
    this.loaded = true;
    this.revision++;
  }

  /** Runs a fleet search (AWS's syntax) for the things list; a reload keeps at least as many rows as are shown. */
  async search(query: string, keepLength = false): Promise<void> {
    this.query = query;
    const seq = ++this.searchSeq;
    const limit = keepLength ? Math.max(PAGE, this.things.length) : PAGE;
    try {
      const items: ThingSearchHit[] = [];
      let after: string | undefined;
      do {
        const page = await this.client.registry.search(query.trim() || '*', Math.min(PAGE, limit - items.length), after);
        items.push(...page.items);
        after = page.after;
      } while (after && items.length < limit);
      if (seq !== this.searchSeq) return;
      this.things = items;
      this.thingsAfter = after;
      this.queryError = null;
    } catch (err) {
      if (seq !== this.searchSeq) return;
      if (err instanceof RpcError && err.code === 'InvalidInput') this.queryError = err.message;
      else this.connection.reportError('Could not search the things')(err);
    }
    this.thingsLoaded = true;
  }

  /** Loads the next page of the current search. */
  async more(): Promise<void> {
    const after = this.thingsAfter;
    if (!after) return;
    const seq = this.searchSeq;
    try {
      const page = await this.client.registry.search(this.query.trim() || '*', PAGE, after);
      if (seq !== this.searchSeq) return;
      this.things = [...this.things, ...page.items];
      this.thingsAfter = page.after;
    } catch (err) {
      this.connection.reportError('Could not search the things')(err);
    }
  }

  /** Shows one thing's detail (or none). */
  selectThing(name: string | null): void {
    if (name === this.thingName) return;
    this.thingName = name;
    this.thing = null;
    this.principals = [];
    this.thingMissing = null;
    if (name) void this.readThing(name);
  }

  /** The things in a static group (with `recursive`, in its descendants too). */
  groupThings(group: string, recursive: boolean): Promise<string[]> {
    return this.client.registry.groupThings(group, recursive);
  }

  /** Asks the engine's policy evaluator what the broker would decide; rejects with AWS's message for bad input. */
  testAuthorization(question: AuthorizationQuestion): Promise<AuthorizationAnswer[]> {
    return this.client.security.testAuthorization(question);
  }

  // ── changes: each rejects with the engine's error (AWS's message) and reads the registry again when done ──

  async createThing(name: string, input: ThingCreateInput): Promise<ThingInfo> {
    const thing = await this.client.registry.createThing(name, input);
    await this.reload();
    return thing;
  }

  async deleteThing(name: string): Promise<void> {
    await this.client.registry.deleteThing(name);
    if (this.thingName === name) this.selectThing(null);
    await this.reload();
  }

  async attachPrincipal(thing: string, principal: string): Promise<void> {
    await this.client.registry.attachPrincipal(thing, principal);
    await this.reload();
  }

  async detachPrincipal(thing: string, principal: string): Promise<void> {
    await this.client.registry.detachPrincipal(thing, principal);
    await this.reload();
  }

  /** A new active certificate with its key pair: the only time the private key can be had. */
  async createCertificate(): Promise<CreatedCertificate> {
    const made = await this.client.security.createCertificate(true);
    await this.reload();
    return made;
  }

  async setCertificateStatus(id: string, status: CertificateNewStatus): Promise<void> {
    await this.client.security.setCertificateStatus(id, status);
    await this.reload();
  }

  async deleteCertificate(id: string, force: boolean): Promise<void> {
    await this.client.security.deleteCertificate(id, force);
    await this.reload();
  }

  /** A new policy, or a new default version of an existing one. */
  async putPolicy(name: string, document: string): Promise<PolicySummary> {
    const saved = await this.client.security.putPolicy(name, document);
    await this.reload();
    return saved;
  }

  async attachPolicy(policy: string, target: string): Promise<void> {
    await this.client.security.attachPolicy(policy, target);
    await this.reload();
  }

  async detachPolicy(policy: string, target: string): Promise<void> {
    await this.client.security.detachPolicy(policy, target);
    await this.reload();
  }

  async createThingType(name: string, input: ThingTypeInput): Promise<ThingTypeInfo> {
    const type = await this.client.registry.createThingType(name, input);
    await this.reload();
    return type;
  }

  async createGroup(name: string, input: ThingGroupInput): Promise<ThingGroupInfo> {
    const group = await this.client.registry.createGroup(name, input);
    await this.reload();
    return group;
  }

  async addThingToGroup(group: string, thing: string): Promise<void> {
    await this.client.registry.addThingToGroup(group, thing);
    await this.reload();
  }

  async removeThingFromGroup(group: string, thing: string): Promise<void> {
    await this.client.registry.removeThingFromGroup(group, thing);
    await this.reload();
  }

  /** A policy's versions, newest first. */
  policyVersions(policy: string): Promise<PolicyVersionInfo[]> {
    return this.client.security.policyVersions(policy);
  }

  async setDefaultPolicyVersion(policy: string, versionId: string): Promise<void> {
    await this.client.security.setDefaultPolicyVersion(policy, versionId);
    await this.reload();
  }

  async deletePolicyVersion(policy: string, versionId: string): Promise<void> {
    await this.client.security.deletePolicyVersion(policy, versionId);
    await this.reload();
  }

  /** The CN a verification certificate needs to register a CA in DEFAULT mode. */
  registrationCode(): Promise<string> {
    return this.client.security.registrationCode();
  }

  async registerCaCertificate(input: CaCertificateInput): Promise<CaCertificateSummary> {
    const ca = await this.client.security.registerCaCertificate(input);
    await this.reload();
    return ca;
  }

  async updateCaCertificate(id: string, update: CaCertificateUpdate): Promise<void> {
    await this.client.security.updateCaCertificate(id, update);
    await this.reload();
  }

  async deleteCaCertificate(id: string): Promise<void> {
    await this.client.security.deleteCaCertificate(id);
    await this.reload();
  }

  private async readThing(name: string): Promise<void> {
    const seq = ++this.detailSeq;
    const [thing, principals] = await Promise.allSettled([this.client.registry.thing(name), this.client.registry.principals(name)]);
    if (seq !== this.detailSeq || name !== this.thingName) return;
    if (thing.status === 'fulfilled') {
      this.thing = thing.value;
      this.thingMissing = null;
    } else if (thing.reason instanceof RpcError && thing.reason.code === 'NotFound') {
      this.thing = null;
      this.thingMissing = thing.reason.message;
    } else this.connection.reportError('Could not read the thing')(thing.reason);
    this.principals = principals.status === 'fulfilled' ? principals.value : [];
  }
}
