export * from './record/index.js';
export * from './steps/index.js';
export * from './targets/index.js';
export {
  registerDevices, needsRegistration, devicePolicyDocument, devicePolicyName, policyPattern,
  type DeviceRegistration, type DeviceIdentity, type RegisteredFleet,
} from './provision/index.js';
