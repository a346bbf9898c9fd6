/**
 * Provisioning templates and their versions as AWS IoT keeps them (CreateProvisioningTemplate, …Version, Describe,
 * List, Update, Delete): a template has up to 5 versions, one of them the default; its body is checked by the
 * renderer when it is stored.
 *
 * LIMITATIONS: tags given to CreateProvisioningTemplate are accepted and not kept; the provisioning role is checked
 * for its ARN's shape only (nothing assumes it).
 */
import { EngineError, iotArn, type Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { parseTemplate } from './template-renderer.js';

export type TemplateType = 'FLEET_PROVISIONING' | 'JITP';
export const MAX_VERSIONS = 5;

export interface ProvisioningHook {
  targetArn: string;
  payloadVersion?: string;
}

export interface TemplateRow {
  name: string;
  description: string | null;
  type: TemplateType;
  enabled: number;
  role_arn: string;
  hook: string | null;
  default_version: number;
  next_version: number;
  created: number;
  modified: number;
}

export interface VersionRow {
  template: string;
  version: number;
  body: string;
  created: number;
}

export interface TemplateInfo {
  name: string;
  arn: string;
  description?: string;
  type: TemplateType;
  enabled: boolean;
  provisioningRoleArn: string;
  preProvisioningHook?: ProvisioningHook;
  defaultVersionId: number;
  templateBody: string;
  created: number;
  modified: number;
}

export interface TemplateInput {
  templateBody: unknown;
  provisioningRoleArn: unknown;
  description?: unknown;
  enabled?: unknown;
  type?: unknown;
  preProvisioningHook?: unknown;
}

export interface TemplateUpdate {
  description?: unknown;
  enabled?: unknown;
  defaultVersionId?: unknown;
  provisioningRoleArn?: unknown;
  preProvisioningHook?: unknown;
  removePreProvisioningHook?: unknown;
}

const invalid = (message: string) => new EngineError('InvalidInput', message);
export const templateArn = (name: string) => iotArn(`provisioningtemplate/${name}`);

/** `templateName`: 1–36 characters of `[0-9A-Za-z_-]` [API Reference]. */
export function validTemplateName(name: unknown): string {
  if (typeof name !== 'string' || !/^[0-9A-Za-z_-]{1,36}$/.test(name)) {
    throw invalid(`1 validation error detected: Value '${String(name)}' at 'templateName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9A-Za-z_-]+$ and have length between 1 and 36`);
  }
  return name;
}

function roleArn(v: unknown, key = 'provisioningRoleArn'): string {
  if (typeof v !== 'string' || v.length < 20 || v.length > 2048 || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(v)) {
    throw invalid(`1 validation error detected: Value '${String(v)}' at '${key}' failed to satisfy constraint: Member must be an IAM role ARN with length between 20 and 2048`);
  }
  return v;
}

function hook(v: unknown): ProvisioningHook {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('preProvisioningHook must be an object with targetArn');
  const h = v as Record<string, unknown>;
  if (typeof h.targetArn !== 'string' || !/^arn:aws[a-z-]*:lambda:[^:]*:\d{12}:function:[^:]+(:[^:]+)?$/.test(h.targetArn)) {
    throw invalid('preProvisioningHook.targetArn must be the ARN of a Lambda function');
  }
  if (h.payloadVersion !== undefined && h.payloadVersion !== '2020-04-01') throw invalid('preProvisioningHook.payloadVersion must be 2020-04-01');
  return { targetArn: h.targetArn, payloadVersion: (h.payloadVersion as string | undefined) ?? '2020-04-01' };
}

function description(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 500) throw invalid('description must be a string of at most 500 characters');
  return v;
}

