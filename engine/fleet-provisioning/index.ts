export { FleetProvisioningService, type FleetProvisioningDeps, type FleetTemplate, type TemplatePort } from './fleet-provisioning-service.js';
export { TOKEN_LIFETIME_MS } from './ownership-tokens.js';
export type { HookFunctions, HookResult, HookInput } from './pre-provisioning-hook.js';
