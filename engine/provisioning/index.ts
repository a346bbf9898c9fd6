export { ProvisioningService, type ProvisioningOptions, type ProvisionContext, type ProvisionResult } from './provisioning-service.js';
export { ProvisioningTemplates, templateArn, validTemplateName, MAX_VERSIONS, type TemplateInfo, type TemplateType, type ProvisioningHook, type VersionRow } from './provisioning-templates.js';
export { RegistrationTasks, TASK_STATUSES, type TaskRow, type TaskStatus, type ObjectsPort } from './registration-tasks.js';
export { parseTemplate, renderTemplate, PSEUDO_PARAMETERS, type Template, type RenderedTemplate } from './template-renderer.js';
export type { RegistryPort, SecurityPort } from './resource-applier.js';
export { provisioningApi } from './provisioning-api.js';
