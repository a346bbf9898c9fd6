export { VirtualDevice, type DeviceState, type DeviceStats, type DeviceEvents, type VirtualDeviceOptions } from './virtual-device.js';
export type { DeviceSpec, DeviceConnection, TelemetrySpec, TelemetryContext, ShadowBehaviour, CommandBehaviour, CommandHandler, DeltaAction } from './device-spec.js';
export { VirtualClock, realClock, type DeviceClock, type TimerHandle } from './device-clock.js';
export { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
export { OfflineBuffer, type BufferedMessage } from './offline-buffer.js';
export { seededRandom, deviceSeed, type Random } from './seeded-random.js';
export { mergeState, pickKeys, topicMatches, type State } from './shadow-state.js';
