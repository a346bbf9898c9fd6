/**
 * What hangs off a function besides its code: its resource-based policy (AddPermission, RemovePermission,
 * GetPolicy: stored and shown, not enforced) and its function URL configuration. Kept in
 * `<dataDir>/lambda/attachments.json`, by function name; deleting a function deletes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { EngineError, LOCAL_ACCOUNT_ID, type Clock } from '../core/index.js';
import { writeFileDurably } from '../storage/index.js';
import { functionArn } from './function-model.js';

export interface PermissionInput {
  statementId: string;
  action: string;
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
  principalOrgId?: string;
  functionUrlAuthType?: string;
  eventSourceToken?: string;
}

export type UrlAuthType = 'NONE' | 'AWS_IAM';

export interface FunctionUrlConfig {
  urlId: string;
  authType: UrlAuthType;
  /** AWS's `Cors` object as given (stored; the endpoint answers with it). */
  cors: Record<string, unknown> | null;
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  created: number;
  lastModified: number;
}

interface Attachment { statements: Array<Record<string, unknown>>; policyRevision: string; url: FunctionUrlConfig | null }

const RESOURCE_GONE = 'The resource you requested does not exist.';

export class FunctionAttachments {
  private data: Record<string, Attachment> = {};
  private readonly file: string;

  constructor(root: string, private readonly clock: Clock) {
    this.file = path.join(root, 'attachments.json');
  }

  open(): void {
    try {
      this.data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, Attachment>;
    } catch {
      this.data = {};
    }
  }

  // ── resource-based policy ─────────────────────────────────────────────────

  async addPermission(name: string, p: PermissionInput): Promise<Record<string, unknown>> {
    const a = this.entry(name);
    if (a.statements.some((s) => s.Sid === p.statementId)) {
      throw new EngineError('Conflict', 'The statement id (' + p.statementId + ') provided already exists. Please provide a new statement id, or remove the existing statement.');
    }
    const condition: Record<string, Record<string, string>> = {};
    if (p.sourceArn) condition.ArnLike = { 'AWS:SourceArn': p.sourceArn };
    if (p.sourceAccount) (condition.StringEquals ??= {})['AWS:SourceAccount'] = p.sourceAccount;
    if (p.principalOrgId) (condition.StringEquals ??= {})['aws:PrincipalOrgID'] = p.principalOrgId;
    if (p.functionUrlAuthType) (condition.StringEquals ??= {})['lambda:FunctionUrlAuthType'] = p.functionUrlAuthType;
    if (p.eventSourceToken) (condition.StringEquals ??= {})['lambda:EventSourceToken'] = p.eventSourceToken;
    const statement: Record<string, unknown> = {
      Sid: p.statementId, Effect: 'Allow', Principal: principalOf(p.principal), Action: p.action, Resource: functionArn(name),
      ...(Object.keys(condition).length ? { Condition: condition } : {}),
    };
    a.statements.push(statement);
    a.policyRevision = randomUUID();
    await this.save();
    return statement;
  }

  async removePermission(name: string, sid: string): Promise<void> {
    const a = this.data[name];
    const i = a?.statements.findIndex((s) => s.Sid === sid) ?? -1;
    if (!a || i < 0) throw new EngineError('NotFound', `Statement ${sid} is not found in resource policy.`);
    a.statements.splice(i, 1);
    a.policyRevision = randomUUID();
    await this.save();
  }

  policy(name: string): { policy: string; revisionId: string } {
    const a = this.data[name];
    if (!a?.statements.length) throw new EngineError('NotFound', RESOURCE_GONE);
    return { policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: a.statements }), revisionId: a.policyRevision };
  }

  // ── function URL ──────────────────────────────────────────────────────────

  async createUrl(name: string, authType: UrlAuthType, cors: Record<string, unknown> | null, invokeMode: FunctionUrlConfig['invokeMode'] = 'BUFFERED'): Promise<FunctionUrlConfig> {
    const a = this.entry(name);
    if (a.url) throw new EngineError('Conflict', `Failed to create function url config for [functionArn = ${functionArn(name)}]. Error message:  FunctionUrlConfig exists for this Lambda function`);
    const now = this.clock.now();
    a.url = { urlId: randomBytes(16).toString('hex').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]).slice(0, 32), authType, cors, invokeMode, created: now, lastModified: now };
    await this.save();
    return a.url;
  }

  url(name: string): FunctionUrlConfig {
    const url = this.data[name]?.url;
    if (!url) throw new EngineError('NotFound', RESOURCE_GONE);
    return url;
  }

  async updateUrl(name: string, patch: { authType?: UrlAuthType; cors?: Record<string, unknown> | null; invokeMode?: FunctionUrlConfig['invokeMode'] }): Promise<FunctionUrlConfig> {
    const url = this.url(name);
    if (patch.authType) url.authType = patch.authType;
    if (patch.cors !== undefined) url.cors = patch.cors;
    if (patch.invokeMode) url.invokeMode = patch.invokeMode;
    url.lastModified = this.clock.now();
    await this.save();
    return url;
  }

  async deleteUrl(name: string): Promise<void> {
    this.url(name);
    this.data[name].url = null;
    await this.save();
  }

  /** The function whose URL has this id. */
  byUrlId(urlId: string): { name: string; url: FunctionUrlConfig } | null {
    for (const [name, a] of Object.entries(this.data)) if (a.url?.urlId === urlId) return { name, url: a.url };
    return null;
  }

  async forget(name: string): Promise<void> {
    if (!(name in this.data)) return;
    delete this.data[name];
    await this.save();
  }

  private entry(name: string): Attachment {
    return (this.data[name] ??= { statements: [], policyRevision: randomUUID(), url: null });
  }

  private save(): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    return writeFileDurably(this.file, Buffer.from(JSON.stringify(this.data, null, 2)));
  }
}

/** AddPermission's `Principal` as the policy shows it: a service, an account (its root), or `*`. */
function principalOf(p: string): unknown {
  if (p === '*') return '*';
  if (/^\d{12}$/.test(p)) return { AWS: `arn:aws:iam::${p}:root` };
  if (p.endsWith('.amazonaws.com') || p.endsWith('.amazon.com')) return { Service: p };
  return { AWS: p.startsWith('arn:') ? p : `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root` };
}
