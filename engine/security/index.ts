export { SecurityService, type SecurityOptions } from './security-service.js';
export { type ThingLookup, type PlainMode, type Denial, noThings } from './broker-hooks.js';
export { certificateArn, caCertificateArn, type CertificateRow, type CaCertificateRow, type Certificates } from './certificates.js';
export { policyArn, type PolicyStore, type PolicyRow, type PolicyVersionRow } from './policy-store.js';
export { type AccessKey } from './sigv4.js';
export { evaluate, type Decision, type EffectivePolicy, type Statement } from './policy-eval.js';
export { parsePolicyDocument } from './policies.js';
export { securityApi } from './security-api.js';
export { issueCertificate, encodeName } from './x509.js';
