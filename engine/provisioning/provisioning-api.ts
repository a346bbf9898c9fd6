/** The contract's `provisioning` area over the service: templates with their versions, bulk registration tasks. */
import type { ThingbenchApi } from '../contract/index.js';
import type { ProvisioningService } from './provisioning-service.js';
import type { TemplateInfo } from './provisioning-templates.js';

const summary = (t: TemplateInfo) => ({
  name: t.name, arn: t.arn, ...(t.description !== undefined && { description: t.description }), type: t.type, enabled: t.enabled,
  defaultVersionId: t.defaultVersionId, ...(t.preProvisioningHook && { preProvisioningHook: t.preProvisioningHook }), createdAt: t.created, updatedAt: t.modified,
});

export function provisioningApi(p: ProvisioningService): ThingbenchApi['provisioning'] {
  return {
    templates: async () => p.templates.list(Number.MAX_SAFE_INTEGER).items.map(summary),
    template: async (name) => {
      const t = p.templates.describe(name);
      return {
        ...summary(t), provisioningRoleArn: t.provisioningRoleArn, templateBody: t.templateBody,
        versions: p.templates.versions(name).map((v) => ({ versionId: v.version, isDefault: v.version === t.defaultVersionId, createdAt: v.created })),
      };
    },
    tasks: async (status) => p.tasks.list(250, undefined, status ?? undefined).ids.map((id) => {
      const t = p.tasks.describe(id);
      const reports = JSON.parse(t.reports) as { RESULTS?: string; ERRORS?: string };
      return {
        taskId: t.id, status: t.status, ...(t.message !== null && { message: t.message }), successCount: t.success, failureCount: t.failure,
        percentageProgress: t.progress, inputFileBucket: t.bucket, inputFileKey: t.key,
        reports: { ...(reports.RESULTS && { results: reports.RESULTS }), ...(reports.ERRORS && { errors: reports.ERRORS }) },
        createdAt: t.created, updatedAt: t.modified,
      };
    }),
  };
}
