/**
 * AWS IoT control plane, provisioning: provisioning templates and their versions, RegisterThing, and bulk
 * registration tasks at AWS's REST paths (botocore `iot` 2015-05-28), so `aws iot … --endpoint-url` and
 * `@aws-sdk/client-iot` work unchanged. Timestamps are epoch seconds as restJson1 sends them.
 *
 * LIMITATIONS: ListThingRegistrationTaskReports returns one link per report type (AWS may split large reports).
 */
import { EngineError } from '../../core/index.js';
import type { ProvisioningService, TemplateInfo } from '../../provisioning/index.js';
import { iotControlErrors, type AwsErrorTable } from './aws-errors.js';
import {
  decodeNextToken, encodeNextToken, epochSeconds, jsonBody, maxResults, optionalBoolean, optionalObject, queryBoolean, requiredString,
} from './iot-control-shared.js';
import type { HttpRequest, HttpResult, Route } from './http-server.js';

export type ProvisioningOperations = Pick<ProvisioningService, 'templates' | 'tasks' | 'provision'>;

/** RegisterThing names no ResourceNotFoundException or conflict: a template that cannot be applied is ResourceRegistrationFailureException. */
const registerThingErrors: AwsErrorTable = {
  ...iotControlErrors,
  NotFound: { status: 400, type: 'ResourceRegistrationFailureException' },
  AlreadyExists: { status: 400, type: 'ResourceRegistrationFailureException' },
  Conflict: { ...iotControlErrors.Conflict, reasons: { ...iotControlErrors.Conflict.reasons, resourceConflict: { status: 400, type: 'ResourceRegistrationFailureException' } } },
};

function summary(t: TemplateInfo) {
  return {
    templateArn: t.arn, templateName: t.name, description: t.description, creationDate: epochSeconds(t.created),
    lastModifiedDate: epochSeconds(t.modified), enabled: t.enabled, type: t.type,
  };
}

function versionId(req: HttpRequest): number {
  const raw = req.params.versionId;
  if (!/^\d{1,9}$/.test(raw)) throw new EngineError('InvalidInput', `1 validation error detected: Value '${raw}' at 'versionId' failed to satisfy constraint: Member must be an integer`);
  return Number(raw);
}