function bool(v: unknown, key: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${key} must be a boolean`);
  return v;
}

function body(v: unknown): string {
  if (typeof v !== 'string') throw invalid("1 validation error detected: Value null at 'templateBody' failed to satisfy constraint: Member must not be null");
  if (v.length > 10240) throw invalid('templateBody must be at most 10240 characters');
  parseTemplate(v);
  return v;
}

export class ProvisioningTemplates {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  async create(name: string, input: TemplateInput): Promise<TemplateInfo> {
    validTemplateName(name);
    const type = (input.type ?? 'FLEET_PROVISIONING') as TemplateType;
    if (type !== 'FLEET_PROVISIONING' && type !== 'JITP') throw invalid(`type must be FLEET_PROVISIONING or JITP`);
    const text = body(input.templateBody);
    const role = roleArn(input.provisioningRoleArn);
    const h = input.preProvisioningHook === undefined || input.preProvisioningHook === null ? undefined : hook(input.preProvisioningHook);
    if (h && type === 'JITP') throw invalid('A pre-provisioning hook can be set only on a FLEET_PROVISIONING template');
    if (this.row(name)) throw new EngineError('AlreadyExists', `The provisioning template ${name} already exists`, { resourceId: name, resourceArn: templateArn(name) });
    const now = this.clock.now();
    await this.store.write([
      {
        sql: 'INSERT INTO provisioning_templates (name, description, type, enabled, role_arn, hook, default_version, next_version, created, modified) VALUES (?, ?, ?, ?, ?, ?, 1, 2, ?, ?)',
        params: [name, description(input.description) ?? null, type, bool(input.enabled, 'enabled') ? 1 : 0, role, h ? JSON.stringify(h) : null, now, now],
      },
      { sql: 'INSERT INTO provisioning_template_versions (template, version, body, created) VALUES (?, 1, ?, ?)', params: [name, text, now] },
    ]);
    return this.describe(name);
  }

  row(name: string): TemplateRow | undefined {
    return this.store.get<TemplateRow>('SELECT * FROM provisioning_templates WHERE name = ?', [name]);
  }

  must(name: string): TemplateRow {
    validTemplateName(name);
    const row = this.row(name);
    if (!row) throw new EngineError('NotFound', `The provisioning template ${name} does not exist`);
    return row;
  }

  describe(name: string): TemplateInfo {
    return this.info(this.must(name));
  }

  list(limit: number, after?: string): { items: TemplateInfo[]; after?: string } {
    const rows = this.store.all<TemplateRow>('SELECT * FROM provisioning_templates WHERE name > ? ORDER BY name LIMIT ?', [after ?? '', limit + 1]);
    const items = rows.slice(0, limit).map((r) => this.info(r));
    return rows.length > limit ? { items, after: items[items.length - 1].name } : { items };
  }

  async update(name: string, u: TemplateUpdate): Promise<void> {
    const row = this.must(name);
    const sets: string[] = [];
    const params: Array<string | number | null> = [];
    const set = (col: string, v: string | number | null) => {
      sets.push(`${col} = ?`);
      params.push(v);
    };
    const d = description(u.description);
    if (d !== undefined) set('description', d);
    const e = bool(u.enabled, 'enabled');
    if (e !== undefined) set('enabled', e ? 1 : 0);
    if (u.provisioningRoleArn !== undefined && u.provisioningRoleArn !== null) set('role_arn', roleArn(u.provisioningRoleArn));
    if (u.defaultVersionId !== undefined && u.defaultVersionId !== null) {
      const v = Number(u.defaultVersionId);
      if (!Number.isInteger(v) || !this.version(name, v)) throw new EngineError('NotFound', `Version ${String(u.defaultVersionId)} of the provisioning template ${name} does not exist`);
      set('default_version', v);
    }
    const remove = bool(u.removePreProvisioningHook, 'removePreProvisioningHook');
    if (remove && u.preProvisioningHook !== undefined && u.preProvisioningHook !== null) throw invalid('Cannot specify both preProvisioningHook and removePreProvisioningHook');
    if (remove) set('hook', null);
    else if (u.preProvisioningHook !== undefined && u.preProvisioningHook !== null) {
      if (row.type === 'JITP') throw invalid('A pre-provisioning hook can be set only on a FLEET_PROVISIONING template');
      set('hook', JSON.stringify(hook(u.preProvisioningHook)));
    }
    set('modified', this.clock.now());
    await this.store.write([{ sql: `UPDATE provisioning_templates SET ${sets.join(', ')} WHERE name = ?`, params: [...params, name] }]);
  }

  async delete(name: string): Promise<void> {
    this.must(name);
    await this.store.write([
      { sql: 'DELETE FROM provisioning_template_versions WHERE template = ?', params: [name] },
      { sql: 'DELETE FROM provisioning_templates WHERE name = ?', params: [name] },
    ]);
  }

  /** CreateProvisioningTemplateVersion: at most 5 versions (VersionsLimitExceededException). */
  async createVersion(name: string, templateBody: unknown, setAsDefault: boolean): Promise<{ version: number; isDefault: boolean }> {
    const row = this.must(name);
    const text = body(templateBody);
    const count = this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM provisioning_template_versions WHERE template = ?', [name])!.n;
    if (count >= MAX_VERSIONS) {
      throw new EngineError('Conflict', `The provisioning template ${name} already has the maximum number of versions (${MAX_VERSIONS}); delete one first`, { reason: 'versionsLimit' });
    }
    const now = this.clock.now();
    const version = row.next_version;
    await this.store.write([
      { sql: 'INSERT INTO provisioning_template_versions (template, version, body, created) VALUES (?, ?, ?, ?)', params: [name, version, text, now] },
      {
        sql: `UPDATE provisioning_templates SET next_version = ?, modified = ?${setAsDefault ? ', default_version = ?' : ''} WHERE name = ?`,
        params: setAsDefault ? [version + 1, now, version, name] : [version + 1, now, name],
      },
    ]);
    return { version, isDefault: setAsDefault };
  }

  version(name: string, version: number): VersionRow | undefined {
    return this.store.get<VersionRow>('SELECT * FROM provisioning_template_versions WHERE template = ? AND version = ?', [name, version]);
  }

  mustVersion(name: string, version: number): VersionRow {
    this.must(name);
    const v = Number.isInteger(version) ? this.version(name, version) : undefined;
    if (!v) throw new EngineError('NotFound', `Version ${version} of the provisioning template ${name} does not exist`);
    return v;
  }

  versions(name: string): VersionRow[] {
    this.must(name);
    return this.store.all<VersionRow>('SELECT * FROM provisioning_template_versions WHERE template = ? ORDER BY version', [name]);
  }

  /** The default version cannot be deleted (DeleteConflictException). */
  async deleteVersion(name: string, version: number): Promise<void> {
    const row = this.must(name);
    this.mustVersion(name, version);
    if (row.default_version === version) {
      throw new EngineError('Conflict', `Version ${version} is the default version of the provisioning template ${name}; set another default first`, { reason: 'deleteConflict' });
    }
    await this.store.write([{ sql: 'DELETE FROM provisioning_template_versions WHERE template = ? AND version = ?', params: [name, version] }]);
  }

  private info(r: TemplateRow): TemplateInfo {
    return {
      name: r.name, arn: templateArn(r.name), ...(r.description !== null && { description: r.description }), type: r.type, enabled: r.enabled === 1,
      provisioningRoleArn: r.role_arn, ...(r.hook && { preProvisioningHook: JSON.parse(r.hook) as ProvisioningHook }),
      defaultVersionId: r.default_version, templateBody: this.version(r.name, r.default_version)?.body ?? '', created: r.created, modified: r.modified,
    };
  }
}
