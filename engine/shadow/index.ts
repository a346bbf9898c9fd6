export { ShadowService, type ShadowEvents, type ShadowServiceOptions, type ShadowUsage } from './shadow-service.js';
export { parseUpdateDocument, parseUpdatePayload, parseReadPayload, isUnsupportedEncoding, validateNames, messages as shadowMessages } from './shadow-request.js';
export type { UpdateRequest } from './shadow-doc.js';
export type { ShadowAddress } from './shadow-topics.js';
export { shadowApi } from './shadow-api.js';
export { defaultShadowLimits, type ShadowLimits } from './shadow-limits.js';
