export { BrokerService, type BrokerOptions, type BrokerEvents, type HeldMessage } from './broker-service.js';
export { defaultLimits, type BrokerLimits } from './limits.js';
export { deviations, type DeviationId } from './aws-deviations.js';
export { Taps, logTapErrors, type Publisher, type PublishOptions, type OutgoingMessage, type MessageOrigin, type TappedMessage, type TapHandler, type TapErrorReport } from './taps.js';
export type { SecurityHooks, ConnectionGuard } from './security-hooks.js';
export type { TlsCredentials, Transport } from './listeners.js';
export type { Properties, UserProperty } from './mqtt5/properties.js';
export { fromMessageProperties, toMessageProperties } from './message-properties.js';
