export { parseFaultSpec, FAULT_KINDS, AWS_PAYLOAD_LIMIT, type FaultSpec, type FaultKind, type FaultResult, type MalformedPayload } from './fault-spec.js';
export { NetworkLink, LinkStream, type LinkConditions } from './network-link.js';
export { malformedPayload, paddedJson } from './malformed.js';