function stringMap(value: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value ?? {})) {
    if (typeof v !== 'string') throw new EngineError('InvalidInput', `parameters.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

export function iotProvisioningRoutes(p: ProvisioningOperations): Route[] {
  const r = (method: string, path: string, operation: string, fn: (req: HttpRequest) => HttpResult['json'] | Promise<HttpResult['json']>, errors = iotControlErrors): Route => ({
    method, path, operation, errors, handler: async (req) => ({ json: (await fn(req)) ?? {} }),
  });
  const templates = () => p.templates;
  return [
    r('POST', '/provisioning-templates', 'CreateProvisioningTemplate', async (req) => {
      const b = jsonBody(req);
      const t = await templates().create(requiredString(b, 'templateName'), {
        templateBody: b.templateBody, provisioningRoleArn: b.provisioningRoleArn, description: b.description, enabled: b.enabled, type: b.type,
        preProvisioningHook: b.preProvisioningHook,
      });
      return { templateArn: t.arn, templateName: t.name, defaultVersionId: t.defaultVersionId };
    }),
    r('GET', '/provisioning-templates/{templateName}', 'DescribeProvisioningTemplate', (req) => {
      const t = templates().describe(req.params.templateName);
      return {
        ...summary(t), defaultVersionId: t.defaultVersionId, templateBody: t.templateBody, provisioningRoleArn: t.provisioningRoleArn,
        ...(t.preProvisioningHook && { preProvisioningHook: t.preProvisioningHook }),
      };
    }),
    r('GET', '/provisioning-templates', 'ListProvisioningTemplates', (req) => {
      const page = templates().list(maxResults(req.query.get('maxResults'), 250, 250), decodeNextToken('ListProvisioningTemplates', req.query.get('nextToken')));
      return { templates: page.items.map(summary), nextToken: encodeNextToken('ListProvisioningTemplates', page.after) };
    }),
    r('PATCH', '/provisioning-templates/{templateName}', 'UpdateProvisioningTemplate', async (req) => {
      const b = jsonBody(req);
      await templates().update(req.params.templateName, {
        description: b.description, enabled: optionalBoolean(b, 'enabled'), defaultVersionId: b.defaultVersionId, provisioningRoleArn: b.provisioningRoleArn,
        preProvisioningHook: optionalObject(b, 'preProvisioningHook'), removePreProvisioningHook: optionalBoolean(b, 'removePreProvisioningHook'),
      });
    }),
    r('DELETE', '/provisioning-templates/{templateName}', 'DeleteProvisioningTemplate', async (req) => {
      await templates().delete(req.params.templateName);
    }),
    r('POST', '/provisioning-templates/{templateName}/versions', 'CreateProvisioningTemplateVersion', async (req) => {
      const name = req.params.templateName;
      const v = await templates().createVersion(name, jsonBody(req).templateBody, queryBoolean(req, 'setAsDefault') ?? false);
      return { templateArn: templates().describe(name).arn, templateName: name, versionId: v.version, isDefaultVersion: v.isDefault };
    }),
    r('GET', '/provisioning-templates/{templateName}/versions/{versionId}', 'DescribeProvisioningTemplateVersion', (req) => {
      const name = req.params.templateName;
      const v = templates().mustVersion(name, versionId(req));
      return { versionId: v.version, creationDate: epochSeconds(v.created), templateBody: v.body, isDefaultVersion: templates().must(name).default_version === v.version };
    }),
    r('GET', '/provisioning-templates/{templateName}/versions', 'ListProvisioningTemplateVersions', (req) => {
      const name = req.params.templateName;
      const limit = maxResults(req.query.get('maxResults'), 250, 250);
      const after = Number(decodeNextToken('ListProvisioningTemplateVersions', req.query.get('nextToken')) ?? 0);
      const all = templates().versions(name).filter((v) => v.version > after);
      const def = templates().must(name).default_version;
      const items = all.slice(0, limit);
      return {
        versions: items.map((v) => ({ versionId: v.version, creationDate: epochSeconds(v.created), isDefaultVersion: v.version === def })),
        nextToken: encodeNextToken('ListProvisioningTemplateVersions', all.length > limit ? String(items[items.length - 1].version) : undefined),
      };
    }),
    r('DELETE', '/provisioning-templates/{templateName}/versions/{versionId}', 'DeleteProvisioningTemplateVersion', async (req) => {
      await templates().deleteVersion(req.params.templateName, versionId(req));
    }),
    r('POST', '/things', 'RegisterThing', async (req) => {
      const b = jsonBody(req);
      const result = await p.provision({ templateBody: requiredString(b, 'templateBody') }, stringMap(optionalObject(b, 'parameters')));
      return { certificatePem: result.certificatePem, resourceArns: result.resources };
    }, registerThingErrors),
    // ── bulk registration ──
    r('POST', '/thing-registration-tasks', 'StartThingRegistrationTask', async (req) => {
      const b = jsonBody(req);
      return { taskId: await p.tasks.startTask({ templateBody: b.templateBody, inputFileBucket: b.inputFileBucket, inputFileKey: b.inputFileKey, roleArn: b.roleArn }) };
    }),
    r('GET', '/thing-registration-tasks/{taskId}', 'DescribeThingRegistrationTask', (req) => {
      const t = p.tasks.describe(req.params.taskId);
      return {
        taskId: t.id, creationDate: epochSeconds(t.created), lastModifiedDate: epochSeconds(t.modified), templateBody: t.body,
        inputFileBucket: t.bucket, inputFileKey: t.key, roleArn: t.role_arn, status: t.status, ...(t.message !== null && { message: t.message }),
        successCount: t.success, failureCount: t.failure, percentageProgress: t.progress,
      };
    }),
    r('GET', '/thing-registration-tasks', 'ListThingRegistrationTasks', (req) => {
      const page = p.tasks.list(maxResults(req.query.get('maxResults'), 250, 250), decodeNextToken('ListThingRegistrationTasks', req.query.get('nextToken')), req.query.get('status') ?? undefined);
      return { taskIds: page.ids, nextToken: encodeNextToken('ListThingRegistrationTasks', page.after) };
    }),
    r('GET', '/thing-registration-tasks/{taskId}/reports', 'ListThingRegistrationTaskReports', (req) => {
      const type = req.query.get('reportType');
      if (type === null) throw new EngineError('InvalidInput', "1 validation error detected: Value null at 'reportType' failed to satisfy constraint: Member must not be null");
      maxResults(req.query.get('maxResults'), 250, 250);
      return { resourceLinks: p.tasks.reportLinks(req.params.taskId, type), reportType: type };
    }),
    r('PUT', '/thing-registration-tasks/{taskId}/cancel', 'StopThingRegistrationTask', async (req) => {
      await p.tasks.stopTask(req.params.taskId);
    }),
  ];
}
