import { verify } from 'node:crypto';

/**
 * Whether `signature` (bytes, or their base64 as in an OTA job document's `sig-sha256-ecdsa`: DER for ECDSA — what
 * `openssl dgst -sha256 -sign` writes and AWS Signer returns —, or the 64-byte r‖s form; PKCS#1 v1.5 for RSA) signs
 * the SHA-256 of `file` with the key of `certificatePem`. What a device does before it applies a firmware image; one
 * check for the engine's signer and the virtual devices alike.
 */
export function verifyFileSignature(file: Uint8Array, signature: Uint8Array | string, certificatePem: string): boolean {
  try {
    const sig = typeof signature === 'string' ? Buffer.from(signature, 'base64') : Buffer.from(signature);
    if (verify('sha256', file, certificatePem, sig)) return true;
    return sig.length === 64 && verify('sha256', file, { key: certificatePem, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false; // a malformed signature or certificate verifies nothing
  }
}
