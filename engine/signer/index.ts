export { SignerService, type SigningProfile, type SigningJob, type SignerObjects, type ValidityPeriod, type S3Object } from './signer-service.js';
export { signingPlatforms, signingPlatform, type SigningPlatform } from './signing-platforms.js';
export { signFile } from './file-signature.js';
export { verifyFileSignature } from '../core/index.js';
export type { CertificateIssuer } from './signing-certificates.js';
