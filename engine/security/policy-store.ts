/**
 * Policies, their versions (at most 5, one default) and their attachments to targets (certificate ARNs, thing group
 * ARNs), with AWS IoT's rules for CreatePolicy, CreatePolicyVersion, DeletePolicy[Version], AttachPolicy, DetachPolicy.
 */
import { EngineError, iotArn, type Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { parsePolicyDocument } from './policies.js';
import type { EffectivePolicy } from './policy-eval.js';

export const MAX_VERSIONS = 5;
export const MAX_POLICIES_PER_TARGET = 10;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

export interface PolicyRow {
  name: string;
  default_version: string;
  next_version: number;
  created: number;
  modified: number;
}

export interface PolicyVersionRow {
  name: string;
  version: string;
  document: string;
  created: number;
}

export const policyArn = (name: string) => iotArn(`policy/${name}`);

export class PolicyStore {
  /** Bumped on every change to documents or attachments. */
  generation = 0;
  private readonly compiled = new Map<string, EffectivePolicy>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Whether an AttachPolicy target exists (certificate or thing group ARN). */
    private readonly targetExists: (target: string) => boolean,
  ) {}

  validName(name: string): string {
    if (!POLICY_NAME.test(name)) throw new EngineError('InvalidInput', `Invalid policy name: ${name}`);
    return name;
  }

  get(name: string): PolicyRow | undefined {
    return this.store.get<PolicyRow>('SELECT * FROM policies WHERE name = ?', [name]);
  }

  must(name: string): PolicyRow {
    const row = this.get(this.validName(name));
    if (!row) throw new EngineError('NotFound', `Policy ${name} does not exist`);
    return row;
  }

  version(name: string, version: string): PolicyVersionRow {
    this.must(name);
    const row = this.store.get<PolicyVersionRow>('SELECT * FROM policy_versions WHERE name = ? AND version = ?', [name, version]);
    if (!row) throw new EngineError('NotFound', `Version ${version} of policy ${name} does not exist`);
    return row;
  }

  versions(name: string): PolicyVersionRow[] {
    this.must(name);
    return this.store.all<PolicyVersionRow>('SELECT * FROM policy_versions WHERE name = ? ORDER BY CAST(version AS INTEGER) DESC', [name]);
  }

  async create(name: string, document: unknown): Promise<PolicyVersionRow> {
    this.validName(name);
    const text = this.checkDocument(document);
    if (this.get(name)) throw new EngineError('AlreadyExists', `Policy ${name} already exists`, { resourceId: name, resourceArn: policyArn(name) });
    const now = this.clock.now();
    await this.store.write([
      { sql: 'INSERT INTO policies (name, default_version, next_version, created, modified) VALUES (?, ?, ?, ?, ?)', params: [name, '1', 2, now, now] },
      { sql: 'INSERT INTO policy_versions (name, version, document, created) VALUES (?, ?, ?, ?)', params: [name, '1', text, now] },
    ]);
    this.changed();
    return { name, version: '1', document: text, created: now };
  }

  async createVersion(name: string, document: unknown, setAsDefault: boolean): Promise<PolicyVersionRow> {
    const policy = this.must(name);
    const text = this.checkDocument(document);
    if (this.versions(name).length >= MAX_VERSIONS) {
      throw new EngineError('Conflict', `Policy ${name} already has ${MAX_VERSIONS} versions; delete one first`, { reason: 'versionsLimit' });
    }
    const version = String(policy.next_version);
    const now = this.clock.now();
    await this.store.write([
      { sql: 'INSERT INTO policy_versions (name, version, document, created) VALUES (?, ?, ?, ?)', params: [name, version, text, now] },
      { sql: `UPDATE policies SET next_version = next_version + 1, modified = ?${setAsDefault ? ', default_version = ?' : ''} WHERE name = ?`, params: setAsDefault ? [now, version, name] : [now, name] },
    ]);
    this.changed();
    return { name, version, document: text, created: now };
  }

  async setDefault(name: string, version: string): Promise<void> {
    this.version(name, version);
    await this.store.write([{ sql: 'UPDATE policies SET default_version = ?, modified = ? WHERE name = ?', params: [version, this.clock.now(), name] }]);
    this.changed();
  }

  async deleteVersion(name: string, version: string): Promise<void> {
    const policy = this.must(name);
    this.version(name, version);
    if (policy.default_version === version) throw new EngineError('Conflict', 'The default version of a policy cannot be deleted', { reason: 'deleteConflict' });
    await this.store.write([{ sql: 'DELETE FROM policy_versions WHERE name = ? AND version = ?', params: [name, version] }]);
    this.changed();
  }

  /** AWS: not while attached, not while it has versions besides the default (DeleteConflictException). */
  async delete(name: string): Promise<void> {
    this.must(name);
    if (this.targets(name).length) throw new EngineError('Conflict', `Policy ${name} is attached to ${this.targets(name).length} target(s); detach it first`, { reason: 'deleteConflict' });
    if (this.versions(name).length > 1) throw new EngineError('Conflict', `Policy ${name} has non-default versions; delete them first`, { reason: 'deleteConflict' });
    await this.store.write([
      { sql: 'DELETE FROM policy_versions WHERE name = ?', params: [name] },
      { sql: 'DELETE FROM policies WHERE name = ?', params: [name] },
    ]);
    this.changed();
  }

  list(opts: { pageSize?: number; marker?: string; ascending?: boolean }): { items: PolicyRow[]; nextMarker?: string } {
    const size = opts.pageSize ?? 25;
    if (!Number.isInteger(size) || size < 1 || size > 250) throw new EngineError('InvalidInput', 'pageSize must be from 1 to 250');
    const desc = opts.ascending === false;
    const marker = opts.marker ?? '';
    const rows = this.store.all<PolicyRow>(
      `SELECT * FROM policies WHERE ${marker ? (desc ? 'name < ?' : 'name > ?') : '? = ?'} ORDER BY name ${desc ? 'DESC' : 'ASC'} LIMIT ?`,
      marker ? [marker, size + 1] : ['', '', size + 1],
    );
    const items = rows.slice(0, size);
    return { items, nextMarker: rows.length > size ? items[items.length - 1].name : undefined };
  }

  // ── attachments ──────────────────────────────────────────────────────────

  async attach(name: string, target: unknown): Promise<void> {
    this.must(name);
    const t = this.checkTarget(target);
    if (this.attached(t).includes(name)) return;
    if (this.attached(t).length >= MAX_POLICIES_PER_TARGET) throw new EngineError('InvalidInput', `A target can have at most ${MAX_POLICIES_PER_TARGET} policies`, { reason: 'limitExceeded' });
    await this.store.write([{ sql: 'INSERT INTO policy_targets (policy, target, attached) VALUES (?, ?, ?)', params: [name, t, this.clock.now()] }]);
    this.changed();
  }

  async detach(name: string, target: unknown): Promise<void> {
    this.must(name);
    if (typeof target !== 'string' || !target) throw new EngineError('InvalidInput', 'target is required');
    await this.store.write([{ sql: 'DELETE FROM policy_targets WHERE policy = ? AND target = ?', params: [name, target] }]);
    this.changed();
  }

  async detachAll(target: string): Promise<void> {
    await this.store.write([{ sql: 'DELETE FROM policy_targets WHERE target = ?', params: [target] }]);
    this.changed();
  }

  /** Policy names attached to a target, in attachment order. */
  attached(target: string): string[] {
    return this.store.all<{ policy: string }>('SELECT policy FROM policy_targets WHERE target = ? ORDER BY attached, policy', [target]).map((r) => r.policy);
  }

  targets(name: string): string[] {
    return this.store.all<{ target: string }>('SELECT target FROM policy_targets WHERE policy = ? ORDER BY target', [name]).map((r) => r.target);
  }

  /** The compiled default version of a policy (cached until the next change). */
  effective(name: string): EffectivePolicy | undefined {
    let p = this.compiled.get(name);
    if (!p) {
      const row = this.get(name);
      if (!row) return undefined;
      const v = this.store.get<PolicyVersionRow>('SELECT * FROM policy_versions WHERE name = ? AND version = ?', [name, row.default_version])!;
      p = { name, version: v.version, statements: parsePolicyDocument(v.document) };
      this.compiled.set(name, p);
    }
    return p;
  }

  private checkTarget(target: unknown): string {
    if (typeof target !== 'string' || !target) throw new EngineError('InvalidInput', 'target is required');
    if (!this.targetExists(target)) throw new EngineError('NotFound', `The target ${target} does not exist`);
    return target;
  }

  private checkDocument(document: unknown): string {
    if (typeof document !== 'string') throw new EngineError('InvalidInput', 'policyDocument is required');
    parsePolicyDocument(document);
    return document;
  }

  private changed(): void {
    this.compiled.clear();
    this.generation++;
  }
}
