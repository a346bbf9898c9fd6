/**
 * AWS IoT job templates at AWS's REST paths [CP-model]: CreateJobTemplate (`PUT /job-templates/{jobTemplateId}`),
 * DescribeJobTemplate (`GET /job-templates/{jobTemplateId}`), ListJobTemplates (`GET /job-templates`) and
 * DeleteJobTemplate (`DELETE /job-templates/{jobTemplateId}`). A template id already taken is AWS's 409
 * ConflictException.
 *
 * LIMITATIONS: see engine/jobs/job-templates.ts (maintenance windows not acted on); tags: iot-resource-tags.ts.
 */
import { EngineError } from '../../core/index.js';
import { parseJobPolicies, type JobTemplate, type JobTemplateExtras, type JobTemplates } from '../../jobs/index.js';
import { iotControlErrors, type AwsErrorTable } from './aws-errors.js';
import type { HttpHandler, Route } from './http-server.js';
import { decodeNextToken, encodeNextToken, epochSeconds, jsonBody, maxResults, optionalString, requiredString } from './iot-control-shared.js';
import { checkCreationTags, tagsOf } from './iot-control-tags.js';

const TEMPLATE_MAX_RESULTS = 250;
const DEFAULT_PAGE = 50;
const invalid = (message: string) => new EngineError('InvalidInput', message);

/** CreateJobTemplate's "already exists" is a ConflictException on AWS, not ResourceAlreadyExistsException. */
const templateErrors: AwsErrorTable = { ...iotControlErrors, AlreadyExists: { status: 409, type: 'ConflictException' } };

function maintenanceWindows(value: unknown): JobTemplateExtras['maintenanceWindows'] {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('maintenanceWindows must be a list');
  return value.map((w: { startTime?: unknown; durationInMinutes?: unknown }, i) => {
    if (!w || typeof w.startTime !== 'string' || w.startTime.length < 1 || w.startTime.length > 256) {
      throw invalid(`1 validation error detected: Value at 'maintenanceWindows.${i + 1}.member.startTime' failed to satisfy constraint: Member must have length between 1 and 256`);
    }
    const d = w.durationInMinutes;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 1430) {
      throw invalid(`1 validation error detected: Value '${String(d)}' at 'maintenanceWindows.${i + 1}.member.durationInMinutes' failed to satisfy constraint: Member must have value between 1 and 1430`);
    }
    return { startTime: w.startTime, durationInMinutes: d };
  });
}

function stringList(value: unknown, key: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`${key} must be a list of strings`);
  if (value.length > 25) throw invalid(`1 validation error detected: Value at '${key}' failed to satisfy constraint: Member must have length less than or equal to 25`);
  return value as string[];
}

/** DescribeJobTemplate's response members. */
function describeOutput(t: JobTemplate): Record<string, unknown> {
  return {
    jobTemplateArn: t.jobTemplateArn, jobTemplateId: t.jobTemplateId, description: t.description,
    ...(t.documentSource !== undefined ? { documentSource: t.documentSource } : {}), ...(t.document !== undefined ? { document: t.document } : {}),
    createdAt: epochSeconds(t.createdAt), ...t.policies,
    ...(t.maintenanceWindows ? { maintenanceWindows: t.maintenanceWindows } : {}),
    ...(t.destinationPackageVersions ? { destinationPackageVersions: t.destinationPackageVersions } : {}),
  };
}

export function iotControlJobTemplateRoutes(templates: Pick<JobTemplates, 'create' | 'describe' | 'list' | 'delete'>): Route[] {
  const create: HttpHandler = async (req) => {
    const body = jsonBody(req);
    const tags = tagsOf(body.tags);
    checkCreationTags(tags);
    const t = await templates.create({
      jobTemplateId: req.params.jobTemplateId,
      description: requiredString(body, 'description'),
      document: optionalString(body, 'document'),
      documentSource: optionalString(body, 'documentSource'),
      jobArn: optionalString(body, 'jobArn'),
      policies: parseJobPolicies(body),
      maintenanceWindows: maintenanceWindows(body.maintenanceWindows),
      destinationPackageVersions: stringList(body.destinationPackageVersions, 'destinationPackageVersions'),
      tags,
    });
    return { json: { jobTemplateArn: t.jobTemplateArn, jobTemplateId: t.jobTemplateId } };
  };
  const describe: HttpHandler = (req) => ({ json: describeOutput(templates.describe(req.params.jobTemplateId)) });
  const list: HttpHandler = (req) => {
    const limit = maxResults(req.query.get('maxResults'), TEMPLATE_MAX_RESULTS, DEFAULT_PAGE);
    const page = templates.list(decodeNextToken('ListJobTemplates', req.query.get('nextToken')), limit);
    const nextToken = encodeNextToken('ListJobTemplates', page.next);
    return {
      json: {
        jobTemplates: page.templates.map((t) => ({ jobTemplateArn: t.jobTemplateArn, jobTemplateId: t.jobTemplateId, description: t.description, createdAt: epochSeconds(t.createdAt) })),
        ...(nextToken ? { nextToken } : {}),
      },
    };
  };
  const remove: HttpHandler = async (req) => {
    await templates.delete(req.params.jobTemplateId);
    return { json: {} };
  };
  return [
    { method: 'PUT', path: '/job-templates/{jobTemplateId}', operation: 'CreateJobTemplate', handler: create },
    { method: 'GET', path: '/job-templates/{jobTemplateId}', operation: 'DescribeJobTemplate', handler: describe },
    { method: 'GET', path: '/job-templates', operation: 'ListJobTemplates', handler: list },
    { method: 'DELETE', path: '/job-templates/{jobTemplateId}', operation: 'DeleteJobTemplate', handler: remove },
  ].map((r) => ({ ...r, errors: templateErrors }));
}
