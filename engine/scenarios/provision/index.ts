export { provision, provisionProblems, provisionRefusal, type ProvisionOptions, type ProvisionOutputs } from './provisioner.js';
export { provisionSchema, type ProvisionSpec, type IfExists } from './provision-spec.js';
export type { CleanupStack } from './provision-env.js';
export type { CertificateOutput } from './security-resources.js';
export { iotClientFor, refusal } from './iot-control.js';
export { TAGGED_AT_CREATION, withCreationTags, type Tags } from './creation-tags.js';
export { registerDevices, needsRegistration, type DeviceRegistration, type DeviceIdentity, type RegisteredFleet } from './device-identities.js';
export { devicePolicyDocument, devicePolicyName, policyPattern } from './device-policy.js';
