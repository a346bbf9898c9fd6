/**
 * AWS IoT job templates: CreateJobTemplate (from a document, a `documentSource` in the local S3, or an existing job's
 * `jobArn`), DescribeJobTemplate, ListJobTemplates and DeleteJobTemplate, and what CreateJob takes from one
 * (`jobTemplateArn`): the template's document and policies as defaults, the request's own members winning, then the
 * `documentParameters` filled in.
 *
 * LIMITATIONS: ListTagsForResource reads a template's tags from the registry's tags (api/http/iot-resource-tags.ts);
 * `maintenanceWindows` and `destinationPackageVersions` are kept and returned, not acted on; AWS's quota on the
 * number of templates is not enforced.
 */
import { EngineError, iotArn, LOCAL_ACCOUNT_ID, LOCAL_REGION, type Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { applyDocumentParameters } from './document-parameters.js';
import { checkJobDocument, documentSourceRef, readDocumentSource, type DocumentObjects } from './document-source.js';
import { POLICY_KEYS, type JobPolicies } from './job-policies.js';

export const JOB_TEMPLATE_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** The members of a template that are kept as given and returned by DescribeJobTemplate, not acted on. */
export interface JobTemplateExtras {
  maintenanceWindows?: Array<{ startTime: string; durationInMinutes: number }>;
  destinationPackageVersions?: string[];
}

export interface JobTemplate extends JobTemplateExtras {
  jobTemplateId: string;
  jobTemplateArn: string;
  description: string;
  document?: string;
  documentSource?: string;
  /** epoch ms */
  createdAt: number;
  policies: JobPolicies;
  tags: Record<string, string>;
}

export interface JobTemplateInput extends JobTemplateExtras {
  jobTemplateId: string;
  description: string;
  document?: string;
  documentSource?: string;
  jobArn?: string;
  policies: JobPolicies;
  tags?: Record<string, string>;
}

/** What a template made from an existing job takes from it (the jobs service answers). */
export interface TemplateJobSource {
  /** The job's document (or its source) and policies, or undefined when there is no such job. */
  jobForTemplate(jobId: string): { document?: string; documentSource?: string; policies: JobPolicies } | undefined;
}

/** The members of a CreateJob request a template supplies defaults for. */
export interface JobDefaults {
  document?: string;
  documentSource?: string;
  documentParameters?: Record<string, string>;
  policies: JobPolicies;
}

interface Row {
  id: string;
  description: string;
  document: string | null;
  document_source: string | null;
  policies: string;
  extra: string;
  tags: string;
  created_at: number;
}

export const jobTemplateArn = (id: string) => iotArn(`jobtemplate/${id}`);
const invalid = (message: string) => new EngineError('InvalidInput', message);

/** The id of a job template named by its ARN, or AWS's refusal. */
export function jobTemplateIdOf(arn: string): string {
  const m = /^arn:aws[a-z-]*:iot:([^:]*):([^:]*):jobtemplate\/([a-zA-Z0-9_-]{1,64})$/.exec(arn);
  if (!m) throw invalid(`Invalid job template ARN: ${arn}`);
  if (m[1] !== LOCAL_REGION || m[2] !== LOCAL_ACCOUNT_ID) throw new EngineError('NotFound', `Job template ${arn} does not exist`);
  return m[3];
}

/** The job id of a job ARN, or AWS's refusal. */
function jobIdOf(arn: string): string {
  const m = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:job\/([a-zA-Z0-9_-]{1,64})$/.exec(arn);
  if (!m) throw invalid(`Invalid job ARN: ${arn}`);
  return m[1];
}

function toTemplate(r: Row): JobTemplate {
  const extra = JSON.parse(r.extra) as JobTemplateExtras;
  return {
    jobTemplateId: r.id, jobTemplateArn: jobTemplateArn(r.id), description: r.description,
    ...(r.document !== null ? { document: r.document } : {}), ...(r.document_source !== null ? { documentSource: r.document_source } : {}),
    createdAt: r.created_at, policies: JSON.parse(r.policies) as JobPolicies, tags: JSON.parse(r.tags) as Record<string, string>, ...extra,
  };
}

export class JobTemplates {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly objects: DocumentObjects,
    private readonly jobs: () => TemplateJobSource | undefined,
  ) {}

  async create(input: JobTemplateInput): Promise<JobTemplate> {
    const id = input.jobTemplateId;
    if (!JOB_TEMPLATE_ID.test(id)) throw invalid(`1 validation error detected: Value '${id}' at 'jobTemplateId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`);
    if (input.description.length > 2028) throw invalid(`1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2028`);
    const sources = [input.jobArn, input.document, input.documentSource].filter((x) => x !== undefined).length;
    if (sources !== 1) throw invalid('Exactly one of jobArn, document or documentSource must be specified');
    if (this.row(id)) throw new EngineError('AlreadyExists', `Job template ${id} already exists`);
    let document = input.document, documentSource = input.documentSource, policies = input.policies;
    if (input.jobArn !== undefined) {
      const jobId = jobIdOf(input.jobArn);
      const job = this.jobs()?.jobForTemplate(jobId);
      if (!job) throw new EngineError('NotFound', `Job ${jobId} does not exist`);
      document = job.document;
      documentSource = job.documentSource;
      policies = { ...job.policies, ...Object.fromEntries(POLICY_KEYS.filter((k) => input.policies[k] !== undefined).map((k) => [k, input.policies[k]])) };
    }
    if (document !== undefined) checkJobDocument(document);
    if (documentSource !== undefined && document === undefined) documentSourceRef(documentSource);
    const extra: JobTemplateExtras = {};
    if (input.maintenanceWindows) extra.maintenanceWindows = input.maintenanceWindows;
    if (input.destinationPackageVersions) extra.destinationPackageVersions = input.destinationPackageVersions;
    const createdAt = this.clock.now();
    await this.store.write([{
      sql: 'INSERT INTO job_templates (id, description, document, document_source, policies, extra, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      params: [id, input.description, document ?? null, documentSource ?? null, JSON.stringify(policies), JSON.stringify(extra), JSON.stringify(input.tags ?? {}), createdAt],
    }]);
    return this.describe(id);
  }

  describe(id: string): JobTemplate {
    const r = this.row(id);
    if (!r) throw new EngineError('NotFound', `Job template ${id} does not exist`);
    return toTemplate(r);
  }

  /** Templates in id order after `after`, at most `limit`, and the id to continue after when more remain. */
  list(after: string | undefined, limit: number): { templates: JobTemplate[]; next?: string } {
    const rows = this.store.all<Row>('SELECT * FROM job_templates WHERE id > ? ORDER BY id LIMIT ?', [after ?? '', limit + 1]);
    const templates = rows.slice(0, limit).map(toTemplate);
    return rows.length > limit ? { templates, next: templates[templates.length - 1].jobTemplateId } : { templates };
  }

  async delete(id: string): Promise<void> {
    if (!this.row(id)) throw new EngineError('NotFound', `Job template ${id} does not exist`);
    await this.store.write([{ sql: 'DELETE FROM job_templates WHERE id = ?', params: [id] }]);
  }

  /**
   * A CreateJob request's document and policies once its `jobTemplateArn` (if any) supplied the defaults, with the
   * document read from its source and its parameters filled in. The request's own members win.
   */
  resolveJob(request: JobDefaults & { jobTemplateArn?: string }): { document: string; documentSource?: string; policies: JobPolicies } {
    const template = request.jobTemplateArn !== undefined ? this.describe(jobTemplateIdOf(request.jobTemplateArn)) : undefined;
    const own = request.document !== undefined || request.documentSource !== undefined;
    if (!template && !own) throw invalid('Either document or documentSource must be specified');
    if (request.document !== undefined && request.documentSource !== undefined) throw invalid('Only one of document or documentSource may be specified');
    const documentSource = own ? request.documentSource : template?.documentSource;
    let document = own ? request.document : template?.document;
    if (document === undefined && documentSource !== undefined) document = readDocumentSource(this.objects, documentSource);
    if (document === undefined) throw invalid('Either document or documentSource must be specified');
    if (request.documentParameters !== undefined && !template) throw invalid('documentParameters can only be used when creating a job from a job template');
    if (template) document = applyDocumentParameters(document, request.documentParameters);
    checkJobDocument(document);
    const policies: JobPolicies = { ...(template?.policies ?? {}) };
    for (const k of POLICY_KEYS) if (request.policies[k] !== undefined) (policies as Record<string, unknown>)[k] = request.policies[k];
    return { document, ...(documentSource !== undefined ? { documentSource } : {}), policies };
  }

  private row(id: string): Row | undefined {
    return this.store.get<Row>('SELECT * FROM job_templates WHERE id = ?', [id]);
  }
}
