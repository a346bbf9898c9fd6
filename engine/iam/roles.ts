/**
 * Roles: trust policy, inline policies, attached managed policies. Names are unique regardless of case, as IAM's are;
 * a role with inline or attached policies cannot be deleted (IAM's DeleteConflict).
 */
import { EngineError, type Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { roleArn } from './arns.js';
import { iamId } from './ids.js';
import { checkPolicyDocument } from './policy-document.js';

export interface Tag { Key: string; Value: string }

export interface Role {
  name: string;
  id: string;
  arn: string;
  path: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  created: number;
}

interface RoleRow { name: string; id: string; path: string; trust_policy: string; description: string | null; max_session: number; tags: string; created: number }

const toRole = (r: RoleRow): Role => ({
  name: r.name, id: r.id, arn: roleArn(r.name, r.path), path: r.path, trustPolicy: r.trust_policy,
  ...(r.description !== null ? { description: r.description } : {}), maxSessionDuration: r.max_session, tags: JSON.parse(r.tags) as Tag[], created: r.created,
});

export const noSuchRole = (name: string) => new EngineError('NotFound', `The role with name ${name} cannot be found.`);

export class Roles {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  get(name: string): Role | undefined {
    const row = this.store.get<RoleRow>('SELECT * FROM iam_roles WHERE lower(name) = lower(?)', [name]);
    return row && toRole(row);
  }

  must(name: string): Role {
    const role = this.get(name);
    if (!role) throw noSuchRole(name);
    return role;
  }

  list(pathPrefix = '/'): Role[] {
    return this.store.all<RoleRow>('SELECT * FROM iam_roles ORDER BY name').map(toRole).filter((r) => r.path.startsWith(pathPrefix));
  }

  async create(input: { name: string; trustPolicy: string; path?: string; description?: string; maxSessionDuration?: number; tags?: Tag[] }): Promise<Role> {
    if (this.get(input.name)) throw new EngineError('AlreadyExists', `Role with name ${input.name} already exists.`);
    checkPolicyDocument(input.trustPolicy, 'trust');
    const row: RoleRow = {
      name: input.name, id: iamId('AROA', 17), path: input.path ?? '/', trust_policy: input.trustPolicy, description: input.description ?? null,
      max_session: input.maxSessionDuration ?? 3600, tags: JSON.stringify(input.tags ?? []), created: this.clock.now(),
    };
    await this.store.write([{ sql: 'INSERT INTO iam_roles (name, id, path, trust_policy, description, max_session, tags, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      params: [row.name, row.id, row.path, row.trust_policy, row.description, row.max_session, row.tags, row.created] }]);
    return toRole(row);
  }

  async delete(name: string): Promise<void> {
    const role = this.must(name);
    if (this.inlineNames(role.name).length) throw new EngineError('Conflict', 'Cannot delete entity, must delete policies first.', { reason: 'deleteConflict' });
    if (this.attached(role.name).length) throw new EngineError('Conflict', 'Cannot delete entity, must detach all policies first.', { reason: 'deleteConflict' });
    await this.store.write([{ sql: 'DELETE FROM iam_roles WHERE name = ?', params: [role.name] }]);
  }

  // Inline policies

  inlineNames(role: string): string[] {
    return this.store.all<{ name: string }>('SELECT name FROM iam_role_policies WHERE role = ? ORDER BY name', [role]).map((r) => r.name);
  }

  inline(roleName: string, policyName: string): string {
    const role = this.must(roleName);
    const row = this.store.get<{ document: string }>('SELECT document FROM iam_role_policies WHERE role = ? AND name = ?', [role.name, policyName]);
    if (!row) throw new EngineError('NotFound', `The role policy with name ${policyName} cannot be found.`);
    return row.document;
  }

  async putInline(roleName: string, policyName: string, document: string): Promise<void> {
    const role = this.must(roleName);
    checkPolicyDocument(document, 'identity');
    await this.store.write([{ sql: 'INSERT OR REPLACE INTO iam_role_policies (role, name, document) VALUES (?, ?, ?)', params: [role.name, policyName, document] }]);
  }

  async deleteInline(roleName: string, policyName: string): Promise<void> {
    this.inline(roleName, policyName);
    await this.store.write([{ sql: 'DELETE FROM iam_role_policies WHERE role = ? AND name = ?', params: [this.must(roleName).name, policyName] }]);
  }

  // Attached managed policies

  attached(role: string): string[] {
    return this.store.all<{ policy_arn: string }>('SELECT policy_arn FROM iam_role_attachments WHERE role = ? ORDER BY attached, policy_arn', [role]).map((r) => r.policy_arn);
  }

  async attach(roleName: string, policyArn: string): Promise<void> {
    const role = this.must(roleName);
    if (this.attached(role.name).includes(policyArn)) return; // IAM: attaching twice succeeds
    if (this.attached(role.name).length >= 20) throw new EngineError('InvalidInput', `Cannot exceed quota for PoliciesPerRole: 20`, { reason: 'limitExceeded' });
    await this.store.write([{ sql: 'INSERT INTO iam_role_attachments (role, policy_arn, attached) VALUES (?, ?, ?)', params: [role.name, policyArn, this.clock.now()] }]);
  }

  async detach(roleName: string, policyArn: string): Promise<void> {
    const role = this.must(roleName);
    if (!this.attached(role.name).includes(policyArn)) throw new EngineError('NotFound', `Policy ${policyArn} was not found.`);
    await this.store.write([{ sql: 'DELETE FROM iam_role_attachments WHERE role = ? AND policy_arn = ?', params: [role.name, policyArn] }]);
  }

  /** How many roles a managed policy is attached to. */
  attachmentCount(policyArn: string): number {
    return this.store.get<{ n: number }>('SELECT count(*) AS n FROM iam_role_attachments WHERE policy_arn = ?', [policyArn])?.n ?? 0;
  }
}
