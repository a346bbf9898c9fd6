export type { Target, TargetAws, TargetAwsCredentials, TargetCapabilities, TargetKind, TargetMqtt, TargetTls } from './target.js';
export { openTarget, missingCapability, requireCapabilities, mqttLogin, mqttUrlWithLogin, type OpenTargetOptions } from './open-target.js';
export { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalTargetOptions } from './local-target.js';
export {
  addProfile, loadProfiles, removeProfile, saveProfiles, validateProfile, validateTargetName, flagOf, PROFILES_FILE, TARGET_KINDS, type TargetProfile,
} from './profiles.js';
export { checkConnect, deviceEndpoint } from './remote-targets.js';
export { targetsApi } from './targets-api.js';
