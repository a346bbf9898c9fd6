/**
 * Customer-managed policies (one version, `v1`: CreatePolicyVersion is not offered) and the AWS-managed ones, which
 * are known by ARN (aws-managed.ts) rather than stored.
 */
import { EngineError, type Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { AWS_MANAGED, policyArn } from './arns.js';
import { awsManagedPolicies } from './aws-managed.js';
import { iamId } from './ids.js';
import { checkPolicyDocument } from './policy-document.js';
import type { Tag } from './roles.js';

export interface ManagedPolicy {
  arn: string;
  name: string;
  /** Customer-managed policies: `ANPA…`; AWS-managed ones: a stable id derived from the name. */
  id: string;
  path: string;
  description?: string;
  /** The document as sent (customer-managed only). */
  document?: string;
  awsManaged: boolean;
  tags: Tag[];
  created: number;
  updated: number;
}

interface PolicyRow { arn: string; name: string; id: string; path: string; description: string | null; document: string; tags: string; created: number; updated: number }

const toPolicy = (r: PolicyRow): ManagedPolicy => ({
  arn: r.arn, name: r.name, id: r.id, path: r.path, ...(r.description !== null ? { description: r.description } : {}), document: r.document,
  awsManaged: false, tags: JSON.parse(r.tags) as Tag[], created: r.created, updated: r.updated,
});

/** AWS-managed policies carry AWS's own dates; one fixed date stands for them. */
const AWS_DATE = Date.UTC(2015, 1, 6, 18, 39, 46);

function awsManaged(arn: string): ManagedPolicy | undefined {
  const m = AWS_MANAGED.exec(arn);
  if (!m) return undefined;
  const known = awsManagedPolicies.find((p) => p.name === m[2] && p.path === m[1]);
  const id = 'ANPA' + Buffer.from(m[2]).toString('hex').toUpperCase().padEnd(17, '0').slice(0, 17);
  return { arn, name: m[2], id, path: m[1], ...(known ? { description: known.description } : {}), awsManaged: true, tags: [], created: AWS_DATE, updated: AWS_DATE };
}

export const noSuchPolicy = (arn: string) => new EngineError('NotFound', `Policy ${arn} was not found.`);

export class ManagedPolicies {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  /** A customer-managed policy by ARN, or an AWS-managed one (any well-formed `arn:aws:iam::aws:policy/…`). */
  get(arn: string): ManagedPolicy | undefined {
    const aws = awsManaged(arn);
    if (aws) return aws;
    const row = this.store.get<PolicyRow>('SELECT * FROM iam_policies WHERE arn = ?', [arn]);
    return row && toPolicy(row);
  }

  must(arn: string): ManagedPolicy {
    const p = this.get(arn);
    if (!p) throw noSuchPolicy(arn);
    return p;
  }

  /** Customer-managed policies, then (scope `All` or `AWS`) the listed AWS-managed ones, by name. */
  list(scope: 'All' | 'AWS' | 'Local' = 'All', pathPrefix = '/'): ManagedPolicy[] {
    const local = scope === 'AWS' ? [] : this.store.all<PolicyRow>('SELECT * FROM iam_policies ORDER BY name').map(toPolicy);
    const aws = scope === 'Local' ? [] : awsManagedPolicies.map((p) => awsManaged(`arn:aws:iam::aws:policy${p.path}${p.name}`)!);
    return [...local, ...aws].filter((p) => p.path.startsWith(pathPrefix));
  }

  async create(input: { name: string; document: string; path?: string; description?: string; tags?: Tag[] }): Promise<ManagedPolicy> {
    const path = input.path ?? '/';
    if (this.store.get('SELECT arn FROM iam_policies WHERE lower(name) = lower(?)', [input.name])) {
      throw new EngineError('AlreadyExists', `A policy called ${input.name} already exists. Duplicate names are not allowed.`);
    }
    checkPolicyDocument(input.document, 'identity');
    const now = this.clock.now();
    const row: PolicyRow = {
      arn: policyArn(input.name, path), name: input.name, id: iamId('ANPA', 17), path, description: input.description ?? null,
      document: input.document, tags: JSON.stringify(input.tags ?? []), created: now, updated: now,
    };
    await this.store.write([{ sql: 'INSERT INTO iam_policies (arn, name, id, path, description, document, tags, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      params: [row.arn, row.name, row.id, row.path, row.description, row.document, row.tags, row.created, row.updated] }]);
    return toPolicy(row);
  }

  /** Deletes a customer-managed policy; refused while attached (`attachments` > 0), as IAM does. */
  async delete(arn: string, attachments: number): Promise<void> {
    const p = this.must(arn);
    if (p.awsManaged) throw new EngineError('InvalidInput', `Cannot delete an AWS managed policy: ${arn}`, { reason: 'unmodifiable' });
    if (attachments > 0) throw new EngineError('Conflict', 'Cannot delete a policy attached to entities.', { reason: 'deleteConflict' });
    await this.store.write([{ sql: 'DELETE FROM iam_policies WHERE arn = ?', params: [arn] }]);
  }
}
